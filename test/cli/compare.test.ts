// `compare` end to end: each side equals `explain --json` of that model on the same prompt, the difference is
// tuned - base, the per-layer head shares equal `heads --json` of each model, principal angles are angles
// (and zero for a model against itself), the HTML report is written; bad input gets one error/hint pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';
import { runCli } from './cliRunner';

const root = mkdtempSync(join(tmpdir(), 'lens-cli-compare-'));
const shape = { family: 'llama' as const, hiddenSize: 32, numHeads: 4, numKvHeads: 2, numLayers: 2 };
const base = writeRandomCheckpoint(join(root, 'base'), { ...shape, seed: 61 });
const tuned = writeRandomCheckpoint(join(root, 'tuned'), { ...shape, seed: 62 });
const PROMPT = 'Write a short poem about the sea.';
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const withoutTiming = (e: Record<string, unknown>) => ({ ...e, timing: null });

test('two random llamas: sides equal explain --json, difference, head shares equal heads --json, angles, HTML', () => {
  const out = join(root, 'compare.json');
  const html = join(root, 'compare.html');
  const run = runCli(
    [
      'compare',
      '--base',
      base.dir,
      '--tuned',
      tuned.dir,
      '--prompt',
      PROMPT,
      '--max-new-tokens',
      '4',
      '--components',
      '3',
      '--no-chat',
      '--json',
      out,
      '--html',
      html,
    ],
    120_000,
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /difference \(tuned - base\)/);
  const c = json(out);
  assert.equal(c.method, 'compare');
  assert.equal(c.settings.chat, false, '--no-chat');
  for (const [side, ck] of [
    ['base', base],
    ['tuned', tuned],
  ] as const) {
    const single = join(root, `${side}.json`);
    const r = runCli(
      ['explain', '--model', ck.dir, '--prompt', PROMPT, '--max-new-tokens', '4', '--chat', 'off', '--json', single],
      60_000,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(withoutTiming(c[side]), withoutTiming(json(single)), `${side} differs from explain --json`);
  }
  assert.equal(c.instruction_importance.difference, c.tuned.instruction_importance - c.base.instruction_importance);

  for (const [side, ck] of [
    ['base', base],
    ['tuned', tuned],
  ] as const) {
    const headsOut = join(root, `${side}-heads.json`);
    const r = runCli(['heads', '--model', ck.dir, '--json', headsOut], 60_000);
    assert.equal(r.status, 0, r.stderr);
    const heads = json(headsOut);
    c.global.layers.forEach(
      (
        l: { instruction_verb_share: Record<string, number | null>; general_verb_share: Record<string, number | null> },
        i: number,
      ) => {
        assert.equal(l.instruction_verb_share[side], heads.layers[i].instruction_verb_share, `layer ${i} ${side}`);
        assert.equal(l.general_verb_share[side], heads.layers[i].general_verb_share, `layer ${i} ${side}`);
      },
    );
  }
  assert.equal(c.global.layers.length, 2);
  for (const l of c.global.layers) {
    assert.equal(l.principal_angles_deg.length, 3);
    for (let k = 0; k < 3; k++) {
      assert.ok(l.principal_angles_deg[k] >= 0 && l.principal_angles_deg[k] <= 90, `${l.principal_angles_deg}`);
      if (k > 0) assert.ok(l.principal_angles_deg[k] >= l.principal_angles_deg[k - 1]);
    }
    assert.ok(l.principal_angles_deg[2] > 1, 'independent random models do not share their leading subspace');
  }
  const page = readFileSync(html, 'utf8');
  assert.match(page, /principal subspace/);
  assert.doesNotMatch(page, /https?:\/\//);
});

test('a mixture of experts against a dense model of its attention: sides equal explain --json, pooled angles', () => {
  // qwen3 beside qwen3_moe of the same attention sizes, as a dense model and its sparse sibling
  const moeShape = { hiddenSize: 32, numHeads: 4, numKvHeads: 2, numLayers: 2, headDim: 8 };
  const dense = writeRandomCheckpoint(join(root, 'dense-qwen3'), { family: 'qwen3', ...moeShape, seed: 63 });
  const sparse = writeRandomCheckpoint(join(root, 'sparse-qwen3-moe'), {
    family: 'qwen3_moe',
    ...moeShape,
    experts: 4,
    seed: 64,
  });
  const out = join(root, 'moe.json');
  const run = runCli(
    [
      'compare',
      '--base',
      dense.dir,
      '--tuned',
      sparse.dir,
      '--prompt',
      PROMPT,
      '--max-new-tokens',
      '3',
      '--components',
      '3',
      '--no-chat',
      '--json',
      out,
    ],
    120_000,
  );
  assert.equal(run.status, 0, run.stderr);
  const c = json(out);
  const single = join(root, 'moe-tuned.json');
  const r = runCli(
    ['explain', '--model', sparse.dir, '--prompt', PROMPT, '--max-new-tokens', '3', '--chat', 'off', '--json', single],
    60_000,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(withoutTiming(c.tuned), withoutTiming(json(single)));
  assert.equal(c.tuned.model.architecture, 'Qwen3MoeForCausalLM');
  for (const l of c.global.layers)
    assert.ok(l.principal_angles_deg.length === 3 && l.principal_angles_deg.every((a: number) => a >= 0 && a <= 90));
});

test('a model against itself: zero angles, equal shares, zero difference', () => {
  const out = join(root, 'self.json');
  const run = runCli(
    [
      'compare',
      '--base',
      base.dir,
      '--tuned',
      base.dir,
      '--prompt',
      PROMPT,
      '--max-new-tokens',
      '3',
      '--components',
      '4',
      '--json',
      out,
    ],
    120_000,
  );
  assert.equal(run.status, 0, run.stderr);
  const c = json(out);
  assert.equal(c.instruction_importance.difference, 0);
  for (const l of c.global.layers) {
    for (const a of l.principal_angles_deg) assert.ok(a < 0.1, `angle ${a}`);
    assert.equal(l.instruction_verb_share.difference ?? 0, 0);
  }
});

test(
  '--no-global compares the explanations only; the embedded pair is the default',
  {
    skip: !existsSync(join(__dirname, '..', '..', 'models', 'wordnet-tuned', 'config.json')) && 'models/ is not built',
  },
  () => {
    const out = join(root, 'embedded.json');
    const run = runCli(
      ['compare', '--prompt', 'Write the word "river" backwards.', '--no-global', '--json', out],
      120_000,
    );
    assert.equal(run.status, 0, run.stderr);
    const c = json(out);
    assert.equal(c.global, null);
    assert.equal(c.settings.chat, true, 'both embedded models have a chat template');
    assert.match(c.base.model.path, /wordnet-base$/);
    assert.match(c.tuned.model.path, /wordnet-tuned$/);
    assert.ok(c.tuned.response_tokens.length > 0);
  },
);

test('bad input: models of different shapes, no prompt, a missing folder', () => {
  const wide = writeRandomCheckpoint(join(root, 'wide'), { ...shape, hiddenSize: 48, seed: 63 });
  for (const [args, pattern] of [
    [['--base', base.dir, '--tuned', wide.dir, '--prompt', PROMPT, '--max-new-tokens', '2'], /differ in shape/],
    [['--base', base.dir, '--tuned', tuned.dir], /exactly one of --prompt and --prompt-file/],
    [['--base', join(root, 'nowhere'), '--tuned', tuned.dir, '--prompt', PROMPT], /no such directory/],
  ] as const) {
    const run = runCli(['compare', ...args], 120_000);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, pattern);
    assert.match(run.stderr, /^hint: /m);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  }
});
