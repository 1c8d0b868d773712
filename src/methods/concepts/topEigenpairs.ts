// The k largest eigenpairs of a symmetric positive semi-definite D x D matrix C (a covariance), without a
// full decomposition: Chebyshev-filtered subspace iteration (Zhou & Saad, "Self-consistent-field
// calculations using Chebyshev-filtered subspace iteration", J. Comput. Phys. 2007, Algorithm 3.2, mirrored
// for the largest eigenvalues). A block of B > k vectors is pushed through a degree-P Chebyshev polynomial
// of C that damps the eigenvalues in [0, cut] (cut: the block's smallest Ritz value) and grows those above,
// then orthonormalised and Rayleigh-Ritz'd, until the first k Ritz pairs have small residuals.
// The degree of each pass is capped so that the filter grows the block's top at most `growth` times its
// bottom: the products are f32, and a wider spread drowns the block's lower vectors in rounding.
// Convergence of the first k depends on the gap between λ_k and λ_{B+1}, not on gaps among the first k
// (Rayleigh-Ritz separates those), which matters for covariances whose leading eigenvalues lie close.
//
// C enters only through `multiply` (rows in, rows out: for symmetric C, X C = (C X^T)^T) and, optionally,
// `filter`, a whole filter pass in one call (the engine runs it as one onnxruntime graph; without it the pass
// is `degree − 1` calls of multiply, filterByProducts below, the reference). So the products, the only
// O(D^2) work, run wherever the caller runs them. The O(D B^2) work of a pass (orthonormalisation, the
// Rayleigh-Ritz products) is float64 products of B-row blocks, which also go through the caller when it
// passes `dense` (DenseProducts; the loops below are the reference); what stays here is B x B: Cholesky
// factors and the Rayleigh-Ritz problem (symmetric EVD from ml-matrix). Not a general eigensolver: no
// negative spectra, no smallest eigenvalues.
//
// Several problems of one size (a model's layers) are solved side by side, in lockstep (topEigenpairsBatch): each
// step of the iteration is one call for all the problems still running, so the products of B-row blocks, which
// are too small to keep the cores busy or to amortise a call, are made in batches. Each problem follows exactly
// the steps it would follow alone.
//
// D dimension, k wanted pairs, B block size (k + oversampling), P filter degree, b problems in a batch.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { gaussian, mulberry32 } from '../prng';

/** Y = X C for row-major X [n, D] (n vectors as rows); C symmetric. */
export type MultiplyRows = (rows: Float32Array, n: number) => Promise<Float32Array>;

/**
 * One filter pass over the rows X [n, D], given AX = X C, with `steps` [degree, 3] holding (α_j, β_j, γ_j):
 *   Y_0 = X,  Y_1 = α_0 AX + β_0 X,  Y_{j+1} = α_j Y_j C + β_j Y_j + γ_j Y_{j−1}  (j = 1 .. degree − 1)
 * returns Y_degree [n, D]: degree − 1 products with C.
 */
export type FilterRows = (x: Float32Array, ax: Float32Array, n: number, steps: Float64Array) => Promise<Float32Array>;

/**
 * Y_p = X_p C_p for the problems `problems` (indices into the caller's operators, ascending), their rows stacked:
 * X [problems.length, n, D] in, Y of the same shape out.
 */
export type MultiplyBatch = (rows: Float32Array, n: number, problems: readonly number[]) => Promise<Float32Array>;

/**
 * A filter pass (FilterRows) for each of `problems`, stacked: x, ax [b, n, D] and steps [b, degree, 3], one degree
 * for all (a problem whose own degree is lower has its steps padded with (0, 1, 0), Y_{j+1} = Y_j).
 */
export type FilterBatch = (
  x: Float32Array,
  ax: Float32Array,
  n: number,
  steps: Float64Array,
  problems: readonly number[],
) => Promise<Float32Array>;

/**
 * The float64 products of row blocks that a pass needs: O(D B^2) each, run where the caller runs them. `batch`
 * independent products, their operands and results stacked (default 1).
 */
export interface DenseProducts {
  /** out [batch, n, m] = A B^T for row-major A [batch, n, D] and B [batch, m, D]. */
  rowProducts(A: Float64Array, n: number, B: Float64Array, m: number, D: number, batch?: number): Promise<Float64Array>;
  /** out [batch, m, D] = C X for row-major C [batch, m, n] and X [batch, n, D]: combinations of the rows of X. */
  combineRows(C: Float64Array, m: number, X: Float64Array, n: number, D: number, batch?: number): Promise<Float64Array>;
}

