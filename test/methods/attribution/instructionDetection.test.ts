// Automatic instruction detection against the paper authors' annotations (test/fixtures/paper): token-level
// precision, recall and F1 over the LLaMA-7B pieces of the 24 saved prompts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectInstructionSpans } from '../../../src/methods/attribution/instructionDetection';
import { instructionMask, locateSpans } from '../../../src/methods/attribution/instructionImportance';
import { pieceOffsets } from '../../../src/methods/attribution/pieceOffsets';

const PAPER = join(__dirname, '..', '..', 'fixtures', 'paper');

test('simple prompts: imperatives and questions are found, quoted input is not', () => {
  const prompt = 'Explain the meaning of the phrase.\n\nInput: "a little give"\n\nOutput:';
  const spans = detectInstructionSpans(prompt);
  assert.deepEqual(
    spans.map(([s, e]) => prompt.slice(s, e)),
    ['Explain the meaning of the phrase.'],
  );
  const q = 'The sky is blue. Why is the sky blue?';
  assert.deepEqual(
    detectInstructionSpans(q).map(([s, e]) => q.slice(s, e)),
    ['Why is the sky blue?'],
  );
});

test('a sentence opening with a capitalised task verb is found even when the tagger reads the verb as a noun', () => {
  // compromise tags this "Spell" as a place name; the demo asks exactly this
  const prompt = 'Spell "river" backwards.';
  assert.deepEqual(
    detectInstructionSpans(prompt).map(([s, e]) => prompt.slice(s, e)),
    [prompt],
  );
  // lower case, the same word opens a line of code, not an instruction
  assert.deepEqual(detectInstructionSpans('select FirstName, LastName, City, State'), []);
});

test("token-level agreement with the paper's annotations (aim: F1 >= 0.7)", () => {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const line of readFileSync(join(PAPER, 'attributions-sample.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const row = JSON.parse(line);
    const pieces: string[] = row.models['llama-7b'].input_tokens;
    const tokens = pieceOffsets(pieces, row.prompt).map(([start, end]) => ({ start, end }));
    const gold = instructionMask(
      row.prompt,
      tokens,
      locateSpans(row.prompt, row.instruction_spans).filter((s): s is [number, number] => s !== null),
    );
    const predicted = instructionMask(row.prompt, tokens, detectInstructionSpans(row.prompt));
    gold.forEach((g, i) => {
      if (g && predicted[i]) tp++;
      else if (predicted[i]) fp++;
      else if (g) fn++;
    });
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  const f1 = (2 * precision * recall) / (precision + recall);
  console.log(
    `# instruction detection vs the paper's annotations: precision ${precision.toFixed(3)}, recall ` +
      `${recall.toFixed(3)}, F1 ${f1.toFixed(3)} (${tp + fn} gold tokens)`,
  );
  assert.ok(f1 >= 0.7, `F1 ${f1.toFixed(3)} below 0.7`);
});
