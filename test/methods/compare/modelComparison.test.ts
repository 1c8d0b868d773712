// The global half of compare against hand computations: shares from pair counts, principal angles of
// subspaces rotated by known angles, category counts and the shift of labelled shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareGlobal, type LayerSummary, type ModelSummary } from '../../../src/methods/compare/modelComparison';

const D = 4;

/** Two unit rows: e0 and e1 rotated toward e2 by `deg`. */
function plane(deg: number): Float32Array {
  const r = (deg * Math.PI) / 180;
  return Float32Array.from([1, 0, 0, 0, 0, Math.cos(r), Math.sin(r), 0]);
}

function layer(heads: [number, number, number], components: Float32Array, categories: string[]): LayerSummary {
  return {
    heads: { pairs: heads[0], instructionVerbPairs: heads[1], generalVerbPairs: heads[2] },
    components,
    componentCount: 2,
    categories,
  };
}

test('per layer: shares and their difference, principal angles of known rotations, category counts', () => {
  const base: ModelSummary = {
    hiddenSize: D,
    layers: [layer([10, 1, 4], plane(0), ['writing', 'none']), layer([0, 0, 0], plane(0), ['math', 'math'])],
  };
  const tuned: ModelSummary = {
    hiddenSize: D,
    layers: [layer([20, 6, 2], plane(30), ['writing', 'coding']), layer([5, 5, 0], plane(90), ['none', 'math'])],
  };
  const g = compareGlobal(base, tuned);
  const [l0, l1] = g.layers;
  assert.deepEqual(l0.instructionVerbShare, { base: 0.1, tuned: 0.3, difference: 0.3 - 0.1 });
  assert.deepEqual(l0.generalVerbShare, { base: 0.4, tuned: 0.1, difference: 0.1 - 0.4 });
  assert.deepEqual(
    l1.instructionVerbShare,
    { base: null, tuned: 1, difference: null },
    'a layer without pairs has no share',
  );
  assert.equal(l0.principalAnglesDeg.length, 2);
  assert.ok(
    Math.abs(l0.principalAnglesDeg[0]) < 1e-3 && Math.abs(l0.principalAnglesDeg[1] - 30) < 1e-3,
    `${l0.principalAnglesDeg}`,
  );
  assert.ok(Math.abs(l1.principalAnglesDeg[1] - 90) < 1e-3);
  assert.ok(Math.abs(l0.meanPrincipalAngleDeg - 15) < 1e-3);
  assert.deepEqual(l0.categories, { base: { writing: 1, none: 1 }, tuned: { writing: 1, coding: 1 } });
  // pooled: base 1/10 instruction (layer 1 has no pairs), tuned 11/25
  assert.deepEqual(g.overall.instructionVerbShare, { base: 0.1, tuned: 11 / 25, difference: 11 / 25 - 0.1 });
  assert.ok(Math.abs(g.overall.meanPrincipalAngleDeg - (15 + 45) / 2) < 1e-3);
  assert.deepEqual(g.overall.categories, {
    base: { writing: 1, none: 1, math: 2 },
    tuned: { writing: 1, coding: 1, none: 1, math: 1 },
  });
  // labelled shares: base writing 1/3, math 2/3; tuned writing 1/3, coding 1/3, math 1/3
  const shift = g.overall.categoryShift;
  assert.deepEqual(Object.keys(shift), ['coding', 'math', 'writing']);
  assert.ok(
    Math.abs(shift.coding - 1 / 3) < 1e-12 && Math.abs(shift.math + 1 / 3) < 1e-12 && Math.abs(shift.writing) < 1e-12,
  );
});

test('models of different shapes are refused', () => {
  const one: ModelSummary = { hiddenSize: D, layers: [layer([1, 0, 0], plane(0), ['none', 'none'])] };
  assert.throws(() => compareGlobal(one, { hiddenSize: D, layers: [] }), /differ in shape/);
  assert.throws(() => compareGlobal(one, { hiddenSize: 8, layers: one.layers }), /differ in shape/);
});
