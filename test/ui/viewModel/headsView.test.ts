// The heads view model: grid cells from the heads JSON contract and the attention summary, word pairs of a
// head, attention maps, concepts; against plain recomputations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attentionMap,
  conceptsView,
  headDetail,
  PAIRS_SHOWN,
  headsGrid,
  headsShape,
  instructionAttention,
  instructionVerbSet,
} from '../../../src/ui/viewModel/headsView';

const headsJson = {
  model: { layers: 2, heads: 2 },
  settings: { instruction_verbs: ['write', 'List'] },
  layers: [
    {
      layer: 0,
      heads: [
        {
          head: 0,
          instruction_verb_share: 0.5,
          instruction_verb_pairs: 1,
          dims: [
            {
              pairs: [
                { query: 'write', key: 'poem' },
                { query: 'cat', key: 'dog' },
              ],
            },
            { pairs: [{ query: 'write', key: 'poem' }] },
          ],
        },
        { head: 1, instruction_verb_share: null, dims: [] },
      ],
    },
    {
      layer: 1,
      heads: [
        { head: 0, instruction_verb_share: 0, instruction_verb_pairs: 0 },
        {
          head: 1,
          instruction_verb_share: 0.25,
          instruction_verb_pairs: 1,
          dims: [{ pairs: [{ query: 'dog', key: 'list' }] }],
        },
      ],
    },
  ],
};

test('grid: verb shares by (layer, head), local shares from the attention summary and the mask', () => {
  const shape = headsShape(headsJson)!;
  assert.deepEqual(shape, { layers: 2, heads: 2 });
  const N = 3;
  const toPrompt = Float32Array.from({ length: 2 * 2 * N }, (_, i) => (i + 1) / 100);
  const local = instructionAttention({ layers: 2, heads: 2, promptLength: N, toPrompt }, [false, true, true]);
  for (let lh = 0; lh < 4; lh++) assert.ok(Math.abs(local[lh] - (toPrompt[lh * N + 1] + toPrompt[lh * N + 2])) < 1e-7);
  const grid = headsGrid('m', shape, headsJson, local, 'Write a poem.');
  assert.deepEqual(
    grid.cells.map((c) => c.verbShare),
    [0.5, null, 0, 0.25],
  );
  assert.deepEqual(
    grid.cells.map((c) => c.verbPairs),
    [1, null, 0, 1],
    'a head without pairs: null; with pairs but no verb: 0',
  );
  assert.equal(grid.demonstrator, null);
  assert.equal(headsGrid('m', shape, headsJson, null, null, 'notice').demonstrator, 'notice');
  assert.deepEqual(
    grid.cells.map((c) => [c.layer, c.head]),
    [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ],
  );
  assert.deepEqual(
    grid.cells.map((c) => c.instructionAttention),
    local,
  );
  assert.ok(
    headsGrid('m', shape, null, null, null).cells.every((c) => c.verbShare === null && c.instructionAttention === null),
  );
  assert.equal(headsShape({}), null);
});

test('head detail: unique pairs, instruction verbs flagged case-insensitively', () => {
  const verbs = instructionVerbSet(headsJson);
  const d = headDetail(headsJson, verbs, 0, 0, null);
  assert.deepEqual(d.pairs, [
    { query: 'write', key: 'poem', instructionVerb: true },
    { query: 'cat', key: 'dog', instructionVerb: false },
  ]);
  assert.equal(d.totalPairs, 2);
  assert.deepEqual(headDetail(headsJson, verbs, 1, 1, null).pairs, [
    { query: 'dog', key: 'list', instructionVerb: true },
  ]);
  assert.deepEqual(headDetail(null, verbs, 1, 1, null).pairs, []);
  // many pairs: instruction-verb pairs first, at most PAIRS_SHOWN
  const many = {
    layers: [
      {
        heads: [
          {
            dims: [
              {
                pairs: [
                  ...Array.from({ length: 60 }, (_, i) => ({ query: `w${i}`, key: 'x' })),
                  { query: 'y', key: 'write' },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  const shown = headDetail(many, verbs, 0, 0, null);
  assert.equal(shown.pairs.length, PAIRS_SHOWN);
  assert.equal(shown.totalPairs, 61);
  assert.deepEqual(shown.pairs[0], { query: 'y', key: 'write', instructionVerb: true });
  assert.equal(shown.pairs[1].query, 'w0');
});

test('attention map rows from the flat T x T map', () => {
  const map = Float32Array.from([1, 0, 0.25, 0.75]);
  assert.deepEqual(attentionMap(['a', 'b'], 1, map), {
    tokens: ['a', 'b'],
    promptLength: 1,
    rows: [
      [1, 0],
      [0.25, 0.75],
    ],
  });
});

test('concepts of a layer from the concepts JSON contract', () => {
  const json = {
    layers: [
      { layer: 0, components: [] },
      {
        layer: 1,
        components: [
          {
            index: 0,
            explained_variance_ratio: 0.12,
            words: [{ text: ' apple', cosine: 0.3 }, { text: ' pear' }],
            part_of_speech: { noun: 0.75, verb: 0.25, adjective: 0, adverb: 0, other: 0 },
            category: 'food',
          },
          {
            index: 1,
            explained_variance_ratio: 0.05,
            words: [],
            part_of_speech: { noun: 0, other: 1 },
            category: 'none',
          },
        ],
      },
    ],
  };
  assert.deepEqual(conceptsView(json, 1), {
    layer: 1,
    layers: 2,
    components: [
      { index: 0, explainedVariance: 0.12, words: [' apple', ' pear'], label: 'food · 75% nouns', modelName: null },
      { index: 1, explainedVariance: 0.05, words: [], label: null, modelName: null },
    ],
    namedBy: null,
  });
  const named = conceptsView(json, 1, ['fruit', null], 'gpt-x');
  assert.deepEqual(
    named.components.map((c) => c.modelName),
    ['fruit', null],
  );
  assert.equal(named.namedBy, 'gpt-x');
  assert.deepEqual(conceptsView(json, 5).components, []);
});
