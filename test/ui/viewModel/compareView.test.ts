// The compare view model: scores and difference from the two explanations, charts from the heads and
// concepts JSON of both models, and the same numbers as report tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartTables, compareView, conceptCategoryChart, verbShareChart } from '../../../src/ui/viewModel/compareView';
import { fixture } from '../explainFixture';

const heads = (shares: (number | null)[]) => ({ layers: shares.map((s, layer) => ({ layer, instruction_verb_share: s })) });
const concepts = (cats: string[][]) => ({ layers: cats.map((c, layer) => ({ layer, components: c.map((category) => ({ category })) })) });

test('difference, charts and tables', () => {
  const base = { name: 'base', explanation: fixture(1), heads: heads([0.1, null]), concepts: concepts([['food', 'none'], ['food']]) };
  const tuned = { name: 'tuned', explanation: fixture(2), heads: heads([0.2, 0.3]), concepts: concepts([['tasks'], ['food', 'tasks']]) };
  const v = compareView(base, tuned, false);
  assert.equal(v.difference, tuned.explanation.instruction_importance - base.explanation.instruction_importance);
  assert.equal(v.base.instructionImportance, base.explanation.instruction_importance);
  assert.equal(v.charts.length, 2);
  assert.equal(v.chartsNote, null);
  const shares = verbShareChart(base, tuned)!;
  assert.deepEqual(shares.labels, ['layer 0', 'layer 1']);
  assert.deepEqual(shares.series, [
    { label: 'base', values: [0.1, 0] },
    { label: 'tuned', values: [0.2, 0.3] },
  ]);
  const cats = conceptCategoryChart(base, tuned)!;
  assert.deepEqual(cats.labels, ['food', 'tasks']);
  assert.deepEqual(cats.series.map((s) => s.values), [
    [2, 0],
    [1, 2],
  ]);
  const tables = chartTables(v.charts);
  assert.deepEqual(tables[0].columns, ['', 'base', 'tuned']);
  assert.deepEqual(tables[0].rows[1], { label: 'layer 1', values: [0, 0.3] });
});

test('without global results: no charts, a note while pending', () => {
  const side = { name: 'a', explanation: fixture() };
  assert.match(compareView(side, side, true).chartsNote!, /Computing/);
  assert.deepEqual(compareView(side, side, false).charts, []);
  assert.equal(compareView(side, side, false).difference, 0);
});
