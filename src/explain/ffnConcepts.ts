// Feed-forward concepts (DESIGN.md, method 3; Wu et al., arXiv 2310.00492, section 5): per layer, principal
// component analysis of the rows of W_down^T (the columns of W_down), what each feed-forward neuron writes
// into the residual stream,
// and for each leading component the vocabulary words whose output embeddings point most along it.
//
//   rows x_i, i < F, centred: x_i − mean; covariance C = Σ x_i x_i^T / (F − 1)   (D x D)
//   component j: the j-th eigenvector u_j of C; explained-variance ratio λ_j / trace(C)
//   words of u_j: the K vocabulary ids v with the largest |cos(u_j, e_v)|, e_v a row of the output embeddings
//
// The heavy products (C from the centred rows, the eigensolver's products with C, components x vocabulary)
// go through the caller's `matmul` (onnxruntime in the engine), as STYLE.md asks of explain/. Only the
// leading components are computed (topEigenpairs.ts). The naive reference (plain loops and a full
// eigendecomposition) lives in test/explain/ffnConcepts.test.ts.
//
// F feed-forward width (d_ff), D model width (d_model), V vocabulary, k components, K words a component.
import { topEigenpairs, type TopEigenOptions } from './topEigenpairs';

/** Y = X W^T for row-major X [n, k] and W [m, k]; Y [n, m] row-major (src/runtime/matmulSession.ts). */
export type MatmulTransposed = (x: Float32Array, n: number, w: Float32Array, m: number, k: number) => Promise<Float32Array>;

export interface CentredNeurons {
  /** [D, F]: W_down with each row's mean over the neurons removed, i.e. X_c^T, the operand layout X W^T needs for X_c^T X_c. */
  readonly centred: Float32Array;
  /** trace(C) = Σ ‖x_i − mean‖² / (F − 1), summed in float64. */
  readonly totalVariance: number;
}

/**
 * Centres the neurons' write vectors, given as the columns of W_down [D, F] (as nn.Linear stores it, see
 * globalWeights.downProjection): subtracts from each row d the mean over the F neurons of coordinate d.
 */
export function centreNeurons(wDown: Readonly<Float32Array>, D: number, F: number): CentredNeurons {
  if (wDown.length !== D * F) throw new Error(`centreNeurons: ${wDown.length} values for [${D}, ${F}]`);
  if (F < 2) throw new Error(`centreNeurons: a covariance needs 2 neurons or more, got ${F}`);
  const centred = new Float32Array(D * F);
  let sumSquares = 0;
  for (let d = 0; d < D; d++) {
    const row = d * F;
    let mean = 0;
    for (let f = 0; f < F; f++) mean += wDown[row + f];
    mean /= F;
    for (let f = 0; f < F; f++) {
      const v = wDown[row + f] - mean;
      centred[row + f] = v;
      sumSquares += v * v;
    }
  }
  return { centred, totalVariance: sumSquares / (F - 1) };
}

export interface PrincipalComponents {
  readonly count: number; // k
  readonly variances: Float64Array; // [k] λ_j, descending
  readonly ratios: Float64Array; // [k] λ_j / trace(C)
  readonly totalVariance: number; // trace(C)
  readonly vectors: Float32Array; // [k, D] unit rows u_j
  readonly residuals: Float64Array; // [k] ‖C u − λ u‖ / λ_1
  readonly converged: boolean;
  readonly passes: number;
  readonly flops: { readonly covariance: number; readonly eigensolver: number };
}

export type EigenSettings = Omit<TopEigenOptions, 'count'>;

