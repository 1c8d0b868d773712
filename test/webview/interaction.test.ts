// What the explain page shades as the user points at tokens (pure part of the page).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clickPrompt,
  clickResponse,
  fitToView,
  hoverResponse,
  initialInteraction,
  moveIndex,
  promptShading,
  responseShading,
} from '../../webview/explain/interaction';
import { explainView } from '../../src/ui/viewModel/explainView';
import { fixture } from '../ui/explainFixture';

const view = explainView(fixture(), 'm', false);

test("hover shows a response token's column; a pin survives hovering elsewhere", () => {
  let s = hoverResponse(initialInteraction, 2);
  assert.deepEqual(promptShading(view, s), { mode: 'attribution', shades: view.byResponse[2] });
  s = clickResponse(s, 0);
  s = hoverResponse(s, 1);
  assert.deepEqual(promptShading(view, s).shades, view.byResponse[0]);
  s = hoverResponse(s, null);
  assert.equal(s.focus.kind, 'response');
  s = clickResponse(s, 0); // unpin
  assert.deepEqual(promptShading(view, s), { mode: 'density', shades: view.promptTokens.map((t) => t.shade) });
});

test('prompt clicks toggle the selection, shift selects a range without special tokens, and shade the response', () => {
  let s = clickPrompt(initialInteraction, view, 3, false);
  assert.deepEqual([...s.selection], [3]);
  assert.deepEqual(responseShading(view, s), view.byPrompt[3]);
  s = clickPrompt(s, view, 0, true); // 0 is special
  assert.deepEqual([...s.selection].sort(), [1, 2, 3]);
  s = clickPrompt(s, view, 2, false);
  assert.deepEqual([...s.selection].sort(), [1, 3]);
  s = clickPrompt(initialInteraction, view, 0, false);
  assert.equal(s.selection.size, 0);
});

test('a new view keeps only what fits it', () => {
  const s = fitToView(
    { focus: { kind: 'prompt', index: 4 }, selection: new Set([1, 4]), anchor: 4 },
    { ...view, promptTokens: view.promptTokens.slice(0, 3) },
  );
  assert.deepEqual(s, { focus: { kind: 'none' }, selection: new Set([1]), anchor: null });
});

test('keyboard movement stays inside the list', () => {
  assert.equal(moveIndex(0, 'ArrowLeft', 5), 0);
  assert.equal(moveIndex(0, 'ArrowRight', 5), 1);
  assert.equal(moveIndex(4, 'ArrowDown', 5), 4);
  assert.equal(moveIndex(2, 'End', 5), 4);
  assert.equal(moveIndex(2, 'Home', 5), 0);
  assert.equal(moveIndex(2, 'a', 5), 2);
});
