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
// C enters only through `multiply` (rows in, rows out: for symmetric C, X C = (C X^T)^T), so the products,
// the only O(D^2) work, run wherever the caller runs them (onnxruntime's Gemm in the engine, plain loops in
// tests). What stays here is O(D B^2) per pass: orthonormalisation and the B x B Rayleigh-Ritz problem
// (symmetric EVD from ml-matrix). Not a general eigensolver: no negative spectra, no smallest eigenvalues.
//
// D dimension, k wanted pairs, B block size (k + oversampling), P filter degree.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { gaussian, mulberry32 } from './prng';

/** Y = X C for row-major X [n, D] (n vectors as rows); C symmetric. */
export type MultiplyRows = (rows: Float32Array, n: number) => Promise<Float32Array>;

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
}

export interface TopEigenpairs {
  readonly values: Float64Array; // [k], descending
  readonly vectors: Float32Array; // [k, D], unit rows, in the order of values
  readonly residuals: Float64Array; // [k]: ‖C u − θ u‖ / θ_1
  readonly converged: boolean;
  readonly passes: number; // filter passes run (0 when B = D: one Rayleigh-Ritz over the whole space)
  readonly productRows: number; // rows sent through multiply: each costs 2 D^2 FLOPs
}

export const EIGEN_DEFAULTS = { degree: 24, growth: 1e6, tolerance: 1e-5, maxPasses: 40, seed: 1 } as const;

/** Standard normal rows from the seed: the start block is reproducible. */
function gaussianRows(n: number, D: number, seed: number): Float64Array {
  const draw = gaussian(mulberry32(seed));
  const out = new Float64Array(n * D);
  for (let i = 0; i < out.length; i++) out[i] = draw();
  return out;
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let d = 0; d < x.length; d++) s += x[d] * y[d];
  return s;
}

/** The n rows of X [n, D] as views. */
const rowsOf = (X: Float64Array, n: number, D: number) => Array.from({ length: n }, (_, i) => X.subarray(i * D, (i + 1) * D));

/**
 * Orthonormalises the n rows of X in place: modified Gram-Schmidt, run twice ("twice is enough", Giraud et
 * al. 2005). A row that vanishes (it lay in the span of the others) is replaced by a fresh random one.
 */
