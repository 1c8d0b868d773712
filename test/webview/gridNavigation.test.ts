import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridMove } from '../../webview/gridNavigation';

test('grid keys move inside the grid', () => {
  const at = { row: 1, column: 1 };
  assert.deepEqual(gridMove(at, 'ArrowUp', false, 4, 3), { row: 0, column: 1 });
  assert.deepEqual(gridMove({ row: 0, column: 0 }, 'ArrowUp', false, 4, 3), { row: 0, column: 0 });
  assert.deepEqual(gridMove(at, 'ArrowRight', false, 4, 3), { row: 1, column: 2 });
  assert.deepEqual(gridMove({ row: 1, column: 2 }, 'ArrowRight', false, 4, 3), { row: 1, column: 2 });
  assert.deepEqual(gridMove(at, 'End', false, 4, 3), { row: 1, column: 2 });
  assert.deepEqual(gridMove(at, 'End', true, 4, 3), { row: 3, column: 2 });
  assert.deepEqual(gridMove(at, 'Home', true, 4, 3), { row: 0, column: 0 });
  assert.deepEqual(gridMove(at, 'PageDown', false, 4, 3), { row: 3, column: 1 });
  assert.deepEqual(gridMove(at, 'x', false, 4, 3), at);
});
