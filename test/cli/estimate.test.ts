// `explain --estimate` and `batch --estimate` through the bundled CLI: nothing runs, the prompt is counted as
// the explanation counts it, the FLOPs are the cost model's, the calibration is cached, and a batch leaves out
// what is done and what would fail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCheckpoint } from '../../src/runtime/checkpoint';
import { CostModel } from '../../src/runtime/explainCost';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';
import { runCli } from './cliRunner';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const root = mkdtempSync(join(tmpdir(), 'lens-estimate-'));
after(() => rmSync(root, { recursive: true, force: true }));
const cache = join(root, 'xdg-cache');
const ck = writeRandomCheckpoint(join(root, 'ck'), {
  family: 'llama',
  numHeads: 4,
  numKvHeads: 2,
  seed: 12,
  maxPositions: 64,
});

const cli = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cache },
  });
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const PROMPT = 'Define the word apple.';

test('explain --estimate: the cost of the run that explain would make, without making it', async () => {
  const out = join(root, 'e1.json');
  const r = cli([
    'explain',
    '--model',
    ck.dir,
    '--prompt',
    PROMPT,
    '--max-new-tokens',
    '9',
    '--estimate',
    '--json',
    out,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /nothing was run/);
  assert.match(r.stdout, /^time {6}about [\d.]+ s \(load/m);
  const e = read(out);
  assert.equal(e.method, 'estimate');
  assert.equal(e.machine.cached, false, 'first estimate calibrates');
  assert.ok(existsSync(join(cache, 'instruction-lens', 'calibration.json')));

  const explained = join(root, 'x1.json');
  const run = runCli(['explain', '--model', ck.dir, '--prompt', PROMPT, '--max-new-tokens', '9', '--json', explained]);
  assert.equal(run.status, 0, run.stderr);
  const x = read(explained);
  assert.equal(
    e.prompt_tokens,
    x.prompt_tokens.length,
    'the prompt tokenised as explain does (chat template included)',
  );
  assert.equal(e.response_tokens, 9, 'a generated response at its most tokens');
  assert.ok(x.response_tokens.length <= e.response_tokens);
  const c = await loadCheckpoint(ck.dir);
  assert.ok(c.ok);
  const costs = new CostModel(c.value);
  assert.equal(e.flops.attribution, costs.attributionFlops(e.prompt_tokens, 9));
  assert.equal(e.flops.generation, costs.generationFlops(e.prompt_tokens, 9));
  assert.ok(e.seconds.total > 0 && e.peak_memory_bytes > e.model.weight_bytes);

  const again = cli([
    'explain',
    '--model',
    ck.dir,
    '--prompt',
    PROMPT,
    '--response',
    ' A fruit.',
    '--estimate',
    '--json',
    out,
  ]);
  assert.equal(again.status, 0, again.stderr);
  const g = read(out);
  assert.equal(g.machine.cached, true, 'the calibration is reused');
  assert.equal(g.generated_responses, 0);
  assert.equal(g.flops.generation, 0);
  assert.equal(
    g.response_tokens,
    (await c.value.tokenizer.encode(' A fruit.', { addSpecialTokens: false })).ids.length,
  );
});

test('explain --estimate refuses a prompt the run would refuse', () => {
  const r = cli(['explain', '--model', ck.dir, '--prompt', 'word '.repeat(80), '--estimate']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: the prompt is \d+ tokens; the model's context is 64/);
});

test('batch --estimate: the prompts this run would explain, less those done and those that would fail', () => {
  const dataset = join(root, 'd.jsonl');
  const items = [
    { id: 'a', prompt: PROMPT },
    { id: 'b', prompt: 'Spell the word cat.' },
    { id: 'long', prompt: 'word '.repeat(80) },
  ];
  writeFileSync(dataset, items.map((i) => JSON.stringify(i)).join('\n') + '\n');
  const out = join(root, 'batch');
  const json = join(root, 'b.json');
  const args = ['batch', '--model', ck.dir, '--dataset', dataset, '--out', out, '--max-new-tokens', '5'];
  const before = cli([...args, '--estimate', '--json', json]);
  assert.equal(before.status, 0, before.stderr);
  assert.ok(!existsSync(out), 'an estimate writes nothing in --out');
  const all = read(json);
  assert.equal(all.prompts, 2);
  assert.deepEqual(
    all.failures.map((f: { index: number; id: string; code: string }) => [f.index, f.id, f.code]),
    [[2, 'long', 'prompt-too-long']],
  );
  assert.match(before.stdout, /^left out 1 prompt that would fail: long \(the prompt is \d+ tokens/m);
  assert.equal(all.response_tokens, 10);

  assert.equal(cli([...args, '--ids', 'a']).status, 0);
  const after_ = cli([...args, '--estimate', '--json', json]);
  assert.equal(after_.status, 0, after_.stderr);
  assert.match(after_.stdout, /^1 of 3 prompts are done in .* and left out$/m);
  const rest = read(json);
  assert.equal(rest.prompts, 1);
  assert.ok(rest.flops.total < all.flops.total);
  assert.ok(rest.seconds.load > 0, 'one load for the run');
});