function orthonormalise(X: Float64Array, n: number, D: number, refill: () => number): void {
  const rows = rowsOf(X, n, D);
  for (let i = 0; i < n; i++) {
    const x = rows[i];
    for (let attempt = 0; ; attempt++) {
      const before = Math.sqrt(dot(x, x));
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < i; j++) {
          const y = rows[j];
          const r = dot(x, y);
          for (let d = 0; d < D; d++) x[d] -= r * y[d];
        }
      }
      const norm = Math.sqrt(dot(x, x));
      if (norm > 1e-10 * before && norm > 0) {
        for (let d = 0; d < D; d++) x[d] /= norm;
        break;
      }
      if (attempt > 10) throw new Error(`orthonormalise: no vector independent of the ${i} before it in ${D} dimensions`);
      for (let d = 0; d < D; d++) x[d] = refill();
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
function rayleighRitz(X: Float64Array, AX: Float64Array, B: number, D: number, k: number): Ritz {
  const x = rowsOf(X, B, D);
  const ax = rowsOf(AX, B, D);
  const H = new Matrix(B, B);
  const G = new Float64Array(B * B);
  for (let i = 0; i < B; i++) {
    for (let j = 0; j <= i; j++) {
      const h = (dot(x[i], ax[j]) + dot(x[j], ax[i])) / 2; // symmetrised: AX comes from f32 products
      H.set(i, j, h);
      H.set(j, i, h);
      G[i * B + j] = G[j * B + i] = dot(ax[i], ax[j]);
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
function ritzVectors(X: Float64Array, ritz: Ritz, B: number, D: number, k: number): Float32Array {
  const out = new Float64Array(k * D);
  const x = rowsOf(X, B, D);
  for (let r = 0; r < k; r++) {
    const o = out.subarray(r * D, (r + 1) * D);
    for (let i = 0; i < B; i++) {
      const q = ritz.coefficients[r * B + i];
      for (let d = 0; d < D; d++) o[d] += q * x[i][d];
    }
  }
  return toF32(out);
}

export async function topEigenpairs(multiply: MultiplyRows, D: number, options: TopEigenOptions): Promise<TopEigenpairs> {
  const k = options.count;
  if (!Number.isInteger(k) || k < 1 || k > D) throw new Error(`topEigenpairs: count ${k} outside 1..${D}`);
  const B = Math.min(D, Math.max(k, options.blockSize ?? k + Math.max(Math.ceil(k / 2), 6)));
  const P = options.degree ?? EIGEN_DEFAULTS.degree;
  const growth = options.growth ?? EIGEN_DEFAULTS.growth;
  const tolerance = options.tolerance ?? EIGEN_DEFAULTS.tolerance;
  const maxPasses = options.maxPasses ?? EIGEN_DEFAULTS.maxPasses;
  const seed = options.seed ?? EIGEN_DEFAULTS.seed;
  let productRows = 0;
  const multiplyF32 = async (rows: Float32Array, n: number): Promise<Float32Array> => {
    productRows += n;
    const out = await multiply(rows, n);
    if (out.length !== n * D) throw new Error(`topEigenpairs: multiply returned ${out.length} values for [${n}, ${D}]`);
    return out;
  };
  const apply = async (rows: Float64Array, n: number): Promise<Float64Array> => new Float64Array(await multiplyF32(toF32(rows), n));
  const refill = (() => {
    const u = mulberry32(seed ^ 0x5bd1e995);
    return () => u() - 0.5;
  })();

  // the start: a random block (the whole space when B = D, where one Rayleigh-Ritz is exact)
  let X: Float64Array;
  if (B === D) {
    X = new Float64Array(D * D);
    for (let i = 0; i < D; i++) X[i * D + i] = 1;
  } else {
    X = gaussianRows(B, D, seed);
    orthonormalise(X, B, D, refill);
  }
  let AX = await apply(X, B);
  let ritz = rayleighRitz(X, AX, B, D, k);
  const done = () => ritz.values[0] <= 0 || ritz.residuals.every((r) => r <= tolerance * ritz.values[0]);
  let passes = 0;
  while (B < D && !done() && passes < maxPasses) {
    passes++;
    // damp [0, cut], grow (cut, top]; scaled so that the polynomial is ~1 at the top (no overflow). The cut
    // stays above a millionth of the top: a block wider than C's rank holds Ritz values of 0
    const top = ritz.values[0];
    const cut = Math.min(Math.max(ritz.values[B - 1], 1e-6 * top), top / (1 + 1e-6));
    const e = cut / 2;
    const c = cut / 2;
    let sigma = e / (top - c);
    const tau = 2 / sigma;
    // the degree: as high as P, but the filter must not grow the top of the block more than `growth` times
    // its bottom (T_P at the top, 1 at the cut), or the block's lower vectors drown in f32 rounding
    const degree = Math.max(2, Math.min(P, Math.floor(Math.acosh(growth) / Math.acosh(1 / sigma))));
    // the three-term recurrence in f32 buffers, the products' own precision: the filter only has to
    // amplify, and the block is orthonormalised and Rayleigh-Ritz'd in float64 after it
    let prev = toF32(X);
    let Y = new Float32Array(B * D);
    for (let i = 0; i < Y.length; i++) Y[i] = ((AX[i] - c * X[i]) * sigma) / e; // the first step reuses AX = X C
    let spare = new Float32Array(B * D);
    for (let step = 2; step <= degree; step++) {
      const sigmaNext = 1 / (tau - sigma);
      const CY = await multiplyF32(Y, B);
      const a = (2 * sigmaNext) / e;
      const b = sigma * sigmaNext;
      for (let i = 0; i < spare.length; i++) spare[i] = a * (CY[i] - c * Y[i]) - b * prev[i];
      [prev, Y, spare] = [Y, spare, prev];
      sigma = sigmaNext;
    }
    X = new Float64Array(Y);
    orthonormalise(X, B, D, refill);
    AX = await apply(X, B);
    ritz = rayleighRitz(X, AX, B, D, k);
  }

  const scale = ritz.values[0] > 0 ? ritz.values[0] : 1;
  return {
    values: ritz.values.slice(0, k),
    vectors: ritzVectors(X, ritz, B, D, k),
    residuals: ritz.residuals.map((r) => r / scale),
    converged: done(),
    passes,
    productRows,
  };
}
