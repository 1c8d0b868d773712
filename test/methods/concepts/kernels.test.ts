// The concepts' onnxruntime kernels (src/methods/concepts/kernels.ts) against plain float64 loops written here:
// the scatter matrix by row blocks, rows times S, a whole Chebyshev filter pass (against the eigensolver's
// own pass by products, filterByProducts, with a naive multiply), and the cosine top-K over a vocabulary
// (against topWordsByCosine on naive dots). Then the eigensolver with the fast kernels against known spectra.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  chebyshevFilter,
  combineRows64,
  rowProducts64,
  rowsTimesSymmetric,
  scatterBlocks,
  scatterMatrix,
  topCosines,
} from '../../../src/methods/concepts/kernels';
import {
  chebyshevSteps,
  denseProductsInJs,
  filterByProducts,
  topEigenpairs,
  topEigenpairsBatch,
  type MultiplyRows,
} from '../../../src/methods/concepts/topEigenpairs';
import { topWordLists, topWordsByCosine } from '../../../src/methods/concepts/ffnConcepts';
import { gaussian, mulberry32 } from '../../helpers/prng';
import { jacobiEigen } from '../../reference/jacobiEigen';

const gaussians = (n: number, seed: number) => Float32Array.from({ length: n }, gaussian(mulberry32(seed)));

/** max |a − b| / max |b| */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let e = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return e / m;
}

/** X S in float64 loops, rounded to f32. */
function naiveMultiply(S: ArrayLike<number>, D: number): MultiplyRows {
  return async (x, n) => {
    const out = new Float32Array(n * D);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < D; j++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += x[i * D + d] * S[d * D + j];
        out[i * D + j] = s;
      }
    }
    return out;
  };
}

test(
  "scatterMatrix: the rows' means and (W − mean)(W − mean)^T in 1 to 8 row blocks, even and " +
    'uneven, equal the float64 loops',
  async () => {
    for (const [D, F, blocks] of [
      [13, 20, 1],
      [13, 20, 2],
      [13, 20, 3],
      [16, 7, 4],
      [5, 9, 4],
      [19, 11, 8],
      [8, 5, 8],
    ] as const) {
      // rows with means well away from 0, so that a centring left out shows
      const W = gaussians(D * F, D + F + blocks).map((v, i) => v + 0.3 * (Math.floor(i / F) % 3) - 0.2);
      const { scatter: S, means } = await scatterMatrix(W, D, F, { blocks });
      const mean = Array.from(
        { length: D },
        (_, a) => Array.from({ length: F }, (_, f) => W[a * F + f]).reduce((x, y) => x + y, 0) / F,
      );
      assert.ok(relativeError(means, mean) < 1e-6, `means: ${relativeError(means, mean)}`);
      const ref = new Float64Array(D * D);
      for (let a = 0; a < D; a++)
        for (let b = 0; b < D; b++)
          for (let f = 0; f < F; f++) ref[a * D + b] += (W[a * F + f] - mean[a]) * (W[b * F + f] - mean[b]);
      assert.ok(relativeError(S, ref) < 1e-6, `D ${D}, F ${F}, ${blocks} blocks: ${relativeError(S, ref)}`);
    }
    assert.deepEqual(
      [32, 127, 192, 256, 320, 512, 768, 1024, 2048, 4096].map(scatterBlocks),
      [1, 1, 1, 2, 2, 4, 4, 8, 8, 8],
    );
    await assert.rejects(scatterMatrix(new Float32Array(5), 2, 3), /5 values, expected 6/);
  },
);

test('rowsTimesSymmetric: X S equals the float64 loops', async () => {
  const D = 24;
  const n = 5;
  const A = gaussians(D * D, 1);
  const S = new Float32Array(D * D);
  for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) S[a * D + b] = A[a * D + b] + A[b * D + a];
  const X = gaussians(n * D, 2);
  assert.ok(relativeError(await rowsTimesSymmetric(S, D, X, n), await naiveMultiply(S, D)(X, n)) < 1e-6);
});

