// The compare panel's page (dist/webview/compare.js) in happy-dom: both columns, the difference, a chart
// figure with its data table per chart, export messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareView } from '../../src/ui/viewModel/compareView';
import { fixture } from '../ui/explainFixture';
import { page } from './pageHarness';

test('columns, difference, charts with data tables, export', () => {
  const { window, document, posted, send } = page('compare');
  assert.deepEqual(posted, [{ type: 'ready' }]);
  const base = { name: 'wordnet-base', explanation: fixture(1) };
  const tuned = { name: 'wordnet-tuned', explanation: fixture(2) };
  const global = { layers: [{ layer: 0, instruction_verb_share: { base: 0.1, tuned: 0.3 } }], overall: {} };
  const view = compareView(base, tuned, global, false);
  send({ type: 'compare', view });
  assert.equal(document.querySelectorAll('.columns .column').length, 2);
  assert.equal(document.querySelectorAll('.column')[1].querySelectorAll('.tokens.prompt .token').length, view.tuned.promptTokens.length);
  const d = view.difference;
  assert.equal(document.getElementById('importance-difference')!.textContent, `${d >= 0 ? '+' : ''}${d.toFixed(3)}`);
  assert.equal(document.querySelectorAll('figure canvas').length, view.charts.length);
  assert.match(document.querySelector('figure canvas')!.getAttribute('aria-label')!, /wordnet-base 0\.100; wordnet-tuned 0\.300/);
  assert.deepEqual([...document.querySelectorAll('figure details tbody td')].slice(0, 2).map((td) => td.textContent), ['0.100', '0.300']);
  document.getElementById('export-html')!.dispatchEvent(new window.MouseEvent('click'));
  assert.deepEqual(posted.at(-1), { type: 'export', format: 'html' });
});
