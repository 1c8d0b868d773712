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
  assert.equal(
    document.querySelectorAll('.column')[1].querySelectorAll('.tokens.prompt .token').length,
    view.tuned.promptTokens.length,
  );
  const d = view.difference;
  assert.equal(document.getElementById('importance-difference')!.textContent, `${d >= 0 ? '+' : ''}${d.toFixed(3)}`);
  assert.equal(
    document.querySelectorAll('figure canvas').length,
    view.charts.filter((c) => c.emptyNote === null).length,
  );
  // the charts without data (general verbs, rotation, categories are absent here) say why instead of drawing zeros
  const notes = [...document.querySelectorAll('figure .empty-note')].map((n) => n.textContent);
  assert.equal(notes.length, view.charts.filter((c) => c.emptyNote !== null).length);
  assert.ok(notes.length > 0 && notes.every((n) => n && n.length > 20));
  assert.equal(document.getElementById('demonstrator-notice'), null);
  assert.match(
    document.querySelector('figure canvas')!.getAttribute('aria-label')!,
    /wordnet-base 0\.100; wordnet-tuned 0\.300/,
  );
  assert.deepEqual(
    [...document.querySelectorAll('figure details tbody td')].slice(0, 2).map((td) => td.textContent),
    ['0.100', '0.300'],
  );
  document.getElementById('export-html')!.dispatchEvent(new window.MouseEvent('click'));
  assert.deepEqual(posted.at(-1), { type: 'export', format: 'html' });
});

test('the embedded pair: one line naming both, the Add Model action', () => {
  const { window, document, posted, send } = page('compare');
  const view = compareView(
    { name: 'wordnet-base', explanation: fixture(1), embedded: true },
    { name: 'wordnet-tuned', explanation: fixture(2), embedded: true },
    null,
    false,
  );
  send({ type: 'compare', view });
  assert.match(
    document.querySelector('#demonstrator-notice')!.textContent!,
    /wordnet-base and wordnet-tuned are .* demonstrators trained on WordNet/,
  );
  document.getElementById('add-model')!.dispatchEvent(new window.MouseEvent('click'));
  assert.deepEqual(posted.at(-1), { type: 'addModel' });
});