test('chebyshevFilter: one call equals the products pass (degrees 1, 2, 9) and the Chebyshev polynomial', async () => {
  const D = 20;
  const n = 4;
  const A = gaussians(D * D, 3);
  const S = new Float32Array(D * D); // positive semi-definite, eigenvalues spread over [0, ~4 D]
  for (let a = 0; a < D; a++)
    for (let b = 0; b < D; b++) for (let i = 0; i < D; i++) S[a * D + b] += (A[i * D + a] * A[i * D + b]) / D;
  const multiply = naiveMultiply(S, D);
  const X = gaussians(n * D, 4);
  const AX = await multiply(X, n);
  for (const degree of [1, 2, 9]) {
    const steps = chebyshevSteps(3, 1, degree);
    const fast = await chebyshevFilter(S, D, X, AX, n, steps);
    const reference = await filterByProducts(multiply, D)(X, AX, n, steps);
    assert.ok(relativeError(fast, reference) < 1e-5, `degree ${degree}: ${relativeError(fast, reference)}`);
  }
  // on S = λ I the pass multiplies by T_P((λ − c) / e) / T_P((top − c) / e), c = e = cut / 2
  const top = 3;
  const cut = 1;
  const T = (P: number, x: number) =>
    Math.abs(x) <= 1 ? Math.cos(P * Math.acos(x)) : Math.sign(x) ** P * Math.cosh(P * Math.acosh(Math.abs(x)));
  for (const lambda of [0, 0.4, 1, 2, 3, 3.5]) {
    const I = new Float32Array(D * D);
    for (let d = 0; d < D; d++) I[d * D + d] = lambda;
    const ax = X.map((v) => v * lambda);
    const y = await chebyshevFilter(I, D, X, ax, n, chebyshevSteps(top, cut, 7));
    const factor = T(7, (lambda - cut / 2) / (cut / 2)) / T(7, (top - cut / 2) / (cut / 2));
    assert.ok(
      relativeError(
        y,
        X.map((v) => v * factor),
      ) < 1e-5,
      `λ ${lambda}: factor ${factor}`,
    );
  }
});

test('topCosines: the K largest |cosine| of valid, non-zero rows, ties by id, unfilled slots marked', async () => {
  const D = 12;
  const V = 40;
  const n = 3;
  const E = gaussians(V * D, 5);
  E.fill(0, 7 * D, 8 * D); // a zero row: never chosen
  E.copyWithin(20 * D, 10 * D, 11 * D); // ids 10 and 20 share a row: a tie, 10 first
  const valid = Uint8Array.from({ length: V }, (_, v) => (v % 9 === 4 ? 0 : 1)); // 4, 13, 22, 31 left out
  const U = gaussians(n * D, 6);
  U.set(E.subarray(10 * D, 11 * D), 0); // row 0 points at ids 10 and 20
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += U[r * D + d] ** 2;
    for (let d = 0; d < D; d++) U[r * D + d] /= Math.sqrt(s);
  }
  const dots = new Float32Array(n * V);
  for (let r = 0; r < n; r++)
    for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) dots[r * V + v] += U[r * D + d] * E[v * D + d];
  const inverseNorms = Float32Array.from({ length: V }, (_, v) => {
    let s = 0;
    for (let d = 0; d < D; d++) s += E[v * D + d] ** 2;
    return valid[v] === 1 && s > 0 ? 1 / Math.sqrt(s) : 0;
  });
  for (const K of [5, 35]) {
    const top = await topCosines(U, n, E, V, D, valid, K);
    const got = topWordLists(top.ids, top.cosines, top.scores, n, K);
    const want = topWordsByCosine(dots, n, V, inverseNorms, K);
    for (let r = 0; r < n; r++) {
      assert.equal(got[r].length, Math.min(K, V - 5), `row ${r}: 35 usable ids`);
      assert.deepEqual(
        got[r].map((w) => w.id),
        want[r].map((w) => w.id),
        `row ${r}, K ${K}`,
      );
      for (let j = 0; j < got[r].length; j++) assert.ok(Math.abs(got[r][j].cosine - want[r][j].cosine) < 1e-6);
    }
    assert.deepEqual(
      got[0].slice(0, 2).map((w) => w.id),
      [10, 20],
    );
    assert.ok(Math.abs(got[0][0].cosine - 1) < 1e-6);
  }
});

