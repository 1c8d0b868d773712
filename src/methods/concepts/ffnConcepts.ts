// Feed-forward concepts (docs/ARCHITECTURE.md, method 3; Wu et al., arXiv 2310.00492, section 5): per layer, principal
// component analysis of the rows of W_down^T (the columns of W_down), what each feed-forward neuron writes
// into the residual stream,
// and for each leading component the vocabulary words whose output embeddings point most along it.
//
//   rows x_i, i < F, centred: x_i − mean; covariance C = Σ x_i x_i^T / (F − 1)   (D x D)
//   component j: the j-th eigenvector u_j of C; explained-variance ratio λ_j / trace(C)
//   words of u_j: the K vocabulary ids v with the largest |cos(u_j, e_v)|, e_v a row of the output embeddings
//
// The heavy steps (the scatter matrix from the centred rows, the eigensolver's products with it, components
// x vocabulary and the top K of each row) go through the caller's ConceptKernels (onnxruntime in the engine,
// src/methods/concepts/kernels.ts), as docs/ARCHITECTURE.md asks of src/explain; kernelsFromMatmul below builds
// them from a plain X W^T product and the loops here, the reference the fast ones are tested against. Only the leading
// components are computed (topEigenpairs.ts). The naive reference (plain loops and a full eigendecomposition)
// lives in test/methods/concepts/ffnConcepts.test.ts.
//
// F feed-forward width (d_ff), D model width (d_model), V vocabulary, k components, K words a component.
import {
  filterBatchByProducts,
  topEigenpairsBatch,
  type DenseProducts,
  type FilterBatch,
  type TopEigenOptions,
} from './topEigenpairs';

/** Y = X W^T for row-major X [n, k] and W [m, k]; Y [n, m] row-major (src/runtime/matmulSession.ts). */
export type MatmulTransposed = (
  x: Float32Array,
  n: number,
  w: Float32Array,
  m: number,
  k: number,
) => Promise<Float32Array>;

export interface TopWord {
  readonly id: number;
  readonly cosine: number; // cos(u_j, e_v), signed
}

export interface Scatter {
  readonly scatter: Float32Array; // [D, D]
  readonly means: Float32Array; // [D]
}

/** The method's heavy steps, run where the caller runs them. */
export interface ConceptKernels {
  /**
   * S = X_c X_c^T [D, D]: W_down [D, F] with each row's mean over the neurons removed, written into `into` when
   * given (the result's scatter is then `into`); and those means [D].
   */
  scatter(wDown: Float32Array, D: number, F: number, into?: Float32Array): Promise<Scatter>;
  /**
   * X_p S_p [b, n, D] for rows X [b, n, D] and b symmetric S_p, S [b, D, D] stacked (b = 1: X S for one S [D, D]).
   */
  multiplyRows(S: Float32Array, D: number, rows: Float32Array, n: number): Promise<Float32Array>;
  /**
   * A whole filter pass of the eigensolver for each S_p of S [b, D, D] (topEigenpairs.ts FilterBatch: x, ax
   * [b, n, D], steps [b, degree, 3]); without it, multiplyRows calls.
   */
  filterRows?(
    S: Float32Array,
    D: number,
    x: Float32Array,
    ax: Float32Array,
    n: number,
    steps: Float64Array,
  ): Promise<Float32Array>;
  /** The eigensolver's float64 block products (topEigenpairs.ts); without them, its loops. */
  readonly dense?: DenseProducts;
  /**
   * For each unit row of U [n, D], the K ids v with `valid[v]` = 1 and the largest |cos(u, e_v)| over the rows
   * of E [V, D] (zero rows never chosen), ordered by |cosine| descending, then id (topWordsByCosine).
   */
  topCosines(
    U: Float32Array,
    n: number,
    E: Float32Array,
    V: number,
    D: number,
    valid: Uint8Array,
    K: number,
  ): Promise<TopWord[][]>;
}

/** The kernels from a plain X W^T product and the loops of this file: the reference for fast ones. */
export function kernelsFromMatmul(matmul: MatmulTransposed): ConceptKernels {
  return {
    async scatter(wDown, D, F, into) {
      const means = new Float32Array(neuronMeans(wDown, D, F).means);
      const centred = subtractMeans(wDown, D, F, means);
      const scatter = await matmul(centred, D, centred, D, F); // X_c X_c^T: (D, F) x (F, D)
      if (into) into.set(scatter);
      return { scatter: into ?? scatter, means };
    },
    // rows times the symmetric S, X S = (S X^T)^T: S goes in as the left operand, which the Gemm reads as it is;
    // a batch, one S after another
    async multiplyRows(S, D, rows, n) {
      const out = new Float32Array(rows.length);
      for (let b = 0; b < S.length / (D * D); b++) {
        const Sb = S.subarray(b * D * D, (b + 1) * D * D);
        const product = await matmul(Sb, D, rows.subarray(b * n * D, (b + 1) * n * D), n, D);
        out.set(transposeRows(product, D, n), b * n * D);
      }
      return out;
    },
    async topCosines(U, n, E, V, D, valid, K) {
      const inverseNorms = inverseRowNorms(E, V, D, (v) => valid[v] === 1);
      return topWordsByCosine(await matmul(U, n, E, V, D), n, V, inverseNorms, K);
    },
  };
}

