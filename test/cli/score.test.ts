// `score` through the bundled CLI: it must reproduce the paper's own instruction-importance values for the
// 24 saved prompts x 2 models (test/fixtures/paper) within 1e-4, and refuse bad lines clearly.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from './cliRunner';

const PAPER = join(__dirname, '..', 'fixtures', 'paper');
const root = mkdtempSync(join(tmpdir(), 'lens-score-'));
after(() => rmSync(root, { recursive: true, force: true }));

test("reproduces the paper's expected instruction importance for every prompt and model", () => {
  const out = join(root, 'scores.json');
  const run = runCli(['score', '--input', join(PAPER, 'attributions-sample.jsonl'), '--json', out]);
  assert.equal(run.status, 0, run.stderr);
  const { results, summary } = JSON.parse(readFileSync(out, 'utf8'));
  const expected = JSON.parse(readFileSync(join(PAPER, 'expected-instruction-importance.json'), 'utf8'));
  assert.equal(results.length, 48);
  for (const r of results) {
    const want = expected[r.id][r.model.startsWith('llama') ? 'llama' : 'vicuna'];
    assert.ok(
      Math.abs(r.instruction_importance - want) <= 1e-4 * Math.abs(want),
      `${r.id} ${r.model}: ${r.instruction_importance} vs ${want}`,
    );
    assert.ok(Array.isArray(r.density));
  }
  assert.equal(summary.comparison.prompts, 24);
  const byId = new Map<string, Record<string, number>>();
  for (const r of results) byId.set(r.id, { ...byId.get(r.id), [r.model]: r.instruction_importance });
  const vicunaHigher = [...byId.values()].filter((v) => v['vicuna-7b'] > v['llama-7b']).length / 24;
  assert.equal(summary.comparison['vicuna-7b_higher'], vicunaHigher);
  console.log(
    `# paper sample: Vicuna-7B's instruction importance is higher on ` +
      `${(100 * vicunaHigher).toFixed(0)}% of the 24 prompts`,
  );
});

function expectError(lines: string[], pattern: RegExp): void {
  const file = join(root, `bad-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, lines.join('\n'));
  const run = runCli(['score', '--input', file]);
  assert.equal(run.status, 1, run.stdout);
  assert.match(run.stderr, /^error: .+\nhint: .+\n$/);
  assert.match(run.stderr, pattern);
}

const sample = readFileSync(join(PAPER, 'attributions-sample.jsonl'), 'utf8').split('\n')[0];

test('a malformed line is named by its number', () =>
  expectError([sample, '{"id": "x", oops'], /line 2: not valid JSON/));

test('a span that is not in the prompt is named', () => {
  const record = JSON.parse(sample);
  record.instruction_spans = ['Translate this into French.'];
  expectError([JSON.stringify(record)], /"Translate this into French\." is not in the prompt/);
});

test('a matrix whose size disagrees with its shape is refused', () => {
  const record = JSON.parse(sample);
  record.models['llama-7b'].attribution_shape = [record.models['llama-7b'].input_tokens.length, 3];
  expectError([JSON.stringify(record)], /holds \d+ values, not \d+ x 3/);
});

test('a missing file', () => {
  const run = runCli(['score', '--input', join(root, 'nope.jsonl')]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /no such file/);
});