test('rowProducts64 and combineRows64: A B^T and C X in float64, as the loops, to float64 rounding', async () => {
  const f64s = (n: number, seed: number) => Float64Array.from({ length: n }, gaussian(mulberry32(seed)));
  for (const [n, m, D] of [
    [16, 16, 512],
    [32, 16, 40],
    [3, 7, 5],
    [1, 1, 1],
  ] as const) {
    const A = f64s(n * D, n + D);
    const B = f64s(m * D, m + 2 * D);
    const got = await rowProducts64(A, n, B, m, D);
    const ref = new Float64Array(n * m);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) for (let d = 0; d < D; d++) ref[i * m + j] += A[i * D + d] * B[j * D + d];
    assert.ok(relativeError(got, ref) < 1e-13, `A B^T [${n}, ${m}, ${D}]: ${relativeError(got, ref)}`);
    assert.ok(relativeError(await denseProductsInJs.rowProducts(A, n, B, m, D), ref) < 1e-13);
    // a result well below f32's precision: the products must not go through f32
    const tiny = await rowProducts64(Float64Array.of(1 + 1e-12), 1, Float64Array.of(1), 1, 1);
    assert.equal(tiny[0], 1 + 1e-12);
    const C = f64s(m * n, 3 * n + m);
    const comb = await combineRows64(C, m, A, n, D);
    const combRef = new Float64Array(m * D);
    for (let r = 0; r < m; r++)
      for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) combRef[r * D + d] += C[r * n + i] * A[i * D + d];
    assert.ok(relativeError(comb, combRef) < 1e-13, `C X [${m}, ${n}, ${D}]: ${relativeError(comb, combRef)}`);
    assert.ok(relativeError(await denseProductsInJs.combineRows(C, m, A, n, D), combRef) < 1e-13);
  }
  await assert.rejects(rowProducts64(new Float64Array(5), 2, new Float64Array(6), 2, 3), /5 values, expected 6/);
  await assert.rejects(combineRows64(new Float64Array(4), 2, new Float64Array(5), 2, 3), /5 values, expected 6/);
});

test(
  'topEigenpairs with the onnxruntime filter, product and float64 products: the Jacobi values and ' +
    'vectors, the rows it counts',
  async () => {
    const D = 96;
    const F = 300;
    const X = gaussians(F * D, 12);
    const C = new Float64Array(D * D);
    for (let a = 0; a < D; a++)
      for (let b = 0; b < D; b++) for (let f = 0; f < F; f++) C[a * D + b] += X[f * D + a] * X[f * D + b];
    const S = Float32Array.from(C);
    const ref = jacobiEigen(C, D);
    let rows = 0;
    const multiply: MultiplyRows = (x, n) => {
      rows += n;
      return rowsTimesSymmetric(S, D, x, n);
    };
    const r = await topEigenpairs(multiply, D, {
      count: 8,
      filter: (x, ax, n, steps) => {
        rows += n * (steps.length / 3 - 1);
        return chebyshevFilter(S, D, x, ax, n, steps);
      },
      dense: { rowProducts: rowProducts64, combineRows: combineRows64 },
    });
    assert.ok(r.converged, `residuals ${[...r.residuals]}`);
    assert.ok(r.passes >= 1);
    assert.equal(r.productRows, rows);
    for (let i = 0; i < 8; i++) {
      assert.ok(Math.abs(r.values[i] - ref.values[i]) <= 1e-5 * ref.values[0], `value ${i}`);
      const gap =
        Math.min(ref.values[i] - ref.values[i + 1], i > 0 ? ref.values[i - 1] - ref.values[i] : Infinity) /
        ref.values[0];
      let along = 0;
      for (let d = 0; d < D; d++) along += r.vectors[i * D + d] * ref.vectors[i * D + d];
      assert.ok(1 - Math.abs(along) < (2e-5 / gap) ** 2 + 1e-6, `vector ${i} (gap ${gap})`);
    }
  },
);

/** b seeded symmetric positive semi-definite [D, D] matrices end to end, each A A^T / D with its own A. */
function psdStack(b: number, D: number, seed: number): Float32Array {
  const out = new Float32Array(b * D * D);
  for (let p = 0; p < b; p++) {
    const A = gaussians(D * D, seed + p);
    for (let a = 0; a < D; a++)
      for (let c = 0; c < D; c++) {
        let v = 0;
        for (let i = 0; i < D; i++) v += A[i * D + a] * A[i * D + c];
        out[p * D * D + a * D + c] = v / D;
      }
  }
  return out;
}