export interface TopEigenOptions {
  readonly count: number; // k
  readonly blockSize?: number; // B; default min(D, k + max(ceil(k / 2), 6))
  readonly degree?: number; // P, the most; default 24
  /** The filter's largest growth of the block's top over its bottom: bounds the degree of each pass. */
  readonly growth?: number; // default 1e6
  /** Converged when every one of the first k residuals ‖C u − θ u‖ is at most tolerance · θ_1. */
  readonly tolerance?: number; // default 1e-5
  readonly maxPasses?: number; // filter passes; default 40
  readonly seed?: number; // the random start block; default 1
  /**
   * Rows [s, D], s ≤ B, to start from instead of the first s random ones (e.g. a power step the caller has for free).
   */
  readonly start?: Readonly<Float32Array>;
  /** A filter pass in one call; default filterByProducts(multiply). */
  readonly filter?: FilterRows;
  /** The float64 block products; default denseProductsInJs (the loops of this file). */
  readonly dense?: DenseProducts;
}

export interface BatchEigenOptions extends Omit<TopEigenOptions, 'start' | 'filter'> {
  /** Per problem, rows to start from (TopEigenOptions.start); undefined or missing: random rows only. */
  readonly starts?: readonly (Readonly<Float32Array> | undefined)[];
  /** A filter pass of several problems in one call; default filterBatchByProducts(multiply). */
  readonly filter?: FilterBatch;
}

export interface TopEigenpairs {
  readonly values: Float64Array; // [k], descending
  readonly vectors: Float32Array; // [k, D], unit rows, in the order of values
  readonly residuals: Float64Array; // [k]: ‖C u − θ u‖ / θ_1
  readonly converged: boolean;
  readonly passes: number; // filter passes run (0 when B = D: one Rayleigh-Ritz over the whole space)
  readonly productRows: number; // rows multiplied by C, in multiply and in the filter passes: each costs 2 D^2 FLOPs
}

export const EIGEN_DEFAULTS = { degree: 24, growth: 1e6, tolerance: 1e-5, maxPasses: 40, seed: 1 } as const;

/**
 * The filter pass as degree − 1 calls of `multiply`, the recurrence in f32 buffers (the products' own
 * precision: the filter only has to amplify; the block is orthonormalised and Rayleigh-Ritz'd in float64
 * after it). The reference for a caller's one-call filter.
 */
export function filterByProducts(multiply: MultiplyRows, D: number): FilterRows {
  return async (x, ax, n, steps) => {
    const degree = steps.length / 3;
    let prev = x.slice();
    let Y = new Float32Array(n * D);
    for (let i = 0; i < Y.length; i++) Y[i] = steps[0] * ax[i] + steps[1] * x[i];
    let spare = new Float32Array(n * D);
    for (let j = 1; j < degree; j++) {
      const CY = await multiply(Y, n);
      const [alpha, beta, gamma] = [steps[3 * j], steps[3 * j + 1], steps[3 * j + 2]];
      for (let i = 0; i < spare.length; i++) spare[i] = alpha * CY[i] + beta * Y[i] + gamma * prev[i];
      [prev, Y, spare] = [Y, spare, prev];
    }
    return Y;
  };
}

/**
 * Each problem's own degree in stacked steps [b, degree, 3]: the steps before its padding (α = 0, which no
 * Chebyshev step has). A pass of degree P makes P − 1 products a row.
 */
export function ownDegrees(steps: Float64Array, b: number): number[] {
  const degree = steps.length / (3 * b);
  return Array.from({ length: b }, (_, p) => {
    let own = degree;
    while (own > 1 && steps[(p * degree + own - 1) * 3] === 0) own--;
    return own;
  });
}

/**
 * The batched filter pass as filterByProducts on each problem in turn, its padding (steps with α = 0) left out:
 * the reference for a caller's FilterBatch.
 */
export function filterBatchByProducts(multiply: MultiplyBatch, D: number): FilterBatch {
  return async (x, ax, n, steps, problems) => {
    const size = n * D;
    const degree = steps.length / (3 * problems.length);
    const degrees = ownDegrees(steps, problems.length);
    const out = new Float32Array(problems.length * size);
    for (let b = 0; b < problems.length; b++) {
      const own = degrees[b];
      const pass = filterByProducts((rows, m) => multiply(rows, m, [problems[b]]), D);
      const y = await pass(
        x.subarray(b * size, (b + 1) * size),
        ax.subarray(b * size, (b + 1) * size),
        n,
        steps.subarray(b * degree * 3, (b * degree + own) * 3),
      );
      out.set(y, b * size);
    }
    return out;
  };
}

