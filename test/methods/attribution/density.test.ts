// Sparsify and density on hand-worked matrices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importanceDensity, sparsify } from '../../../src/methods/attribution/density';

test('sparsify: ReLU, column max over included rows, ceil(x * 10), levels <= 7 dropped', () => {
  // N = 4 prompt tokens (row 0 is BOS, excluded), M = 2 response tokens
  const A = [
    100,
    100, // BOS: huge, but excluded from the column max
    1.0,
    -2.0,
    0.75,
    0.5,
    0.81,
    0.25,
  ];
  const include = [false, true, true, true];
  const q = sparsify(A, 4, 2, include);
  // column 0: max 1.0 -> levels 10, ceil(7.5)=8, ceil(8.1)=9 ; column 1: max 0.5 -> 0 (ReLU), 10, ceil(5)=5 -> 0
  assert.deepEqual([...q], [0, 0, 10, 0, 8, 10, 9, 0]);
});

test('density: L1 / L4 of each row, null for excluded rows, 0 for empty rows', () => {
  const q = [10, 10, 0, 0, 10, 0, 9, 9];
  const d = importanceDensity(q, 4, 2, [false, true, true, true]);
  assert.equal(d[0], null);
  assert.equal(d[1], 0);
  assert.ok(Math.abs(d[2]! - 1) < 1e-12); // a single non-zero entry: L1 = L4
  assert.ok(Math.abs(d[3]! - 18 / (2 * 9 ** 4) ** 0.25) < 1e-12); // two equal entries: 2^(3/4)
});

test('a token that matters for many response tokens is denser than one that matters once', () => {
  const M = 5;
  const A = new Float64Array(2 * M);
  for (let m = 0; m < M; m++) {
    A[m] = 1; // row 0: top for every column
    A[M + m] = m === 0 ? 2 : 0.1; // row 1: top for one column only
  }
  const d = importanceDensity(sparsify(A, 2, M, [true, true]), 2, M, [true, true]);
  assert.ok(d[0]! > d[1]!);
});
