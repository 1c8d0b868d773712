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
// D dimension, k wanted pairs, B block size (k + oversampling), P filter degree.
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

/** The float64 products of row blocks that a pass needs: O(D B^2) each, run where the caller runs them. */
export interface DenseProducts {
  /** out [n, m] = A B^T for row-major A [n, D] and B [m, D]. */
  rowProducts(A: Float64Array, n: number, B: Float64Array, m: number, D: number): Promise<Float64Array>;
  /** out [m, D] = C X for row-major C [m, n] and X [n, D]: m combinations of the rows of X. */
  combineRows(C: Float64Array, m: number, X: Float64Array, n: number, D: number): Promise<Float64Array>;
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

/** The block products as loops on this thread: the reference for a caller's DenseProducts. */
export const denseProductsInJs: DenseProducts = {
  async rowProducts(A, n, B, m, D) {
    const out = new Float64Array(n * m);
    blockProducts(A, n, B, m, D, out, A === B && n === m);
    return out;
  },
  combineRows: async (C, m, X, n, D) => combine(C, m, X, n, D),
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

/**
 * The n rows of X orthonormalised. CholeskyQR2 (Fukaya et al. 2014): the Gram matrix, its Cholesky factor L,
 * X ← L^{-1} X, twice (the first leaves an error of about ε cond(X)², the second removes it; the filter's
 * growth cap keeps cond(X) near 1e6 or below). Where the rows are (nearly) dependent the Cholesky
 * factorisation fails, and modified Gram-Schmidt, run twice ("twice is enough", Giraud et al. 2005), takes
 * over: a row that vanishes (it lay in the span of the others) is replaced by a fresh random one.
 */
async function orthonormalise(
  X: Float64Array,
  n: number,
  D: number,
  refill: () => number,
  dense: DenseProducts,
): Promise<Float64Array> {
  for (let round = 0; round < 2; round++) {
    const M = await dense.rowProducts(X, n, X, n, D);
    if (!cholesky(M, n)) {
      gramSchmidt(X, n, D, refill);
      return X;
    }
    X = await dense.combineRows(lowerInverse(M, n), n, X, n, D);
  }
  return X;
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
 * Rayleigh-Ritz on the orthonormal rows X [B, D] with AX = X C: the eigenpairs of H = X C X^T (B x B). The
 * basis is not rotated (the next filter pass needs only its span); the residuals come from G = AX AX^T,
 * ‖C u − θ u‖² = q^T G q − θ², with no B x D work beyond H and G.
 */
async function rayleighRitz(
  X: Float64Array,
  AX: Float64Array,
  B: number,
  D: number,
  k: number,
  dense: DenseProducts,
): Promise<Ritz> {
  // X AX^T and G = AX AX^T in one product, [X; AX] AX^T: one call instead of two
  const stacked = new Float64Array(2 * B * D);
  stacked.set(X);
  stacked.set(AX, B * D);
  const both = await dense.rowProducts(stacked, 2 * B, AX, B, D);
  const XA = both.subarray(0, B * B);
  const G = both.subarray(B * B);
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

/** The first k Ritz vectors, Σ_i q_ri x_i: [k, D]. */
async function ritzVectors(
  X: Float64Array,
  ritz: Ritz,
  B: number,
  D: number,
  k: number,
  dense: DenseProducts,
): Promise<Float32Array> {
  return toF32(await dense.combineRows(ritz.coefficients.subarray(0, k * B), k, X, B, D));
}

export async function topEigenpairs(
  multiply: MultiplyRows,
  D: number,
  options: TopEigenOptions,
): Promise<TopEigenpairs> {
  const k = options.count;
  if (!Number.isInteger(k) || k < 1 || k > D) throw new Error(`topEigenpairs: count ${k} outside 1..${D}`);
  const B = Math.min(D, Math.max(k, options.blockSize ?? k + Math.max(Math.ceil(k / 2), 6)));
  const P = options.degree ?? EIGEN_DEFAULTS.degree;
  const growth = options.growth ?? EIGEN_DEFAULTS.growth;
  const tolerance = options.tolerance ?? EIGEN_DEFAULTS.tolerance;
  const maxPasses = options.maxPasses ?? EIGEN_DEFAULTS.maxPasses;
  const seed = options.seed ?? EIGEN_DEFAULTS.seed;
  const start = options.start;
  if (start && (start.length % D !== 0 || start.length > B * D))
    throw new Error(`topEigenpairs: start has ${start.length} values, not [s <= ${B}, ${D}]`);
  const checked = (out: Float32Array, n: number, what: string): Float32Array => {
    if (out.length !== n * D) throw new Error(`topEigenpairs: ${what} returned ${out.length} values for [${n}, ${D}]`);
    return out;
  };
  let productRows = 0;
  const apply = async (rows: Float64Array, n: number): Promise<Float32Array> => {
    productRows += n;
    return checked(await multiply(toF32(rows), n), n, 'multiply');
  };
  const filter = options.filter ?? filterByProducts(multiply, D);
  const dense = options.dense ?? denseProductsInJs;
  const refill = (() => {
    const u = mulberry32(seed ^ 0x5bd1e995);
    return () => u() - 0.5;
  })();

  // the start: the caller's rows, then random ones (the whole space when B = D, where one Rayleigh-Ritz is exact)
  let X: Float64Array;
  if (B === D) {
    X = new Float64Array(D * D);
    for (let i = 0; i < D; i++) X[i * D + i] = 1;
  } else {
    X = await orthonormalise(gaussianRows(B, D, seed, start), B, D, refill, dense);
  }
  let AX = await apply(X, B);
  let ritz = await rayleighRitz(X, new Float64Array(AX), B, D, k, dense);
  const done = () => ritz.values[0] <= 0 || ritz.residuals.every((r) => r <= tolerance * ritz.values[0]);
  let passes = 0;
  while (B < D && !done() && passes < maxPasses) {
    passes++;
    // damp [0, cut], grow (cut, top]. The cut stays above a millionth of the top: a block wider than C's
    // rank holds Ritz values of 0
    const top = ritz.values[0];
    const cut = Math.min(Math.max(ritz.values[B - 1], 1e-6 * top), top / (1 + 1e-6));
    // the degree: as high as P, but the filter must not grow the top of the block more than `growth` times
    // its bottom (T_P at the top, 1 at the cut), or the block's lower vectors drown in f32 rounding
    const degree = Math.max(2, Math.min(P, Math.floor(Math.acosh(growth) / Math.acosh((2 * top) / cut - 1))));
    productRows += B * (degree - 1);
    const Y = checked(await filter(toF32(X), AX, B, chebyshevSteps(top, cut, degree)), B, 'filter');
    X = await orthonormalise(new Float64Array(Y), B, D, refill, dense);
    AX = await apply(X, B);
    ritz = await rayleighRitz(X, new Float64Array(AX), B, D, k, dense);
  }

  const scale = ritz.values[0] > 0 ? ritz.values[0] : 1;
  return {
    values: ritz.values.slice(0, k),
    vectors: await ritzVectors(X, ritz, B, D, k, dense),
    residuals: ritz.residuals.map((r) => r / scale),
    converged: done(),
    passes,
    productRows,
  };
}