export interface CentredNeurons {
  /**
   * [D, F]: W_down with each row's mean over the neurons removed, i.e. X_c^T, the operand layout X W^T needs for X_c^T
   * X_c.
   */
  readonly centred: Float32Array;
  /** trace(C) = Σ ‖x_i − mean‖² / (F − 1), summed in float64. */
  readonly totalVariance: number;
}

export interface NeuronMeans {
  /** [D]: coordinate d's mean over the F neurons, float64. */
  readonly means: Float64Array;
  /** trace(C) = Σ ‖x_i − mean‖² / (F − 1), summed in float64. */
  readonly totalVariance: number;
}

/** The neurons' mean write vector and the total variance around it, from W_down [D, F]: two reads, no copy. */
export function neuronMeans(wDown: Readonly<Float32Array>, D: number, F: number): NeuronMeans {
  if (wDown.length !== D * F) throw new Error(`neuronMeans: ${wDown.length} values for [${D}, ${F}]`);
  if (F < 2) throw new Error(`neuronMeans: a covariance needs 2 neurons or more, got ${F}`);
  const means = new Float64Array(D);
  let sumSquares = 0;
  // one pass: Σx and Σx² in float64, Σ(x − mean)² = Σx² − F mean² (the cancellation costs digits only when
  // the mean is orders of magnitude above the spread); four partial sums each, as one sum is a chain of
  // dependent adds, each waiting for the last
  const f4 = F - (F % 4);
  for (let d = 0; d < D; d++) {
    const row = d * F;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    let q3 = 0;
    for (let f = row; f < row + f4; f += 4) {
      const v0 = wDown[f];
      const v1 = wDown[f + 1];
      const v2 = wDown[f + 2];
      const v3 = wDown[f + 3];
      s0 += v0;
      s1 += v1;
      s2 += v2;
      s3 += v3;
      q0 += v0 * v0;
      q1 += v1 * v1;
      q2 += v2 * v2;
      q3 += v3 * v3;
    }
    for (let f = row + f4; f < row + F; f++) {
      s0 += wDown[f];
      q0 += wDown[f] * wDown[f];
    }
    const mean = (s0 + s1 + (s2 + s3)) / F;
    means[d] = mean;
    sumSquares += Math.max(0, q0 + q1 + (q2 + q3) - F * mean * mean);
  }
  return { means, totalVariance: sumSquares / (F - 1) };
}

/**
 * Centres the neurons' write vectors, given as the columns of W_down [D, F] (as nn.Linear stores it, see
 * globalWeights.downProjection): subtracts from each row d the mean over the F neurons of coordinate d.
 */
export function centreNeurons(wDown: Readonly<Float32Array>, D: number, F: number): CentredNeurons {
  const { means, totalVariance } = neuronMeans(wDown, D, F);
  return { centred: subtractMeans(wDown, D, F, means), totalVariance };
}

