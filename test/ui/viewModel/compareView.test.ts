// The compare view model: scores and difference from the two explanations, charts from the global comparison
// (the `global` block of compare --json, written here through the engine's own globalJson), the same numbers
// as report tables, and the export in the compare --json shape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globalJson } from '../../../src/methods/compare/json';
import type { GlobalComparison } from '../../../src/methods/compare/modelComparison';
import { chartTables, compareExport, compareView, globalCharts } from '../../../src/ui/viewModel/compareView';
import { fixture } from '../explainFixture';

const comparison: GlobalComparison = {
  layers: [0, 1].map((layer) => ({
    layer,
    instructionVerbShare: {
      base: layer === 0 ? 0.1 : null,
      tuned: 0.2 + layer / 10,
      difference: layer === 0 ? 0.1 : null,
    },
    generalVerbShare: { base: 0.05, tuned: 0.04, difference: -0.01 },
    principalAnglesDeg: [10, 20 + layer],
    meanPrincipalAngleDeg: 15 + layer / 2,
    categories: { base: { food: 1 }, tuned: { tasks: 1 } },
  })),
  overall: {
    instructionVerbShare: { base: 0.1, tuned: 0.25, difference: 0.15 },
    generalVerbShare: { base: 0.05, tuned: 0.04, difference: -0.01 },
    meanPrincipalAngleDeg: 15.25,
    categories: { base: { food: 2, none: 3 }, tuned: { tasks: 2, food: 1, none: 2 } },
    categoryShift: { food: -0.67, tasks: 0.67 },
  },
};
const global = globalJson(comparison);

test('charts from the global comparison JSON', () => {
  const charts = globalCharts(global, 'base', 'tuned');
  assert.deepEqual(
    charts.map((c) => c.title),
    [
      'Instruction verbs in attention-head word pairs',
      'General verbs in attention-head word pairs (control)',
      'Rotation of the feed-forward principal subspace',
      'Concept categories of the feed-forward components',
    ],
  );
  assert.deepEqual(charts[0].labels, ['layer 0', 'layer 1']);
  assert.deepEqual(charts[0].series, [
    { label: 'base', values: [0.1, 0] }, // a layer without pairs draws as 0
    { label: 'tuned', values: [0.2, 0.30000000000000004] },
  ]);
  assert.deepEqual(charts[1].series[1].values, [0.04, 0.04]);
  assert.deepEqual(charts[2].series, [{ label: 'base → tuned', values: [15, 15.5] }]);
  assert.equal(charts[2].kind, 'line');
  assert.deepEqual(charts[3].labels, ['food', 'tasks'], '"none" is left out');
  assert.deepEqual(
    charts[3].series.map((s) => s.values),
    [
      [2, 0],
      [1, 2],
    ],
  );
  assert.ok(
    charts.every((c) => c.emptyNote === null),
    'every chart has data',
  );
  const tables = chartTables(charts);
  assert.deepEqual(tables[0].columns, ['', 'base', 'tuned']);
  assert.deepEqual(tables[0].rows[1], { label: 'layer 1', values: [0, 0.30000000000000004] });
});

test('an empty chart says why: no verb pairs in either model, no labelled component', () => {
  const empty = globalJson({
    layers: [0, 1].map((layer) => ({
      layer,
      instructionVerbShare: { base: 0, tuned: null, difference: null },
      generalVerbShare: { base: 0.05, tuned: 0, difference: -0.05 },
      principalAnglesDeg: [10],
      meanPrincipalAngleDeg: 10,
      categories: { base: {}, tuned: {} },
    })),
    overall: { ...comparison.overall, categories: { base: { none: 4 }, tuned: { none: 4 } } },
  });
  const charts = globalCharts(empty, 'base', 'tuned');
  assert.equal(charts.length, 4, 'empty charts are kept, with their note');
  assert.match(
    charts[0].emptyNote!,
    /No word pair of either model's attention heads holds an instruction verb, so every share is 0/,
  );
  assert.equal(charts[1].emptyNote, null, 'one nonzero value is data');
  assert.equal(charts[2].emptyNote, null);
  assert.deepEqual(charts[3].labels, []);
  assert.match(charts[3].emptyNote!, /No feed-forward component of either model has top words in a concept category/);
  assert.match(chartTables(charts)[0].note, /every share is 0/, 'the report says it too');
});

test('view: difference, pending and missing global comparison; export shape', () => {
  const base = { name: 'base', explanation: fixture(1) };
  const tuned = { name: 'tuned', explanation: fixture(2) };
  const v = compareView(base, tuned, global, false);
  assert.equal(v.difference, tuned.explanation.instruction_importance - base.explanation.instruction_importance);
  assert.equal(v.base.instructionImportance, base.explanation.instruction_importance);
  assert.equal(v.charts.length, 4);
  assert.equal(v.chartsNote, null);
  assert.equal(v.demonstrator, null, 'two models of the user: no notice');
  assert.equal(v.base.demonstrator, null);
  const pair = compareView(
    { ...base, name: 'wordnet-base', embedded: true },
    { ...tuned, name: 'wordnet-tuned', embedded: true },
    global,
    false,
  );
  assert.match(
    pair.demonstrator!,
    new RegExp(
      String.raw`^wordnet-base and wordnet-tuned are (small|[\d.]+[KMB]-parameter) demonstrators trained on ` +
        String.raw`WordNet; add your own models for real findings\.$`,
    ),
  );
  assert.match(
    compareView(base, { ...tuned, embedded: true }, global, false).demonstrator!,
    /^tuned is a .* demonstrator trained on WordNet/,
  );
  assert.match(compareView(base, tuned, null, true).chartsNote!, /Computing/);
  assert.deepEqual(compareView(base, tuned, null, false).charts, []);
  const out = compareExport(base, tuned, global) as {
    instruction_importance: { difference: number };
    base: unknown;
    global: unknown;
    method: string;
  };
  assert.equal(out.method, 'compare');
  assert.equal(out.instruction_importance.difference, v.difference);
  assert.equal(out.base, base.explanation);
  assert.equal(out.global, global);
});