/**
 * The coefficients of a degree-`degree` Chebyshev filter that maps [0, cut] into [−1, 1]·(scale) and grows
 * what lies above, scaled to be ~1 at `top` (no overflow): Zhou & Saad's scaled three-term recurrence with
 * e = c = cut / 2, as (α_j, β_j, γ_j) for FilterRows.
 */
export function chebyshevSteps(top: number, cut: number, degree: number): Float64Array {
  const e = cut / 2;
  const c = cut / 2;
  let sigma = e / (top - c);
  const tau = 2 / sigma;
  const steps = new Float64Array(3 * degree);
  steps[0] = sigma / e; // Y_1 = (X C − c X) σ_1 / e
  steps[1] = (-c * sigma) / e;
  for (let j = 1; j < degree; j++) {
    const sigmaNext = 1 / (tau - sigma);
    const a = (2 * sigmaNext) / e;
    steps[3 * j] = a; // Y_{j+1} = a (Y_j C − c Y_j) − σ_j σ_{j+1} Y_{j−1}
    steps[3 * j + 1] = -a * c;
    steps[3 * j + 2] = -sigma * sigmaNext;
    sigma = sigmaNext;
  }
  return steps;
}

/** Standard normal rows from the seed, after the `from` given ones: the start block is reproducible. */
function gaussianRows(
  n: number,
  D: number,
  seed: number,
  from: Readonly<Float32Array> = new Float32Array(0),
): Float64Array {
  const draw = gaussian(mulberry32(seed));
  const out = new Float64Array(n * D);
  out.set(from);
  for (let i = from.length; i < out.length; i++) out[i] = draw();
  return out;
}

/**
 * out[i m + j] = Σ_d A[i, d] B[j, d] for the rows of A [n, D] and B [m, D], four rows of A by two of B at a
 * time: eight sums share six loads, and eight independent sums keep the adds from waiting on one another.
 * `symmetric` (A B^T known to be symmetric, e.g. B = A): only the blocks that reach the diagonal or below it,
 * mirrored.
 */
function blockProducts(
  A: Float64Array,
  n: number,
  B: Float64Array,
  m: number,
  D: number,
  out: Float64Array,
  symmetric = false,
): void {
  for (let i = 0; i < n; i += 4) {
    // past the last row, a block repeats it: the sums land where the last row's already are
    const i1 = Math.min(i + 1, n - 1);
    const i2 = Math.min(i + 2, n - 1);
    const i3 = Math.min(i + 3, n - 1);
    const a0 = i * D;
    const a1 = i1 * D;
    const a2 = i2 * D;
    const a3 = i3 * D;
    for (let j = 0; j < (symmetric ? Math.min(i3 + 1, m) : m); j += 2) {
      const j1 = Math.min(j + 1, m - 1);
      const b0 = j * D;
      const b1 = j1 * D;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let d = 0; d < D; d++) {
        const y0 = B[b0 + d];
        const y1 = B[b1 + d];
        const x0 = A[a0 + d];
        const x1 = A[a1 + d];
        const x2 = A[a2 + d];
        const x3 = A[a3 + d];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s20 += x2 * y0;
        s21 += x2 * y1;
        s30 += x3 * y0;
        s31 += x3 * y1;
      }
      out[i * m + j] = s00;
      out[i * m + j1] = s01;
      out[i1 * m + j] = s10;
      out[i1 * m + j1] = s11;
      out[i2 * m + j] = s20;
      out[i2 * m + j1] = s21;
      out[i3 * m + j] = s30;
      out[i3 * m + j1] = s31;
      if (symmetric) {
        out[j * m + i] = s00;
        out[j1 * m + i] = s01;
        out[j * m + i1] = s10;
        out[j1 * m + i1] = s11;
        out[j * m + i2] = s20;
        out[j1 * m + i2] = s21;
        out[j * m + i3] = s30;
        out[j1 * m + i3] = s31;
      }
    }
  }
}

