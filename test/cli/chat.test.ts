// `--chat auto|on|off` on every command that explains a prompt, auto by default (as in the extension), and the
// hint for a response that is nothing but end-of-sequence.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { endOfSequenceHint, onlyEndOfSequence, resolveChat } from '../../src/methods/attribution/chatSetting';
import { ok } from '../../src/lensError';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';
import { runCli } from './cliRunner';

const root = mkdtempSync(join(tmpdir(), 'lens-chat-'));
after(() => rmSync(root, { recursive: true, force: true }));
// the committed tuned model answers this prompt through its template, and with end-of-sequence at once
// without it (the hint's case)
const PROMPT = 'Spell the word cat.';

test('resolveChat: auto follows the checkpoint, on and off are kept', () => {
  const withTemplate = { chatTemplate: ok({} as never) };
  const without = {
    chatTemplate: { ok: false as const, error: { code: 'no-chat-template' as const, message: '', hint: '' } },
  };
  assert.equal(resolveChat('auto', withTemplate), true);
  assert.equal(resolveChat('auto', without), false);
  assert.equal(resolveChat(true, without), true);
  assert.equal(resolveChat(false, withTemplate), false);
});

test('onlyEndOfSequence and its hint', () => {
  assert.equal(onlyEndOfSequence([{ special: true }]), true);
  assert.equal(onlyEndOfSequence([{ special: false }, { special: true }]), false);
  assert.match(endOfSequenceHint(false, true), /--chat on/);
  assert.match(endOfSequenceHint(true, true), /--chat off/);
  assert.doesNotMatch(endOfSequenceHint(false, false), /--chat/);
});

const settingsOf = (args: string[]) => {
  const out = join(root, `e${Math.random().toString(36).slice(2)}.json`);
  const run = runCli(['explain', '--prompt', PROMPT, '--json', out, ...args]);
  assert.equal(run.status, 0, run.stderr);
  return { run, json: JSON.parse(readFileSync(out, 'utf8')) };
};

test('explain: the template by default on the embedded tuned model, which then follows the instruction', () => {
  const { json } = settingsOf([]);
  assert.equal(json.settings.chat, true);
  assert.ok(
    json.response_tokens.some((t: { special: boolean }) => !t.special),
    'a response beyond end-of-sequence',
  );
  assert.equal(settingsOf(['--chat']).json.settings.chat, true);
  assert.equal(settingsOf(['--chat', 'on']).json.settings.chat, true);
});

test('explain --chat off (or --no-chat): plain text, an end-of-sequence answer, and a hint to try the template', () => {
  for (const args of [['--chat', 'off'], ['--no-chat']]) {
    const { run, json } = settingsOf(args);
    assert.equal(json.settings.chat, false);
    assert.ok(
      json.response_tokens.every((t: { special: boolean }) => t.special),
      'the tuned model answers plain text with end-of-sequence',
    );
    assert.match(run.stderr, /hint: The model answered only with its end-of-sequence token.*--chat on/);
  }
});

test('auto on a checkpoint without a template explains the plain prompt; a bad mode is refused', () => {
  const plain = writeRandomCheckpoint(join(root, 'plain'), { family: 'llama', seed: 5 });
  writeFileSync(join(plain.dir, 'tokenizer_config.json'), '{}'); // no chat template
  const out = join(root, 'plain.json');
  const run = runCli(['explain', '--model', plain.dir, '--prompt', PROMPT, '--max-new-tokens', '3', '--json', out]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).settings.chat, false);
  const bad = runCli(['explain', '--prompt', PROMPT, '--chat', 'maybe']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--chat \[mode\].*'maybe' is invalid.*auto, on or off/);
});

test('batch and compare take the same option, auto by default', () => {
  const dataset = join(root, 'd.jsonl');
  writeFileSync(dataset, JSON.stringify({ id: 'a', prompt: PROMPT }) + '\n');
  const outDir = join(root, 'batch');
  const run = runCli(['batch', '--dataset', dataset, '--out', outDir, '--max-new-tokens', '8']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(readFileSync(join(outDir, 'a.json'), 'utf8')).settings.chat, true);
  const off = runCli(['batch', '--dataset', dataset, '--out', outDir, '--max-new-tokens', '8', '--chat', 'off']);
  assert.equal(off.status, 1, 'the folder holds results made with the template');
  assert.match(off.stderr, /--chat on; this run asks for .*--chat off/);
  const cmp = join(root, 'cmp.json');
  const compared = runCli(
    ['compare', '--prompt', PROMPT, '--max-new-tokens', '8', '--no-global', '--chat', 'off', '--json', cmp],
    120_000,
  );
  assert.equal(compared.status, 0, compared.stderr);
  assert.equal(JSON.parse(readFileSync(cmp, 'utf8')).settings.chat, false);
});