test(
  'batches: rows times S, the filter with padded degrees and the float64 products of 3 problems ' +
    'equal each problem alone',
  async () => {
    const D = 20;
    const n = 4;
    const b = 3;
    const S = psdStack(b, D, 30);
    const X = gaussians(b * n * D, 40);
    const one = (a: Float32Array | Float64Array, p: number, size: number) => a.subarray(p * size, (p + 1) * size);
    const AX = await rowsTimesSymmetric(S, D, X, n);
    for (let p = 0; p < b; p++) {
      const alone = await naiveMultiply(one(S, p, D * D), D)(one(X, p, n * D) as Float32Array, n);
      assert.ok(relativeError(one(AX, p, n * D), alone) < 1e-6, `rows times S, problem ${p}`);
    }
    // degrees 2, 9 and 5, stacked as [3, 9, 3] with the shorter ones padded by (0, 1, 0): Y_{j+1} = Y_j
    const degrees = [2, 9, 5];
    const steps = new Float64Array(b * 9 * 3);
    degrees.forEach((degree, p) => {
      steps.set(chebyshevSteps(3, 1, degree), p * 27);
      for (let j = degree; j < 9; j++) steps[p * 27 + j * 3 + 1] = 1;
    });
    const Y = await chebyshevFilter(S, D, X, AX, n, steps);
    for (let p = 0; p < b; p++) {
      const Sp = one(S, p, D * D) as Float32Array;
      const alone = await chebyshevFilter(
        Sp,
        D,
        one(X, p, n * D) as Float32Array,
        one(AX, p, n * D) as Float32Array,
        n,
        chebyshevSteps(3, 1, degrees[p]),
      );
      assert.ok(relativeError(one(Y, p, n * D), alone) < 1e-6, `filter, problem ${p} (degree ${degrees[p]})`);
    }
    const f64 = (a: Float32Array) => new Float64Array(a);
    for (const [rows, cols] of [
      [n, 6],
      [1, 1],
    ]) {
      const A = f64(gaussians(b * rows * D, 50));
      const B = f64(gaussians(b * cols * D, 51));
      const C = f64(gaussians(b * cols * rows, 52));
      const products = await rowProducts64(A, rows, B, cols, D, b);
      const combined = await combineRows64(C, cols, A, rows, D, b);
      assert.ok(relativeError(products, await denseProductsInJs.rowProducts(A, rows, B, cols, D, b)) < 1e-13);
      assert.ok(relativeError(combined, await denseProductsInJs.combineRows(C, cols, A, rows, D, b)) < 1e-13);
      for (let p = 0; p < b; p++) {
        const alone = await rowProducts64(
          one(A, p, rows * D) as Float64Array,
          rows,
          one(B, p, cols * D) as Float64Array,
          cols,
          D,
        );
        assert.ok(relativeError(one(products, p, rows * cols), alone) < 1e-13, `A B^T, problem ${p}`);
        const c = await combineRows64(
          one(C, p, cols * rows) as Float64Array,
          cols,
          one(A, p, rows * D) as Float64Array,
          rows,
          D,
        );
        assert.ok(relativeError(one(combined, p, cols * D), c) < 1e-13, `C X, problem ${p}`);
      }
    }
    await assert.rejects(rowsTimesSymmetric(new Float32Array(D * D + 1), D, X, n), /not \[b >= 1, 20, 20\]/);
    const tenSteps = new Float64Array(10);
    await assert.rejects(chebyshevFilter(S, D, X, AX, n, tenSteps), /10 step coefficients, not \[3, degree/);
  },
);

test('topEigenpairsBatch with the onnxruntime kernels: each problem the Jacobi values and vectors', async () => {
  const D = 48;
  const b = 3;
  const S = psdStack(b, D, 60);
  const part = (p: number) => S.subarray(p * D * D, (p + 1) * D * D);
  const pack = (which: readonly number[]) => {
    const out = new Float32Array(which.length * D * D);
    which.forEach((p, i) => out.set(part(p), i * D * D));
    return out;
  };
  const results = await topEigenpairsBatch((x, n, which) => rowsTimesSymmetric(pack(which), D, x, n), D, b, {
    count: 5,
    filter: (x, ax, n, steps, which) => chebyshevFilter(pack(which), D, x, ax, n, steps),
    dense: { rowProducts: rowProducts64, combineRows: combineRows64 },
  });
  for (let p = 0; p < b; p++) {
    const r = results[p];
    const ref = jacobiEigen(Float64Array.from(part(p)), D);
    assert.ok(r.converged, `problem ${p}: residuals ${[...r.residuals]}`);
    for (let i = 0; i < 5; i++) {
      assert.ok(Math.abs(r.values[i] - ref.values[i]) <= 1e-5 * ref.values[0], `problem ${p}, value ${i}`);
      const gap =
        Math.min(ref.values[i] - ref.values[i + 1], i > 0 ? ref.values[i - 1] - ref.values[i] : Infinity) /
        ref.values[0];
      let along = 0;
      for (let d = 0; d < D; d++) along += r.vectors[i * D + d] * ref.vectors[i * D + d];
      assert.ok(1 - Math.abs(along) < (2e-5 / gap) ** 2 + 1e-6, `problem ${p}, vector ${i} (gap ${gap})`);
    }
  }
});
