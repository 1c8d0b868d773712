// The top-k eigensolver against the reference Jacobi decomposition (test/reference/jacobiEigen.ts) and
// against matrices built with a known spectrum: values, vectors (or, for a near-degenerate pair, the
// subspace they span), the residuals it reports, and the count of product rows it claims.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  chebyshevSteps,
  filterBatchByProducts,
  filterByProducts,
  ownDegrees,
  topEigenpairs,
  topEigenpairsBatch,
  type MultiplyBatch,
  type MultiplyRows,
} from '../../../src/methods/concepts/topEigenpairs';
import { gaussian, mulberry32 } from '../../helpers/prng';
import { jacobiEigen } from '../../reference/jacobiEigen';

/** Plain-loop rows x C in float64, rounded to f32 as onnxruntime returns it; counts the rows it was given. */
function naiveMultiply(C: Float64Array, D: number): { multiply: MultiplyRows; rows: () => number } {
  let rows = 0;
  return {
    multiply: async (x, n) => {
      rows += n;
      const out = new Float32Array(n * D);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < D; j++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += x[i * D + d] * C[d * D + j];
          out[i * D + j] = s;
        }
      }
      return out;
    },
    rows: () => rows,
  };
}

/** Q diag(values) Q^T with Q a seeded random orthogonal matrix; row i of `basis` is the eigenvector of values[i]. */
function withSpectrum(values: readonly number[], seed: number): { C: Float64Array; basis: Float64Array } {
  const D = values.length;
  const g = gaussian(mulberry32(seed));
  const Q = Float64Array.from({ length: D * D }, g);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < i; j++) {
      let r = 0;
      for (let d = 0; d < D; d++) r += Q[i * D + d] * Q[j * D + d];
      for (let d = 0; d < D; d++) Q[i * D + d] -= r * Q[j * D + d];
    }
    let s = 0;
    for (let d = 0; d < D; d++) s += Q[i * D + d] ** 2;
    for (let d = 0; d < D; d++) Q[i * D + d] /= Math.sqrt(s);
  }
  const C = new Float64Array(D * D);
  for (let a = 0; a < D; a++)
    for (let b = 0; b < D; b++) for (let i = 0; i < D; i++) C[a * D + b] += values[i] * Q[i * D + a] * Q[i * D + b];
  return { C, basis: Q };
}

const dot = (x: ArrayLike<number>, i: number, y: ArrayLike<number>, j: number, D: number) => {
  let s = 0;
  for (let d = 0; d < D; d++) s += x[i * D + d] * y[j * D + d];
  return s;
};

/** Scatter matrices X^T X of F seeded Gaussian rows [F, D]: rank min(F, D). */
function randomScatter(D: number, F: number, seed: number): Float64Array {
  const g = gaussian(mulberry32(seed));
  const X = Float64Array.from({ length: F * D }, g);
  const C = new Float64Array(D * D);
  for (let a = 0; a < D; a++)
    for (let b = 0; b < D; b++) for (let f = 0; f < F; f++) C[a * D + b] += X[f * D + a] * X[f * D + b];
  return C;
}