/**
 * The Cholesky factor of the n x n symmetric M in place (lower triangle, L L^T = M). False when a pivot falls
 * to 1e-14 of the largest diagonal entry or below: the rows M came from are (nearly) dependent.
 */
function cholesky(M: Float64Array, n: number): boolean {
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, M[i * n + i]);
  for (let j = 0; j < n; j++) {
    let pivot = M[j * n + j];
    for (let p = 0; p < j; p++) pivot -= M[j * n + p] * M[j * n + p];
    if (!(pivot > 1e-14 * largest)) return false;
    const l = Math.sqrt(pivot);
    M[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let v = M[i * n + j];
      for (let p = 0; p < j; p++) v -= M[i * n + p] * M[j * n + p];
      M[i * n + j] = v / l;
    }
  }
  return true;
}

/**
 * out [m, D] = C X for C [m, n] and X [n, D], four rows of X at a time: one load and store of an output row for four.
 */
function combine(C: Float64Array, m: number, X: Float64Array, n: number, D: number): Float64Array {
  const out = new Float64Array(m * D);
  for (let r = 0; r < m; r++) {
    const o = r * D;
    const c = r * n;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const q0 = C[c + i];
      const q1 = C[c + i + 1];
      const q2 = C[c + i + 2];
      const q3 = C[c + i + 3];
      if (q0 === 0 && q1 === 0 && q2 === 0 && q3 === 0) continue; // a triangular C's zeros
      const x0 = i * D;
      const x1 = x0 + D;
      const x2 = x1 + D;
      const x3 = x2 + D;
      for (let d = 0; d < D; d++) out[o + d] += q0 * X[x0 + d] + q1 * X[x1 + d] + q2 * X[x2 + d] + q3 * X[x3 + d];
    }
    for (; i < n; i++) {
      const qi = C[c + i];
      const x = i * D;
      for (let d = 0; d < D; d++) out[o + d] += qi * X[x + d];
    }
  }
  return out;
}

/** The block products as loops on this thread, one product of the batch after another: the reference for a caller's
 * DenseProducts. */
export const denseProductsInJs: DenseProducts = {
  async rowProducts(A, n, B, m, D, batch = 1) {
    const out = new Float64Array(batch * n * m);
    for (let b = 0; b < batch; b++) {
      const a = A.subarray(b * n * D, (b + 1) * n * D);
      const bb = B.subarray(b * m * D, (b + 1) * m * D);
      blockProducts(a, n, bb, m, D, out.subarray(b * n * m, (b + 1) * n * m), A === B && n === m);
    }
    return out;
  },
  async combineRows(C, m, X, n, D, batch = 1) {
    const out = new Float64Array(batch * m * D);
    for (let b = 0; b < batch; b++)
      out.set(
        combine(C.subarray(b * m * n, (b + 1) * m * n), m, X.subarray(b * n * D, (b + 1) * n * D), n, D),
        b * m * D,
      );
    return out;
  },
};

/** The inverse of the lower triangular n x n factor in the lower triangle of L (its upper triangle ignored). */
function lowerInverse(L: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    inv[j * n + j] = 1 / L[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let p = j; p < i; p++) s += L[i * n + p] * inv[p * n + j];
      inv[i * n + j] = -s / L[i * n + i];
    }
  }
  return inv;
}

