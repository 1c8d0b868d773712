// The host accepts from a webview exactly the protocol's shapes, with indices inside what it showed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseComparePanelMessage,
  parseExplainPanelMessage,
  parseHeadsViewMessage,
} from '../../src/ui/webviewMessages';

test('explain panel: valid messages pass, deduplicated', () => {
  assert.deepEqual(parseExplainPanelMessage({ type: 'ready' }, 0), { type: 'ready' });
  assert.deepEqual(parseExplainPanelMessage({ type: 'setInstruction', tokens: [1, 2, 2], instruction: true }, 5), {
    type: 'setInstruction',
    tokens: [1, 2],
    instruction: true,
  });
  assert.deepEqual(parseExplainPanelMessage({ type: 'export', format: 'html' }, 5), { type: 'export', format: 'html' });
  assert.deepEqual(parseExplainPanelMessage({ type: 'resetInstruction' }, 5), { type: 'resetInstruction' });
  assert.deepEqual(parseExplainPanelMessage({ type: 'addModel' }, 5), { type: 'addModel' });
});

test('explain panel: everything else is dropped', () => {
  const bad: unknown[] = [
    null,
    'ready',
    [],
    { type: 'nope' },
    { type: 'ready', extra: 1 },
    { type: 'addModel', path: '/tmp/model' },
    { type: 'export', format: 'exe' },
    { type: 'export', format: 'json', path: '/etc/passwd' },
    { type: 'setInstruction', tokens: [5], instruction: true }, // out of range for 5 tokens
    { type: 'setInstruction', tokens: [-1], instruction: true },
    { type: 'setInstruction', tokens: [1.5], instruction: true },
    { type: 'setInstruction', tokens: ['1'], instruction: true },
    { type: 'setInstruction', tokens: [], instruction: true },
    { type: 'setInstruction', tokens: [1], instruction: 'yes' },
    { type: 'setInstruction', tokens: [1] },
    { type: 'setInstruction', tokens: Array(6).fill(1), instruction: true }, // more than the prompt has
    { type: 'setInstruction', tokens: [1], instruction: true, __proto__: { x: 1 }, y: 2 },
  ];
  for (const m of bad) assert.equal(parseExplainPanelMessage(m, 5), null, JSON.stringify(m));
});

test('heads view: heads and layers must be inside the grid shown', () => {
  const grid = { layers: 4, heads: 8 };
  assert.deepEqual(parseHeadsViewMessage({ type: 'selectHead', layer: 3, head: 7 }, grid), {
    type: 'selectHead',
    layer: 3,
    head: 7,
  });
  assert.deepEqual(parseHeadsViewMessage({ type: 'showConcepts', layer: 0 }, grid), { type: 'showConcepts', layer: 0 });
  assert.deepEqual(parseHeadsViewMessage({ type: 'load' }, null), { type: 'load' });
  assert.equal(parseHeadsViewMessage({ type: 'selectHead', layer: 4, head: 0 }, grid), null);
  assert.equal(parseHeadsViewMessage({ type: 'selectHead', layer: 0, head: 8 }, grid), null);
  assert.equal(parseHeadsViewMessage({ type: 'selectHead', layer: 0, head: 0 }, null), null);
  assert.equal(parseHeadsViewMessage({ type: 'showConcepts', layer: '1' }, grid), null);
  assert.deepEqual(parseHeadsViewMessage({ type: 'nameConcepts', layer: 2 }, grid), { type: 'nameConcepts', layer: 2 });
  assert.equal(parseHeadsViewMessage({ type: 'nameConcepts', layer: 4 }, grid), null);
  assert.equal(parseHeadsViewMessage({ type: 'nameConcepts', layer: 0, model: 'x' }, grid), null);
  assert.deepEqual(parseHeadsViewMessage({ type: 'addModel' }, null), { type: 'addModel' });
  assert.equal(parseHeadsViewMessage({ type: 'addModel', path: 'x' }, grid), null);
});

test('compare panel', () => {
  assert.deepEqual(parseComparePanelMessage({ type: 'export', format: 'json' }), { type: 'export', format: 'json' });
  assert.equal(parseComparePanelMessage({ type: 'setInstruction', tokens: [1], instruction: true }), null);
  assert.deepEqual(parseComparePanelMessage({ type: 'addModel' }), { type: 'addModel' });
  assert.equal(parseComparePanelMessage({ type: 'addModel', name: 'x' }), null);
});
