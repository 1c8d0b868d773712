// The shared state of the current explanation: edits recompute on the host, reset goes back, listeners hear each
// change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExplanationState } from '../../src/ui/explanationState';
import { fixture, naiveImportance } from './explainFixture';

test('edit, reset and listeners', () => {
  const state = new ExplanationState();
  const seen: (number | undefined)[] = [];
  const sub = state.onChange((e) => seen.push(e?.json.instruction_importance));
  assert.equal(state.setInstruction([1], false), false, 'nothing to edit before an explanation');
  const json = fixture();
  state.show('tuned', json);
  assert.equal(state.edited, false);
  assert.ok(state.setInstruction([4], true));
  assert.equal(state.edited, true);
  assert.equal(
    state.current!.json.instruction_importance,
    naiveImportance(json.density as (number | null)[], [false, true, true, true, true]),
  );
  assert.equal(state.current!.original, json);
  state.resetInstruction();
  assert.equal(state.edited, false);
  assert.equal(state.current!.json, json);
  sub.dispose();
  state.clear();
  assert.equal(seen.length, 3, 'show, edit, reset; nothing after dispose');
  assert.equal(seen[0], json.instruction_importance);
});