/** The arrays end to end. */
function stackF64(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/**
 * The blocks [size] of the problems `which` (ascending) out of `all` [count, size], end to end: `all` itself when
 * `which` is every problem, else a copy.
 */
function blocksOf<A extends Float32Array | Float64Array>(
  all: A,
  which: readonly number[],
  count: number,
  size: number,
): A {
  if (which.length === count) return all;
  const out = all.slice(0, which.length * size) as A;
  which.forEach((p, i) => out.set(all.subarray(p * size, (p + 1) * size), i * size));
  return out;
}

/**
 * The b problems' n rows each, X [b, n, D], orthonormalised, all problems' products in one call a step.
 * CholeskyQR2 (Fukaya et al. 2014): the Gram matrix, its Cholesky factor L, X ← L^{-1} X, twice (the first
 * leaves an error of about ε cond(X)², the second removes it; the filter's growth cap keeps cond(X) near 1e6 or
 * below). Where a problem's rows are (nearly) dependent its Cholesky factorisation fails, and modified
 * Gram-Schmidt, run twice ("twice is enough", Giraud et al. 2005), takes over for that problem: a row that
 * vanishes (it lay in the span of the others) is replaced by a fresh random one. X may be overwritten.
 */
async function orthonormalise(
  X: Float64Array,
  b: number,
  n: number,
  D: number,
  refills: readonly (() => number)[],
  dense: DenseProducts,
): Promise<Float64Array> {
  const size = n * D;
  let out = X;
  let pending = Array.from({ length: b }, (_, p) => p);
  let current = X; // the rows of `pending`, end to end (also in `out`)
  for (let round = 0; round < 2 && pending.length > 0; round++) {
    const M = await dense.rowProducts(current, n, current, n, D, pending.length);
    const factored: number[] = [];
    const positions: number[] = [];
    const inverses: Float64Array[] = [];
    pending.forEach((p, i) => {
      const Mi = M.subarray(i * n * n, (i + 1) * n * n);
      if (cholesky(Mi, n)) {
        factored.push(p);
        positions.push(i);
        inverses.push(lowerInverse(Mi, n));
        return;
      }
      gramSchmidt(out.subarray(p * size, (p + 1) * size), n, D, refills[p]); // `out` holds every problem's latest rows
    });
    if (factored.length === 0) break;
    const combined = await dense.combineRows(
      stackF64(inverses),
      n,
      blocksOf(current, positions, pending.length, size),
      n,
      D,
      factored.length,
    );
    if (factored.length === b) out = combined;
    else factored.forEach((p, i) => out.set(combined.subarray(i * size, (i + 1) * size), p * size));
    pending = factored;
    current = combined;
  }
  return out;
}

/** Σ_d X[i, d] Y[j, d] over rows of two row-major [*, D] arrays. */
function rowDot(X: Float64Array, i: number, Y: Float64Array, j: number, D: number): number {
  let s = 0;
  const a = i * D;
  const b = j * D;
  for (let d = 0; d < D; d++) s += X[a + d] * Y[b + d];
  return s;
}

/** Modified Gram-Schmidt twice, with random refills for vanishing rows: orthonormalise's fallback. */
function gramSchmidt(X: Float64Array, n: number, D: number, refill: () => number): void {
  for (let i = 0; i < n; i++) {
    const x = i * D;
    for (let attempt = 0; ; attempt++) {
      const before = Math.sqrt(rowDot(X, i, X, i, D));
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < i; j++) {
          const r = rowDot(X, i, X, j, D);
          const y = j * D;
          for (let d = 0; d < D; d++) X[x + d] -= r * X[y + d];
        }
      }
      const norm = Math.sqrt(rowDot(X, i, X, i, D));
      if (norm > 1e-10 * before && norm > 0) {
        const inverse = 1 / norm;
        for (let d = 0; d < D; d++) X[x + d] *= inverse;
        break;
      }
      if (attempt > 10)
        throw new Error(`orthonormalise: no vector independent of the ${i} before it in ${D} dimensions`);
      for (let d = 0; d < D; d++) X[x + d] = refill();
    }
  }
}

const toF32 = (x: Float64Array) => new Float32Array(x); // the constructor converts in bulk; .from() iterates

interface Ritz {
  readonly values: Float64Array; // [B] Ritz values θ, descending
  readonly coefficients: Float64Array; // [B, B]: row r holds Ritz vector r in the basis X (u_r = Σ_i q_ri x_i)
  readonly residuals: Float64Array; // [k]: ‖C u_r − θ_r u_r‖
}

/**
 * Rayleigh-Ritz on each problem's orthonormal rows X [B, D] with AX = X C, stacked [b, B, D]: the eigenpairs of
 * H = X C X^T (B x B). The basis is not rotated (the next filter pass needs only its span); the residuals come
 * from G = AX AX^T, ‖C u − θ u‖² = q^T G q − θ², with no B x D work beyond H and G.
 */
async function rayleighRitz(
  X: Float64Array,
  AX32: Float32Array,
  b: number,
  B: number,
  D: number,
  k: number,
  dense: DenseProducts,
): Promise<Ritz[]> {
  const AX = new Float64Array(AX32);
  const XA = await dense.rowProducts(X, B, AX, B, D, b);
  const G = await dense.rowProducts(AX, B, AX, B, D, b);
  return Array.from({ length: b }, (_, p) =>
    ritzOf(XA.subarray(p * B * B, (p + 1) * B * B), G.subarray(p * B * B, (p + 1) * B * B), B, k),
  );
}

