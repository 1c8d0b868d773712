// Principal angles against subspaces built with known angles (rotated into general position and mixed
// within each subspace, which leaves the angles as they are), and against a naive computation: the
// eigenvalues of M M^T, M = A B^T, from the Jacobi reference, as squared cosines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { principalAngles } from '../../../src/methods/compare/principalAngles';
import { gaussian, mulberry32 } from '../../helpers/prng';
import { jacobiEigen } from '../../reference/jacobiEigen';

/** A random n x n orthogonal matrix (rows), by Gram-Schmidt on Gaussian draws. */
function orthogonal(n: number, seed: number): Float64Array {
  const g = gaussian(mulberry32(seed));
  const Q = Float64Array.from({ length: n * n }, g);
  for (let i = 0; i < n; i++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let r = 0;
        for (let d = 0; d < n; d++) r += Q[i * n + d] * Q[j * n + d];
        for (let d = 0; d < n; d++) Q[i * n + d] -= r * Q[j * n + d];
      }
    }
    let s = 0;
    for (let d = 0; d < n; d++) s += Q[i * n + d] ** 2;
    for (let d = 0; d < n; d++) Q[i * n + d] /= Math.sqrt(s);
  }
  return Q;
}

/** X [r, c] times Y [c, m], row-major. */
function times(X: Float64Array, r: number, c: number, Y: Float64Array, m: number): Float64Array {
  const out = new Float64Array(r * m);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < m; j++) for (let t = 0; t < c; t++) out[i * m + j] += X[i * c + t] * Y[t * m + j];
  return out;
}

/** A [p, D] and B [q, D] (p >= q) whose principal angles are `degrees`, in general position. */
function withAngles(
  degrees: readonly number[],
  p: number,
  D: number,
  seed: number,
): { a: Float64Array; b: Float64Array } {
  const q = degrees.length;
  const A0 = new Float64Array(p * D);
  for (let i = 0; i < p; i++) A0[i * D + i] = 1;
  const B0 = new Float64Array(q * D);
  degrees.forEach((deg, i) => {
    const t = (deg * Math.PI) / 180;
    B0[i * D + i] = Math.cos(t);
    B0[i * D + p + i] = Math.sin(t);
  });
  const Q = orthogonal(D, seed); // the same rotation of the whole space for both
  return {
    a: times(times(orthogonal(p, seed + 1), p, p, A0, D), p, D, Q, D),
    b: times(times(orthogonal(q, seed + 2), q, q, B0, D), q, D, Q, D),
  };
}

test('known angles, from 0 to 90 degrees and a tiny one, in general position', () => {
  const degrees = [0, 1e-5, 0.5, 12, 45, 89.9, 90];
  const D = 24;
  const { a, b } = withAngles(degrees, 7, D, 5);
  const got = principalAngles(a, 7, b, 7, D);
  assert.equal(got.length, 7);
  degrees.forEach((deg, i) => assert.ok(Math.abs(got[i] - deg) < 1e-9, `angle ${i}: ${got[i]} vs ${deg}`));
});

test('unequal dimensions: min(p, q) angles, either argument order', () => {
  const degrees = [3, 30, 60];
  const D = 20;
  const { a, b } = withAngles(degrees, 6, D, 9);
  for (const got of [principalAngles(a, 6, b, 3, D), principalAngles(b, 3, a, 6, D)]) {
    assert.equal(got.length, 3);
    degrees.forEach((deg, i) => assert.ok(Math.abs(got[i] - deg) < 1e-9));
  }
});

test('random subspaces against the naive eigenvalues of M M^T (f32 inputs, as the engine gives them)', () => {
  const D = 32;
  const k = 5;
  const Q1 = orthogonal(D, 21);
  const Q2 = orthogonal(D, 22);
  const a = Float32Array.from(Q1.subarray(0, k * D));
  const b = Float32Array.from(Q2.subarray(0, k * D));
  const M = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) for (let d = 0; d < D; d++) M[i * k + j] += a[i * D + d] * b[j * D + d];
  const MMt = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) for (let t = 0; t < k; t++) MMt[i * k + j] += M[i * k + t] * M[j * k + t];
  const naive = [...jacobiEigen(MMt, k).values].map(
    (v) => (Math.acos(Math.min(1, Math.sqrt(Math.max(0, v)))) * 180) / Math.PI,
  );
  const got = principalAngles(a, k, b, k, D);
  naive.forEach((deg, i) => assert.ok(Math.abs(got[i] - deg) < 1e-4, `angle ${i}: ${got[i]} vs ${deg}`));
  for (let i = 1; i < k; i++) assert.ok(got[i] >= got[i - 1]);
  // a subspace against itself, as f32 rows: 0 to within f32 rounding
  for (const deg of principalAngles(a, k, a, k, D)) assert.ok(deg < 1e-4, `self angle ${deg}`);
});

test('shape mismatches are broken invariants (thrown)', () => {
  assert.throws(() => principalAngles(new Float32Array(6), 2, new Float32Array(6), 2, 4), /6 values for \[2, 4\]/);
  assert.throws(() => principalAngles(new Float32Array(0), 0, new Float32Array(4), 1, 4), /empty subspace/);
});
