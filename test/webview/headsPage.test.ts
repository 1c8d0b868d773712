// The heads view's page (dist/webview/heads.js) in happy-dom: the grid as an ARIA grid shaded by the chosen
// measure, keyboard movement, head selection, the empty state's compute button.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HeadsGridView } from '../../src/protocol';
import { page, shadeOf } from './pageHarness';

const grid: HeadsGridView = {
  modelName: 'wordnet-tuned',
  demonstrator: null,
  layers: 2,
  heads: 3,
  cells: [0.1, 0.2, null, 0, 0.4, 0.2].map((v, i) => ({
    layer: Math.floor(i / 3),
    head: i % 3,
    verbShare: v,
    verbPairs: v === null ? null : v === 0 ? 0 : 1,
    instructionAttention: null,
  })),
  promptExcerpt: null,
};

test('empty state asks to compute; the grid shades by share relative to the largest', () => {
  const { window, document, posted, send } = page('heads');
  assert.deepEqual(posted, [{ type: 'ready' }]);
  send({ type: 'empty', modelName: 'wordnet-tuned', demonstrator: null });
  assert.equal(document.getElementById('demonstrator-notice'), null, 'no notice for a model of the user');
  document.getElementById('compute-heads')!.dispatchEvent(new window.MouseEvent('click'));
  assert.deepEqual(posted.at(-1), { type: 'load' });

  send({ type: 'grid', view: grid });
  const table = document.querySelector('table.heatmap')!;
  assert.equal(table.getAttribute('role'), 'grid');
  const cells = [...table.querySelectorAll('td[role="gridcell"]')];
  assert.equal(cells.length, 6);
  cells.forEach((c, i) => assert.ok(Math.abs(shadeOf(c) - (grid.cells[i].verbShare ?? 0) / 0.4) < 1e-9));
  assert.match(cells[4].getAttribute('aria-label')!, /Layer 1, head 1: instruction-verb share 40%/);
  assert.match(cells[2].getAttribute('aria-label')!, /not computed/);
  // a head with pairs but none with an instruction verb: "none", no shade, not a 0
  assert.equal(cells[3].textContent, 'none');
  assert.match(cells[3].getAttribute('aria-label')!, /Layer 1, head 0: no word pair with an instruction verb/);
  assert.equal(cells[1].textContent, '20');

  // keyboard: the first cell holds the tab stop; ArrowDown then Enter selects layer 1, head 0
  assert.equal(cells[0].getAttribute('tabindex'), '0');
  cells[0].dispatchEvent(new window.KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
  assert.equal(cells[3].getAttribute('tabindex'), '0');
  cells[3].dispatchEvent(new window.KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  assert.deepEqual(posted.at(-1), { type: 'selectHead', layer: 1, head: 0 });
});

test('a head shows its pairs; a layer its concepts, named by a language model on request', () => {
  const { window, document, posted, send } = page('heads');
  send({ type: 'grid', view: grid });
  send({
    type: 'head',
    view: {
      layer: 0,
      head: 1,
      pairs: [{ query: 'write', key: 'poem', instructionVerb: true }],
      totalPairs: 1,
      attention: {
        tokens: ['a', 'b'],
        promptLength: 1,
        rows: [
          [1, 0],
          [0.5, 0.5],
        ],
      },
    },
  });
  const rows = [...document.querySelectorAll('table.pairs tbody tr')];
  assert.equal(rows.length, 1);
  assert.ok(rows[0].classList.contains('verb'));
  assert.equal(document.querySelectorAll('.attention-map td[role="gridcell"]').length, 4);
  assert.ok(document.querySelector('td[data-row="0"][data-column="1"]')!.classList.contains('selected'));
  send({
    type: 'concepts',
    view: {
      layer: 1,
      layers: 2,
      components: [{ index: 0, explainedVariance: 0.2, words: ['apple', 'pear'], label: 'food' }],
    },
  });
  assert.match(document.querySelector('.concept')!.textContent!, /#1.*20\.0% variance · food.*apple, pear/);
  document.getElementById('name-concepts')!.dispatchEvent(new window.MouseEvent('click'));
  assert.deepEqual(posted.at(-1), { type: 'nameConcepts', layer: 1 });
  send({
    type: 'concepts',
    view: {
      layer: 1,
      layers: 2,
      namedBy: 'Some LM',
      components: [{ index: 0, explainedVariance: 0.2, words: ['apple', 'pear'], label: 'food', modelName: 'fruit' }],
    },
  });
  assert.equal(document.querySelector('.concept em')!.textContent, ' fruit');
  assert.equal(document.getElementById('name-concepts'), null);
  assert.match(document.querySelector('.detail')!.textContent!, /Names in italics from Some LM/);
});

test('the embedded demonstrator: one line and the Add Model action, in the empty state and over the grid', () => {
  const { window, document, posted, send } = page('heads');
  const notice =
    'wordnet-tuned is a 2.6M-parameter demonstrator trained on WordNet; add your own model for real findings.';
  send({ type: 'empty', modelName: 'wordnet-tuned', demonstrator: notice });
  assert.equal(document.querySelector('#demonstrator-notice span')!.textContent, notice);
  document.getElementById('add-model')!.dispatchEvent(new window.MouseEvent('click'));
  assert.deepEqual(posted.at(-1), { type: 'addModel' });
  send({ type: 'grid', view: { ...grid, demonstrator: notice } });
  assert.equal(document.querySelectorAll('#demonstrator-notice').length, 1);
  assert.equal(document.getElementById('demonstrator-notice')!.getAttribute('role'), 'note');
});
