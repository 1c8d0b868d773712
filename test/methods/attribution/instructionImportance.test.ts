// Instruction importance against the paper's own results: the 24 prompts of test/fixtures/paper, each
// explained by LLaMA-7B and Vicuna-7B, must score as the paper's analysis scores them (1e-4 relative).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importanceDensity, thresholdLevels } from '../../../src/methods/attribution/density';
import {
  instructionImportance,
  instructionMask,
  locateSpans,
} from '../../../src/methods/attribution/instructionImportance';
import { pieceOffsets } from '../../../src/methods/attribution/pieceOffsets';

const PAPER = join(__dirname, '..', '..', 'fixtures', 'paper');

test('hand-worked: normalised density over instruction tokens / log2(2 + count), specials ignored', () => {
  const density = [null, 2, 1, 4, 0];
  const mask = [false, true, true, false, false];
  assert.ok(Math.abs(instructionImportance(density, mask) - (2 / 4 + 1 / 4) / Math.log2(4)) < 1e-12);
  assert.equal(instructionImportance(density, [false, false, false, false, false]), 0);
});

test('instruction tokens: non-whitespace characters overlapping a span', () => {
  const prompt = 'Define "apple". Now.';
  const spans = locateSpans(prompt, ['Define', 'Now.', 'missing']);
  assert.deepEqual(spans, [[0, 6], [16, 20], null]);
  const tokens = [
    { start: 0, end: 6 },
    { start: 6, end: 8 },
    { start: 8, end: 15 },
    { start: 15, end: 19 },
    { start: 19, end: 20 },
  ];
  assert.deepEqual(
    instructionMask(prompt, tokens, [
      [0, 6],
      [16, 20],
    ]),
    [true, false, false, true, true],
  );
});

test('piece offsets: spaces, byte pieces and the leading ▁', () => {
  assert.deepEqual(pieceOffsets(['▁Hi', '▁there', '<0x0A>', 'é'], 'Hi there\né'), [
    [0, 2],
    [2, 8],
    [8, 9],
    [9, 10],
  ]);
  assert.deepEqual(pieceOffsets(['▁', '<0xE4>', '<0xB8>', '<0x96>'], '世'), [
    [0, 0],
    [0, 1],
    [0, 1],
    [0, 1],
  ]);
});

test("the paper's saved attributions score as the paper's analysis does (all 48 prompt x model pairs)", () => {
  assert.ok(existsSync(PAPER), `${PAPER} is missing: the paper's sample belongs in the repository`);
  const expected = JSON.parse(readFileSync(join(PAPER, 'expected-instruction-importance.json'), 'utf8'));
  const lines = readFileSync(join(PAPER, 'attributions-sample.jsonl'), 'utf8').split('\n').filter(Boolean);
  let worst = 0;
  let count = 0;
  for (const line of lines) {
    const row = JSON.parse(line);
    for (const [model, v] of Object.entries<{
      input_tokens: string[];
      attribution_shape: [number, number];
      attribution_uint8_b64: string;
    }>(row.models)) {
      const [N, M] = v.attribution_shape;
      const levels = Buffer.from(v.attribution_uint8_b64, 'base64');
      const offsets = pieceOffsets(v.input_tokens, row.prompt);
      const include = new Array<boolean>(N).fill(true);
      const density = importanceDensity(thresholdLevels(levels), N, M, include);
      const spans = locateSpans(row.prompt, row.instruction_spans).filter((s): s is [number, number] => s !== null);
      const mask = instructionMask(
        row.prompt,
        offsets.map(([start, end]) => ({ start, end })),
        spans,
      );
      const score = M === 0 ? 0 : instructionImportance(density, mask);
      const want = expected[row.id][model.startsWith('llama') ? 'llama' : 'vicuna'];
      worst = Math.max(worst, Math.abs(score - want) / Math.abs(want));
      count++;
    }
  }
  console.log(`# ${count} pairs, worst relative error ${worst.toExponential(2)}`);
  assert.equal(count, 48);
  assert.ok(worst <= 1e-4, `worst relative error ${worst}`);
});