test('known spectrum, near-degenerate leading pair and bulk: values, vectors, pair subspace, residuals', async () => {
  const D = 80;
  // 10, 9.999 (a pair no finite method separates reliably), then separated values, then a bulk down to 0
  const values = [10, 9.999, 8, 7, 6.5, ...Array.from({ length: D - 5 }, (_, i) => 6 * (1 - i / (D - 5)))];
  const { C, basis } = withSpectrum(values, 11);
  const k = 5;
  const m = naiveMultiply(C, D);
  const r = await topEigenpairs(m.multiply, D, { count: k, seed: 3 });
  assert.ok(r.converged, `not converged: residuals ${[...r.residuals]}`);
  assert.ok(r.passes >= 1);
  assert.equal(r.productRows, m.rows());
  for (let i = 0; i < k; i++)
    assert.ok(Math.abs(r.values[i] - values[i]) <= 1e-5 * values[0], `value ${i}: ${r.values[i]} vs ${values[i]}`);
  // unit, orthogonal rows
  for (let i = 0; i < k; i++)
    for (let j = 0; j <= i; j++) assert.ok(Math.abs(dot(r.vectors, i, r.vectors, j, D) - (i === j ? 1 : 0)) < 1e-5);
  // separated components: the eigenvector itself, up to sign
  for (let i = 2; i < k; i++) assert.ok(Math.abs(dot(r.vectors, i, basis, i, D)) > 1 - 1e-6, `vector ${i}`);
  // the pair: both found vectors lie in the span of the two true ones
  for (let i = 0; i < 2; i++) {
    const inSpan = dot(r.vectors, i, basis, 0, D) ** 2 + dot(r.vectors, i, basis, 1, D) ** 2;
    assert.ok(inSpan > 1 - 1e-6, `vector ${i} leaves the pair's span: ${inSpan}`);
  }
  // the reported residuals are the true ones
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let a = 0; a < D; a++) {
      let cu = 0;
      for (let b = 0; b < D; b++) cu += C[a * D + b] * r.vectors[i * D + b];
      s += (cu - r.values[i] * r.vectors[i * D + a]) ** 2;
    }
    assert.ok(Math.abs(Math.sqrt(s) / r.values[0] - r.residuals[i]) < 1e-5, `residual ${i}`);
    assert.ok(r.residuals[i] <= 1e-4);
  }
});

test('a random covariance (Marchenko-Pastur bulk, no structure) against Jacobi', async () => {
  const D = 48;
  const C = randomScatter(D, 96, 5);
  const ref = jacobiEigen(C, D);
  const k = 6;
  const r = await topEigenpairs(naiveMultiply(C, D).multiply, D, { count: k, tolerance: 1e-6 });
  assert.ok(r.converged);
  for (let i = 0; i < k; i++) {
    assert.ok(Math.abs(r.values[i] - ref.values[i]) <= 1e-6 * ref.values[0], `value ${i}`);
    const gap =
      Math.min(ref.values[i] - ref.values[i + 1], i > 0 ? ref.values[i - 1] - ref.values[i] : Infinity) / ref.values[0];
    // eigenvector error ~ residual / gap
    assert.ok(
      1 - Math.abs(dot(r.vectors, i, ref.vectors, i, D)) < (1e-5 / gap) ** 2 + 1e-6,
      `vector ${i} (gap ${gap})`,
    );
  }
});

test('block as wide as the space: one exact Rayleigh-Ritz, no filter passes', async () => {
  const D = 12;
  const values = Array.from({ length: D }, (_, i) => 12 - i);
  const { C, basis } = withSpectrum(values, 2);
  const r = await topEigenpairs(naiveMultiply(C, D).multiply, D, { count: 8 });
  assert.equal(r.passes, 0);
  assert.equal(r.productRows, D);
  for (let i = 0; i < 8; i++) {
    assert.ok(Math.abs(r.values[i] - values[i]) < 1e-5);
    assert.ok(Math.abs(dot(r.vectors, i, basis, i, D)) > 1 - 1e-6);
  }
});

test('rank-deficient covariance: components past the rank have eigenvalue 0 and stay orthonormal', async () => {
  const D = 40;
  const C = randomScatter(D, 4, 9); // rank 4
  const ref = jacobiEigen(C, D);
  const r = await topEigenpairs(naiveMultiply(C, D).multiply, D, { count: 6 });
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(r.values[i] - ref.values[i]) < 1e-5 * ref.values[0]);
  for (let i = 4; i < 6; i++) assert.ok(Math.abs(r.values[i]) < 1e-5 * ref.values[0]);
  for (let i = 0; i < 6; i++)
    for (let j = 0; j <= i; j++) assert.ok(Math.abs(dot(r.vectors, i, r.vectors, j, D) - (i === j ? 1 : 0)) < 1e-5);
});

test('a pass limit too small reports converged false with the residuals it reached', async () => {
  const D = 64;
  const values = Array.from({ length: D }, (_, i) => 1 - i / D / 50); // all within 2%: slow to separate
  const { C } = withSpectrum(values, 4);
  const r = await topEigenpairs(naiveMultiply(C, D).multiply, D, { count: 4, maxPasses: 1, tolerance: 1e-9 });
  assert.equal(r.converged, false);
  assert.equal(r.passes, 1);
  assert.ok(Math.max(...r.residuals) > 1e-9);
});