/** The Ritz pairs and residuals from X AX^T and AX AX^T [B, B] (rayleighRitz). */
function ritzOf(XA: Float64Array, G: Float64Array, B: number, k: number): Ritz {
  const H = new Matrix(B, B);
  for (let i = 0; i < B; i++) {
    for (let j = 0; j <= i; j++) {
      const h = (XA[i * B + j] + XA[j * B + i]) / 2; // symmetrised: AX comes from f32 products
      H.set(i, j, h);
      H.set(j, i, h);
    }
  }
  const evd = new EigenvalueDecomposition(H, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const Q = evd.eigenvectorMatrix; // columns are eigenvectors
  const coefficients = new Float64Array(B * B);
  order.forEach(([, col], r) => {
    for (let i = 0; i < B; i++) coefficients[r * B + i] = Q.get(i, col);
  });
  const values = Float64Array.from(order, ([v]) => v);
  const residuals = new Float64Array(k);
  for (let r = 0; r < k; r++) {
    let qGq = 0;
    for (let i = 0; i < B; i++) {
      let gq = 0;
      for (let j = 0; j < B; j++) gq += G[i * B + j] * coefficients[r * B + j];
      qGq += coefficients[r * B + i] * gq;
    }
    residuals[r] = Math.sqrt(Math.max(0, qGq - values[r] * values[r]));
  }
  return { values, coefficients, residuals };
}

/**
 * The k largest eigenpairs of each of `problems` symmetric D x D matrices C_p, which enter through `multiply`
 * (and `filter`, `dense`): the iteration of topEigenpairs run for all problems side by side, each step one call
 * for the problems not yet converged. Their blocks are kept end to end, [b, B, D], so that while all of them
 * run, which is most of the time, no step copies them.
 */
export async function topEigenpairsBatch(
  multiply: MultiplyBatch,
  D: number,
  problems: number,
  options: BatchEigenOptions,
): Promise<TopEigenpairs[]> {
  const k = options.count;
  if (!Number.isInteger(k) || k < 1 || k > D) throw new Error(`topEigenpairs: count ${k} outside 1..${D}`);
  if (!Number.isInteger(problems) || problems < 1) throw new Error(`topEigenpairs: ${problems} problems`);
  const B = Math.min(D, Math.max(k, options.blockSize ?? k + Math.max(Math.ceil(k / 2), 6)));
  const P = options.degree ?? EIGEN_DEFAULTS.degree;
  const growth = options.growth ?? EIGEN_DEFAULTS.growth;
  const tolerance = options.tolerance ?? EIGEN_DEFAULTS.tolerance;
  const maxPasses = options.maxPasses ?? EIGEN_DEFAULTS.maxPasses;
  const seed = options.seed ?? EIGEN_DEFAULTS.seed;
  const starts = options.starts ?? [];
  if (starts.length > problems) throw new Error(`topEigenpairs: ${starts.length} starts for ${problems} problems`);
  for (const start of starts)
    if (start && (start.length % D !== 0 || start.length > B * D))
      throw new Error(`topEigenpairs: start has ${start.length} values, not [s <= ${B}, ${D}]`);
  const checked = (out: Float32Array, b: number, what: string): Float32Array => {
    if (out.length !== b * B * D)
      throw new Error(
        `topEigenpairs: ${what} returned ${out.length} values for [${b === 1 ? '' : `${b}, `}${B}, ${D}]`,
      );
    return out;
  };
  const filter = options.filter ?? filterBatchByProducts(multiply, D);
  const dense = options.dense ?? denseProductsInJs;
  const all = Array.from({ length: problems }, (_, p) => p);
  const size = B * D;

  // the start: the caller's rows, then random ones (the whole space when B = D, where one Rayleigh-Ritz is exact)
  const refills = all.map(() => {
    const u = mulberry32(seed ^ 0x5bd1e995);
    return () => u() - 0.5;
  });
  let X: Float64Array; // [problems, B, D], each problem's orthonormal block
  if (B === D) {
    X = new Float64Array(problems * size);
    for (let p = 0; p < problems; p++) for (let i = 0; i < D; i++) X[p * size + i * D + i] = 1;
  } else {
    X = await orthonormalise(
      stackF64(all.map((p) => gaussianRows(B, D, seed, starts[p]))),
      problems,
      B,
      D,
      refills,
      dense,
    );
  }
  let AX: Float32Array = new Float32Array(0); // X C, [problems, B, D] from the first project(all) on
  const ritz: Ritz[] = [];
  const passes = all.map(() => 0);
  const productRows = all.map(() => 0);
  /** Each block of `which` [which.length, B, D], written into `into` [problems, B, D]; `into` itself if all. */
  const putBack = <A extends Float32Array | Float64Array>(into: A, which: readonly number[], blocks: A): A => {
    if (which.length === problems) return blocks;
    which.forEach((p, i) => into.set(blocks.subarray(i * size, (i + 1) * size), p * size));
    return into;
  };
  // C X and the Rayleigh-Ritz pairs of the problems `which`, whose blocks X are new
  const project = async (which: readonly number[]) => {
    const Xw = blocksOf(X, which, problems, size);
    const AXw = checked(await multiply(toF32(Xw), B, which), which.length, 'multiply');
    AX = putBack(AX, which, AXw);
    const pairs = await rayleighRitz(Xw, AXw, which.length, B, D, k, dense);
    which.forEach((p, i) => {
      productRows[p] += B;
      ritz[p] = pairs[i];
    });
  };
  const done = (p: number) =>
    ritz[p].values[0] <= 0 || ritz[p].residuals.every((r) => r <= tolerance * ritz[p].values[0]);
  await project(all);
  for (;;) {
    const active = all.filter((p) => B < D && !done(p) && passes[p] < maxPasses);
    if (active.length === 0) break;
    const steps = active.map((p) => {
      passes[p]++;
      // damp [0, cut], grow (cut, top]. The cut stays above a millionth of the top: a block wider than C's
      // rank holds Ritz values of 0
      const top = ritz[p].values[0];
      const cut = Math.min(Math.max(ritz[p].values[B - 1], 1e-6 * top), top / (1 + 1e-6));
      // the degree: as high as P, but the filter must not grow the top of the block more than `growth` times
      // its bottom (T_P at the top, 1 at the cut), or the block's lower vectors drown in f32 rounding
      const degree = Math.max(2, Math.min(P, Math.floor(Math.acosh(growth) / Math.acosh((2 * top) / cut - 1))));
      productRows[p] += B * (degree - 1);
      return chebyshevSteps(top, cut, degree);
    });
    const Y = await filter(
      toF32(blocksOf(X, active, problems, size)),
      blocksOf(AX, active, problems, size),
      B,
      paddedSteps(steps),
      active,
    );
    const Xa = await orthonormalise(
      new Float64Array(checked(Y, active.length, 'filter')),
      active.length,
      B,
      D,
      active.map((p) => refills[p]),
      dense,
    );
    X = putBack(X, active, Xa);
    await project(active);
  }

  // the first k Ritz vectors, Σ_i q_ri x_i: [k, D] each
  const vectors = await dense.combineRows(
    stackF64(ritz.map((r) => r.coefficients.subarray(0, k * B))),
    k,
    X,
    B,
    D,
    problems,
  );
  return all.map((p) => {
    const scale = ritz[p].values[0] > 0 ? ritz[p].values[0] : 1;
    return {
      values: ritz[p].values.slice(0, k),
      vectors: toF32(vectors.subarray(p * k * D, (p + 1) * k * D)),
      residuals: ritz[p].residuals.map((r) => r / scale),
      converged: done(p),
      passes: passes[p],
      productRows: productRows[p],
    };
  });
}

/** Each problem's filter steps [degree_p, 3] as one [b, max degree, 3], the shorter ones padded with (0, 1, 0). */
function paddedSteps(steps: readonly Float64Array[]): Float64Array {
  const degree = Math.max(...steps.map((s) => s.length / 3));
  const out = new Float64Array(steps.length * degree * 3);
  steps.forEach((s, b) => {
    out.set(s, b * degree * 3);
    for (let j = s.length / 3; j < degree; j++) out[(b * degree + j) * 3 + 1] = 1;
  });
  return out;
}

/** The k largest eigenpairs of one symmetric D x D matrix C: topEigenpairsBatch with one problem. */
export async function topEigenpairs(
  multiply: MultiplyRows,
  D: number,
  options: TopEigenOptions,
): Promise<TopEigenpairs> {
  const { start, filter, ...rest } = options;
  const [one] = await topEigenpairsBatch((rows, n) => multiply(rows, n), D, 1, {
    ...rest,
    starts: [start],
    ...(filter ? { filter: (x, ax, n, steps) => filter(x, ax, n, steps) } : {}),
  });
  return one;
}