/** W_down [D, F] with each row d less means[d]. */
function subtractMeans(
  wDown: Readonly<Float32Array>,
  D: number,
  F: number,
  means: Readonly<Float64Array | Float32Array>,
): Float32Array {
  const centred = new Float32Array(D * F);
  for (let d = 0; d < D; d++) for (let f = 0; f < F; f++) centred[d * F + f] = wDown[d * F + f] - means[d];
  return centred;
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

export type EigenSettings = Omit<TopEigenOptions, 'count' | 'filter' | 'dense'>;

/**
 * The start of the eigensolver: the rows of S at its B largest diagonal entries (the coordinates of most
 * variance), S e_i, which is one step of the power method from those coordinates, for free.
 */
export function startRows(S: Readonly<Float32Array>, D: number, B: number): Float32Array {
  const order = Array.from({ length: D }, (_, i) => i).sort((a, b) => S[b * D + b] - S[a * D + a] || a - b);
  const out = new Float32Array(Math.min(B, D) * D);
  for (let r = 0; r < Math.min(B, D); r++) out.set(S.subarray(order[r] * D, (order[r] + 1) * D), r * D);
  return out;
}

/** The scatter matrix of a set of write vectors, ready for the eigensolver. */
export interface NeuronScatter {
  readonly scatter: Float32Array; // [D, D]: Σ (x_i − mean)(x_i − mean)^T
  readonly rows: number; // how many write vectors (neurons)
  readonly totalVariance: number; // trace(C) = trace(S) / (rows − 1)
}

/** The scatter matrix of the F neurons' write vectors, the columns of W_down [D, F], into `into` [D, D] if given. */
export async function neuronScatter(
  wDown: Float32Array,
  D: number,
  F: number,
  kernels: ConceptKernels,
  into?: Float32Array,
): Promise<NeuronScatter> {
  if (wDown.length !== D * F) throw new Error(`neuronScatter: ${wDown.length} values for [${D}, ${F}]`);
  if (F < 2) throw new Error(`neuronScatter: a covariance needs 2 neurons or more, got ${F}`);
  // Σ x_i x_i^T = X_c^T X_c: (D, F) x (F, D); the 1 / (F − 1) is applied to the eigenvalues instead of S
  const { scatter } = await kernels.scatter(wDown, D, F, into);
  return { scatter, rows: F, totalVariance: trace(scatter, D) / (F - 1) };
}

/** The k leading principal components of the F neurons' write vectors, the columns of W_down [D, F]. */
export async function principalComponents(
  wDown: Float32Array,
  D: number,
  F: number,
  k: number,
  kernels: ConceptKernels,
  eigen: EigenSettings = {},
): Promise<PrincipalComponents> {
  const [one] = await componentsOfScatters([await neuronScatter(wDown, D, F, kernels)], D, k, kernels, eigen);
  return one;
}

/** Σ_d S[d, d]. */
function trace(S: Readonly<Float32Array | Float64Array>, D: number): number {
  let t = 0;
  for (let d = 0; d < D; d++) t += S[d * D + d];
  return t;
}

/**
 * The scatter matrix of the neurons of several feed-forward blocks together (a layer's experts, pooled), each
 * part W_down [D, F] read in turn by `read(p)` (into a buffer it may reuse): the pooled scatter is each part's
 * about its own mean plus F (μ_p − μ)(μ_p − μ)^T, so no part waits for another's rows. Into `into` [D, D] if
 * given.
 */
export async function pooledNeuronScatter(
  parts: number,
  read: (part: number) => Promise<Float32Array>,
  D: number,
  F: number,
  kernels: ConceptKernels,
  into?: Float32Array,
): Promise<NeuronScatter> {
  const scatter = new Float64Array(D * D);
  const partMeans: Float64Array[] = [];
  for (let p = 0; p < parts; p++) {
    const part = await kernels.scatter(await read(p), D, F);
    for (let i = 0; i < D * D; i++) scatter[i] += part.scatter[i];
    partMeans.push(Float64Array.from(part.means));
  }
  const mean = new Float64Array(D);
  for (const m of partMeans) for (let d = 0; d < D; d++) mean[d] += m[d] / parts;
  for (const m of partMeans) {
    for (let a = 0; a < D; a++) {
      const da = m[a] - mean[a];
      for (let b = 0; b < D; b++) scatter[a * D + b] += F * da * (m[b] - mean[b]);
    }
  }
  const N = parts * F;
  const out = into ?? new Float32Array(D * D);
  out.set(scatter);
  return { scatter: out, rows: N, totalVariance: trace(scatter, D) / (N - 1) };
}

/** The k leading principal components of several feed-forward blocks' neurons pooled (pooledNeuronScatter). */
export async function pooledPrincipalComponents(
  parts: number,
  read: (part: number) => Promise<Float32Array>,
  D: number,
  F: number,
  k: number,
  kernels: ConceptKernels,
  eigen: EigenSettings = {},
): Promise<PrincipalComponents> {
  const scatter = await pooledNeuronScatter(parts, read, D, F, kernels);
  const [one] = await componentsOfScatters([scatter], D, k, kernels, eigen);
  return one;
}

/**
 * The k leading principal components of each scatter matrix: its leading eigenpairs, all of them solved side by
 * side (topEigenpairsBatch), each kernel call serving every matrix not yet converged.
 */
export async function componentsOfScatters(
  scatters: readonly NeuronScatter[],
  D: number,
  k: number,
  kernels: ConceptKernels,
  eigen: EigenSettings = {},
): Promise<PrincipalComponents[]> {
  const B = Math.min(D, Math.max(k, eigen.blockSize ?? k + Math.max(Math.ceil(k / 2), 6)));
  const operators = stackedOperators(scatters, D);
  const fast = kernels.filterRows;
  const multiply = (x: Float32Array, n: number, problems: readonly number[]) =>
    kernels.multiplyRows(operators(problems), D, x, n);
  const filter: FilterBatch = fast
    ? (x, ax, n, steps, problems) => fast(operators(problems), D, x, ax, n, steps)
    : filterBatchByProducts(multiply, D);
  const pairs = await topEigenpairsBatch(multiply, D, scatters.length, {
    starts: scatters.map((s) => startRows(s.scatter, D, B)),
    ...eigen,
    blockSize: B,
    count: k,
    filter,
    ...(kernels.dense ? { dense: kernels.dense } : {}),
  });
  return pairs.map((p, i) => {
    const { rows, totalVariance } = scatters[i];
    const variances = p.values.map((v) => Math.max(0, v) / (rows - 1));
    return {
      count: k,
      variances,
      ratios: variances.map((v) => (totalVariance > 0 ? v / totalVariance : 0)),
      totalVariance,
      vectors: p.vectors,
      residuals: p.residuals,
      converged: p.converged,
      passes: p.passes,
      flops: { covariance: 2 * D * D * rows, eigensolver: 2 * D * D * p.productRows },
    };
  });
}

/**
 * The scatter matrices of the problems asked for, end to end [b, D, D]: all of them as they lie when they lie end
 * to end in one buffer (the caller wrote them there), else stacked once; a subset (as problems converge) packed
 * once and kept until the subset changes.
 */
function stackedOperators(
  scatters: readonly NeuronScatter[],
  D: number,
): (problems: readonly number[]) => Float32Array {
  const size = D * D;
  const pack = (problems: readonly number[]) => {
    if (problems.length === 1) return scatters[problems[0]].scatter;
    const out = new Float32Array(problems.length * size);
    problems.forEach((p, i) => out.set(scatters[p].scatter, i * size));
    return out;
  };
  const first = scatters[0].scatter;
  const adjacent = scatters.every(
    ({ scatter: s }, i) =>
      s.buffer === first.buffer && s.length === size && s.byteOffset === first.byteOffset + i * size * 4,
  );
  let all: Float32Array | undefined;
  let subset: { key: string; stacked: Float32Array } | undefined;
  return (problems) => {
    // the problems come in order: all of them are 0 .. b − 1
    if (problems.length === scatters.length)
      return (all ??= adjacent
        ? new Float32Array(first.buffer, first.byteOffset, scatters.length * size)
        : pack(problems));
    const key = problems.join(',');
    if (subset?.key !== key) subset = { key, stacked: pack(problems) };
    return subset.stacked;
  };
}

/** The transpose of a row-major [rows, cols] matrix. */
function transposeRows(m: Readonly<Float32Array>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/** [V]: 1 / ‖e_v‖ for the rows that take part (`include[v]`), 0 for the others and for zero rows. */
export function inverseRowNorms(
  table: Readonly<Float32Array>,
  V: number,
  D: number,
  include: (v: number) => boolean,
): Float32Array {
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

/**
 * For each of the n rows of `dots` [n, V] (unit component · e_v), the K ids with the largest |cosine|,
 * cosine = dot / ‖e_v‖ (`inverseNorms`, 0 leaves an id out), ordered by |cosine| descending, then id.
 */
export function topWordsByCosine(
  dots: Readonly<Float32Array>,
  n: number,
  V: number,
  inverseNorms: Readonly<Float32Array>,
  K: number,
): TopWord[][] {
  if (dots.length !== n * V || inverseNorms.length !== V)
    throw new Error(`topWordsByCosine: ${dots.length} dots for [${n}, ${V}], ${inverseNorms.length} norms`);
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

/** Lists from a top-K kernel's [n, K] ids, cosines and scores (|cosine|; −1 marks a slot no id could fill). */
export function topWordLists(
  ids: ArrayLike<number | bigint>,
  cosines: ArrayLike<number>,
  scores: ArrayLike<number>,
  n: number,
  K: number,
): TopWord[][] {
  if (ids.length !== n * K || cosines.length !== n * K || scores.length !== n * K)
    throw new Error(
      `topWordLists: ${ids.length} ids, ${cosines.length} cosines, ${scores.length} scores for [${n}, ${K}]`,
    );
  return Array.from({ length: n }, (_, r) => {
    const list: TopWord[] = [];
    for (let j = r * K; j < (r + 1) * K; j++) if (scores[j] >= 0) list.push({ id: Number(ids[j]), cosine: cosines[j] });
    return list;
  });
}

/**
 * The top K of each row over two parts of the vocabulary: `best` (ids as they are; [] for none yet) and
 * `next`, whose ids count from `offset`. Ordered by |cosine| descending, then id, as topWordsByCosine.
 */
export function mergeTopWords(
  best: readonly TopWord[][],
  next: readonly TopWord[][],
  offset: number,
  K: number,
): TopWord[][] {
  return next.map((list, r) =>
    [...(best[r] ?? []), ...list.map((w) => ({ id: w.id + offset, cosine: w.cosine }))]
      .sort((a, b) => Math.abs(b.cosine) - Math.abs(a.cosine) || a.id - b.id)
      .slice(0, K),
  );
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