test('bad arguments are broken invariants (thrown)', async () => {
  const { C } = withSpectrum([3, 2, 1], 1);
  const m = naiveMultiply(C, 3).multiply;
  await assert.rejects(topEigenpairs(m, 3, { count: 0 }), /count 0 outside 1..3/);
  await assert.rejects(topEigenpairs(m, 3, { count: 4 }), /count 4 outside 1..3/);
  await assert.rejects(
    topEigenpairs(async () => new Float32Array(1), 3, { count: 1 }),
    /multiply returned 1 values/,
  );
});

test('a maximum degree of 60 under the default growth cap still converges to the Jacobi values', async () => {
  const D = 96;
  const C = randomScatter(D, 300, 12);
  const ref = jacobiEigen(C, D);
  const r = await topEigenpairs(naiveMultiply(C, D).multiply, D, { count: 10, degree: 60 });
  assert.ok(r.converged, `residuals ${[...r.residuals]}`);
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(r.values[i] - ref.values[i]) <= 1e-6 * ref.values[0]);
});

test(
  'a start block holding the leading eigenvectors converges with no filter pass; a filter pass of ' +
    'the caller counts its rows',
  async () => {
    const D = 40;
    const values = Array.from({ length: D }, (_, i) => 10 / (1 + i));
    const { C, basis } = withSpectrum(values, 6);
    const m = naiveMultiply(C, D);
    const start = Float32Array.from(basis.subarray(0, 12 * D));
    const r = await topEigenpairs(m.multiply, D, { count: 4, blockSize: 12, start });
    assert.ok(r.converged);
    assert.equal(r.passes, 0);
    assert.equal(r.productRows, 12);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(r.values[i] - values[i]) < 1e-5 * values[0]);
    await assert.rejects(
      topEigenpairs(m.multiply, D, { count: 4, blockSize: 12, start: new Float32Array(13 * D) }),
      /start has/,
    );
    // the same problem from a random start, the filter passes through a caller's function (here the reference)
    let filterRows = 0;
    const fresh = naiveMultiply(C, D);
    const reference = filterByProducts(fresh.multiply, D);
    const f = await topEigenpairs(fresh.multiply, D, {
      count: 4,
      filter: (x, ax, n, steps) => {
        filterRows += n * (steps.length / 3 - 1);
        return reference(x, ax, n, steps);
      },
    });
    assert.ok(f.converged && f.passes >= 1);
    assert.equal(f.productRows, fresh.rows());
    assert.ok(filterRows > 0 && filterRows < f.productRows);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(f.values[i] - values[i]) < 1e-5 * values[0]);
  },
);

test('chebyshevSteps: the products scale an eigenvector by T_P((λ − c) / e) / T_P((top − c) / e)', async () => {
  const T = (P: number, x: number) =>
    Math.abs(x) <= 1 ? Math.cos(P * Math.acos(x)) : Math.sign(x) ** P * Math.cosh(P * Math.acosh(Math.abs(x)));
  for (const [lambda, top, cut, P] of [
    [0, 4, 2, 5],
    [1.5, 4, 2, 6],
    [3, 4, 2, 8],
    [4, 4, 2, 12],
    [5, 4, 1, 3],
  ]) {
    const x = Float32Array.of(1);
    const y = await filterByProducts(async (v) => v.map((e) => e * lambda), 1)(
      x,
      Float32Array.of(lambda),
      1,
      chebyshevSteps(top, cut, P),
    );
    const want = T(P, (lambda - cut / 2) / (cut / 2)) / T(P, (top - cut / 2) / (cut / 2));
    assert.ok(Math.abs(y[0] - want) < 1e-5 * Math.max(1, Math.abs(want)), `λ ${lambda}, P ${P}: ${y[0]} vs ${want}`);
  }
});