/** The k leading principal components of the F neurons' write vectors, the columns of W_down [D, F]. */
export async function principalComponents(wDown: Readonly<Float32Array>, D: number, F: number, k: number, matmul: MatmulTransposed, eigen: EigenSettings = {}): Promise<PrincipalComponents> {
  const { centred, totalVariance } = centreNeurons(wDown, D, F);
  // Σ x_i x_i^T = X_c^T X_c: (D, F) x (F, D); the 1 / (F − 1) is applied to the eigenvalues instead of C
  const scatter = await matmul(centred, D, centred, D, F); // (D, D)
  // rows times the symmetric scatter matrix, X S = (S X^T)^T: S goes in as the left operand, which the Gemm
  // reads as it is, where as the right one it would be repacked on every call (measured 4x slower at n = 16)
  const pairs = await topEigenpairs(async (x, n) => transposeRows(await matmul(scatter, D, x, n, D), D, n), D, { ...eigen, count: k });
  const variances = pairs.values.map((v) => Math.max(0, v) / (F - 1));
  return {
    count: k,
    variances,
    ratios: variances.map((v) => (totalVariance > 0 ? v / totalVariance : 0)),
    totalVariance,
    vectors: pairs.vectors,
    residuals: pairs.residuals,
    converged: pairs.converged,
    passes: pairs.passes,
    flops: { covariance: 2 * D * D * F, eigensolver: 2 * D * D * pairs.productRows },
  };
}

/** The transpose of a row-major [rows, cols] matrix. */
function transposeRows(m: Readonly<Float32Array>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/** [V]: 1 / ‖e_v‖ for the rows that take part (`include[v]`), 0 for the others and for zero rows. */
export function inverseRowNorms(table: Readonly<Float32Array>, V: number, D: number, include: (v: number) => boolean): Float32Array {
  if (table.length !== V * D) throw new Error(`inverseRowNorms: ${table.length} values for [${V}, ${D}]`);
  const out = new Float32Array(V);
  for (let v = 0; v < V; v++) {
    if (!include(v)) continue;
    let s = 0;
    for (let d = 0; d < D; d++) s += table[v * D + d] * table[v * D + d];
    out[v] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  return out;
}

export interface TopWord {
  readonly id: number;
  readonly cosine: number; // cos(u_j, e_v), signed
}

/**
 * For each of the n rows of `dots` [n, V] (unit component · e_v), the K ids with the largest |cosine|,
 * cosine = dot / ‖e_v‖ (`inverseNorms`, 0 leaves an id out), ordered by |cosine| descending, then id.
 */
export function topWordsByCosine(dots: Readonly<Float32Array>, n: number, V: number, inverseNorms: Readonly<Float32Array>, K: number): TopWord[][] {
  if (dots.length !== n * V || inverseNorms.length !== V) throw new Error(`topWordsByCosine: ${dots.length} dots for [${n}, ${V}], ${inverseNorms.length} norms`);
  const out: TopWord[][] = [];
  for (let r = 0; r < n; r++) {
    // a sorted list of the best K so far; most ids fall below its last entry and cost one comparison
    const ids: number[] = [];
    const abs: number[] = [];
    const row = r * V;
    for (let v = 0; v < V; v++) {
      if (inverseNorms[v] === 0) continue;
      const a = Math.abs(dots[row + v] * inverseNorms[v]);
      if (ids.length === K && a <= abs[K - 1]) continue;
      let at = Math.min(ids.length, K - 1);
      while (at > 0 && abs[at - 1] < a) at--;
      ids.splice(at, 0, v);
      abs.splice(at, 0, a);
      if (ids.length > K) {
        ids.pop();
        abs.pop();
      }
    }
    out.push(ids.map((id) => ({ id, cosine: dots[row + id] * inverseNorms[id] })));
  }
  return out;
}

/**
 * A component's sign is arbitrary: flips each component (its row of `vectors` [k, D], in place) and its
 * words' cosines so that its first word has a positive cosine, the component pointing toward its top word.
 */
export function orientToTopWord(vectors: Float32Array, D: number, words: TopWord[][]): TopWord[][] {
  return words.map((list, j) => {
    if (list.length === 0 || list[0].cosine >= 0) return list;
    for (let d = 0; d < D; d++) vectors[j * D + d] = -vectors[j * D + d];
    return list.map((w) => ({ id: w.id, cosine: -w.cosine }));
  });
}
