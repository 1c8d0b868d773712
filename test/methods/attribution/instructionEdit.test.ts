// Marking and unmarking instruction tokens: spans follow the runs of marked tokens, the mask follows the
// spans, and the instruction importance equals a naive recomputation from the density.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editInstruction } from '../../../src/methods/attribution/instructionEdit';
import { fixture, naiveImportance } from '../../ui/explainFixture';

test('marking a token extends the span and rescoring matches the naive formula', () => {
  const json = fixture();
  const edited = editInstruction(json, [4], true);
  assert.deepEqual(edited.instruction_mask, [false, true, true, true, true]);
  assert.deepEqual(edited.instruction_spans, [{ start: 0, end: 21, text: 'Spell the word apple.', source: 'user' }]);
  assert.equal(
    edited.instruction_importance,
    naiveImportance(edited.density as (number | null)[], [false, true, true, true, true]),
  );
  assert.notEqual(edited.instruction_importance, json.instruction_importance);
  assert.equal(json.instruction_mask[4], false, 'the input is not changed');
});

test('unmarking a middle token splits the span in two, whitespace trimmed', () => {
  const edited = editInstruction(fixture(), [2], false);
  assert.deepEqual(edited.instruction_mask, [false, true, false, true, false]);
  assert.deepEqual(
    edited.instruction_spans.map((s) => [s.start, s.end, s.text]),
    [
      [0, 5, 'Spell'],
      [10, 14, 'word'],
    ],
  );
  assert.equal(
    edited.instruction_importance,
    naiveImportance(edited.density as (number | null)[], [false, true, false, true, false]),
  );
});

test('special tokens and indices out of range are ignored; unmarking everything scores 0', () => {
  const json = fixture();
  assert.deepEqual(editInstruction(json, [0, 99, -1], true).instruction_mask, json.instruction_mask);
  const none = editInstruction(json, [1, 2, 3], false);
  assert.deepEqual(none.instruction_spans, []);
  assert.equal(none.instruction_importance, 0);
});