test(
  'topEigenpairsBatch: each problem takes, bit for bit, the steps it takes alone, though they converge ' +
    'after different passes and filter at different degrees',
  async () => {
    const D = 40;
    const k = 4;
    const B = 12;
    const decaying = withSpectrum(
      Array.from({ length: D }, (_, i) => 10 / (1 + i)),
      6,
    );
    const problems = [
      { C: randomScatter(D, 96, 5), start: undefined }, // a bulk with no structure: several passes
      { C: decaying.C, start: Float32Array.from(decaying.basis.subarray(0, B * D)) }, // converged at the start
      { C: randomScatter(D, 4, 9), start: undefined }, // rank 4 < B: Cholesky fails, Gram-Schmidt refills rows
      {
        C: withSpectrum([10, 9.999, 8, 7, 6.5, ...Array.from({ length: D - 5 }, (_, i) => 6 * (1 - i / (D - 5)))], 11)
          .C,
        start: undefined,
      },
    ];
    const alone = [];
    for (const { C, start } of problems)
      alone.push(
        await topEigenpairs(naiveMultiply(C, D).multiply, D, { count: k, blockSize: B, ...(start ? { start } : {}) }),
      );
    const calls: number[][] = [];
    const uneven: boolean[] = [];
    const multiply: MultiplyBatch = async (rows, n, which) => {
      calls.push([...which]);
      const out = new Float32Array(rows.length);
      for (let i = 0; i < which.length; i++) {
        const one = await naiveMultiply(problems[which[i]].C, D).multiply(rows.subarray(i * n * D, (i + 1) * n * D), n);
        out.set(one, i * n * D);
      }
      return out;
    };
    const reference = filterBatchByProducts(multiply, D);
    const together = await topEigenpairsBatch(multiply, D, problems.length, {
      count: k,
      blockSize: B,
      starts: problems.map((p) => p.start),
      filter: (x, ax, n, steps, which) => {
        uneven.push(new Set(ownDegrees(steps, which.length)).size > 1);
        return reference(x, ax, n, steps, which);
      },
    });
    assert.deepEqual(together, alone);
    // what the batch went through: problems leaving it at different passes, padded degrees, fewer calls
    const passes = alone.map((r) => r.passes);
    assert.equal(passes[1], 0);
    assert.ok(new Set(passes).size >= 3, `passes ${passes}`);
    assert.ok(
      uneven.some((u) => u),
      'no pass filtered its problems at different degrees',
    );
    assert.deepEqual(calls[0], [0, 1, 2, 3]);
    assert.ok(
      calls.some((c) => c.length > 1 && c.length < 4),
      'the active set never shrank to a part',
    );
    assert.ok(alone.every((r) => r.converged));
  },
);

test('topEigenpairsBatch: blocks as wide as the space, one Rayleigh-Ritz each; bad batches thrown', async () => {
  const D = 8;
  const Cs = [withSpectrum([8, 7, 6, 5, 4, 3, 2, 1], 1).C, randomScatter(D, 3, 2)];
  const multiply: MultiplyBatch = async (rows, n, which) => {
    const out = new Float32Array(rows.length);
    for (let i = 0; i < which.length; i++)
      out.set(await naiveMultiply(Cs[which[i]], D).multiply(rows.subarray(i * n * D, (i + 1) * n * D), n), i * n * D);
    return out;
  };
  const together = await topEigenpairsBatch(multiply, D, 2, { count: 6 });
  const alone = [];
  for (const C of Cs) alone.push(await topEigenpairs(naiveMultiply(C, D).multiply, D, { count: 6 }));
  assert.deepEqual(together, alone);
  assert.deepEqual(
    together.map((r) => r.passes),
    [0, 0],
  );
  await assert.rejects(topEigenpairsBatch(multiply, D, 0, { count: 2 }), /0 problems/);
  await assert.rejects(
    topEigenpairsBatch(multiply, D, 1, { count: 2, starts: [undefined, undefined] }),
    /2 starts for 1 problems/,
  );
  await assert.rejects(
    topEigenpairsBatch(async () => new Float32Array(3), D, 2, { count: 2 }),
    /multiply returned 3 values for \[2, 8, 8\]/,
  );
});
