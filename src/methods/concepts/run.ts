// Feed-forward concepts of one checkpoint, end to end (docs/ARCHITECTURE.md, method 3): per layer the leading principal
// components of W_down^T (src/methods/concepts/ffnConcepts.ts), then, for all layers' components in one product, the
// vocabulary words nearest each by |cosine| with the output embeddings, then offline labels. Only weights are
// read (src/arch/globalWeights.ts); no forward pass, no onnx graph of the model. The heavy steps run as
// small onnxruntime graphs (src/methods/concepts/kernels.ts) unless the caller passes other kernels.
//
// Which ids are words: every id the tokenizer has a token for, special tokens left out (a model's vocabulary
// may be padded beyond its tokenizer's: those rows are never words). A word is shown as its token decoded to
// text (" apple" for the byte-level "Ġapple" or SentencePiece "▁apple"), white space included.
//
// L layers, k components, K words a component, D model width, F feed-forward width, V vocabulary.
import { globalWeights } from '../../arch';
import type { GlobalWeights } from '../../arch/globalWeights';
import { labelConcept, type ConceptLabel } from './conceptLabels';
import {
  componentsOfScatters,
  mergeTopWords,
  neuronScatter,
  orientToTopWord,
  pooledNeuronScatter,
  topWordLists,
  type NeuronScatter,
  type ConceptKernels,
  type EigenSettings,
  type PrincipalComponents,
  type TopWord,
} from './ffnConcepts';
import { fail, LensFailure, ok, type Result } from '../../lensError';
import type { Checkpoint } from '../../runtime/checkpoint';
import type { CheckpointHandle } from '../../runtime/openCheckpoint';
import {
  chebyshevFilter,
  combineRows64,
  rowProducts64,
  rowsTimesSymmetric,
  scatterMatrix,
  topCosines,
} from './kernels';

/** The defaults of `concepts`, of compare's global comparison and of the extension's views. */
export const DEFAULT_CONCEPTS = { components: 10, top: 10 } as const;

export interface ConceptsOptions {
  readonly components: number; // k
  readonly top: number; // K
  /**
   * A mixture of experts' layers: the concepts of this expert's neurons alone; absent, of all the layer's
   * experts' neurons pooled (one PCA over their write vectors together).
   */
  readonly expert?: number;
  readonly threads?: number; // onnxruntime threads for the products
  readonly eigen?: EigenSettings;
  /** Layers whose eigensolvers run side by side (one kernel call a step for all); default: what 32 MiB of their
   * scatter matrices hold, all layers of a small model, one at D = 4096. */
  readonly groupLayers?: number;
  /** Rows of the output embeddings a words call (the table is read in pieces); default: 16 MiB of f32. */
  readonly pieceRows?: number;
  readonly onProgress?: (p: ConceptsProgress) => void;
  readonly signal?: AbortSignal;
}

export type ConceptsProgress =
  | { readonly stage: 'pca'; readonly done: number; readonly total: number }
  | { readonly stage: 'words' }
  | { readonly stage: 'labels'; readonly done: number; readonly total: number };

export interface ConceptWord {
  readonly id: number;
  readonly text: string; // the token decoded to text, e.g. " apple"
  readonly cosine: number; // cos(component, output embedding), signed; the list is ordered by |cosine|
}

export interface ConceptComponent {
  readonly index: number; // 0 = the leading component
  readonly variance: number; // λ: the covariance's eigenvalue
  readonly explainedRatio: number; // λ / trace(C)
  readonly words: readonly ConceptWord[];
  readonly label: ConceptLabel;
}

export interface LayerConcepts {
  readonly layer: number;
  /** A mixture-of-experts layer: its expert count and whose neurons the components are of; null for a dense block. */
  readonly experts: { readonly count: number; readonly of: 'pooled' | number } | null;
  readonly totalVariance: number; // trace(C)
  readonly components: readonly ConceptComponent[];
  /** [k, D], unit rows, component j in row j, signed to point toward its top word: for principal angles. */
  readonly vectors: Float32Array;
  readonly converged: boolean;
  readonly maxResidual: number; // max_j ‖C u_j − λ_j u_j‖ / λ_1
  readonly passes: number; // eigensolver filter passes
  readonly flops: number; // of this layer's products: covariance and eigensolver
  /**
   * This layer's PCA: weights read (what the read ahead left to wait for), means, covariance, and an equal share
   * of the eigensolver run it had with the layers of its group.
   */
  readonly seconds: number;
}

export interface ConceptsResult {
  readonly model: {
    readonly path: string;
    readonly architecture: string;
    readonly parameters: number;
    readonly hiddenSize: number;
    readonly intermediateSize: number;
    readonly numLayers: number;
    readonly vocabSize: number;
  };
  readonly components: number; // k
  readonly top: number; // K
  /** The expert asked for on a mixture's layers (ConceptsOptions.expert); absent: pooled. */
  readonly expert?: number;
  readonly candidateWords: number; // ids that can be words
  readonly layers: readonly LayerConcepts[];
  /** FLOPs of the products: covariances (L · 2 D² F), eigensolver (2 D² per product row), words (2 L k V D). */
  readonly flops: { readonly covariance: number; readonly eigensolver: number; readonly words: number };
  // seconds
  readonly timing: { readonly load: number; readonly pca: number; readonly words: number; readonly labels: number };
}

/** Values of the output embeddings a piece (the words step reads the table in pieces): 16 MiB of f32. */
const EMBEDDING_PIECE_VALUES = 1 << 22;
/**
 * Values of the scatter matrices [D, D] whose eigenpairs are computed side by side (32 MiB of f32): all layers of
 * a small model at once, where a call's overhead is a large part of its small products; at D = 4096, one.
 */
const GROUP_SCATTER_VALUES = 1 << 23;
/** W_down is read ahead into a second buffer up to this many values (64 MiB of f32); larger, one buffer. */
const PREFETCH_VALUES = 1 << 24;

/**
 * The buffers of a run: W_down (one or two, taking turns), two pieces of the output embeddings, and the scatter
 * matrices of a group of layers, end to end.
 */
interface ReadBuffers {
  readonly down: Float32Array[];
  readonly pieces: Float32Array[];
  readonly scatters: Float32Array;
}

/**
 * The last run's read buffers, kept for the next run for KEEP_BUFFERS_MS (tens of MiB: allocated afresh, they
 * cost page faults and the garbage collections that V8 runs on that much new external memory, measured
 * 5-10 ms at the start of each run), as the kernels' onnxruntime sessions keep their memory arenas. A run
 * takes them out while it uses them, so runs side by side never share one.
 */
let kept: { buffers: ReadBuffers; key: string; timer: NodeJS.Timeout } | undefined;
const KEEP_BUFFERS_MS = 30_000;

/** What buffers of these sizes are kept under: a run takes kept buffers only of its own sizes. */
const buffersKey = (downValues: number, downCount: number, pieceValues: number, scatterValues: number) =>
  `${downValues}x${downCount}|${pieceValues}|${scatterValues}`;

function takeBuffers(downValues: number, downCount: number, pieceValues: number, scatterValues: number): ReadBuffers {
  const key = buffersKey(downValues, downCount, pieceValues, scatterValues);
  const k = kept;
  kept = undefined;
  if (k) clearTimeout(k.timer);
  if (k && k.key === key) return k.buffers;
  return {
    down: Array.from({ length: downCount }, () => new Float32Array(downValues)),
    pieces: [new Float32Array(pieceValues), new Float32Array(pieceValues)],
    scatters: new Float32Array(scatterValues),
  };
}

function keepBuffers(buffers: ReadBuffers): void {
  if (kept) clearTimeout(kept.timer);
  const key = buffersKey(
    buffers.down[0].length,
    buffers.down.length,
    buffers.pieces[0].length,
    buffers.scatters.length,
  );
  const timer = setTimeout(() => {
    if (kept?.timer === timer) kept = undefined;
  }, KEEP_BUFFERS_MS);
  timer.unref();
  kept = { buffers, key, timer };
}

/**
 * A read started ahead of its use: its failure is reported where it is awaited, never as an unhandled rejection when
 * abandoned.
 */
function inFlight<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

const seconds = (since: number) => (performance.now() - since) / 1000;
const cancelled = () => fail('cancelled', 'the concepts computation was cancelled', 'Run it again when you are ready.');

/** Checks --components, --top and --expert against the model before any weight is read. */
export function checkConceptsOptions(
  checkpoint: Checkpoint,
  options: Pick<ConceptsOptions, 'components' | 'top' | 'expert'>,
): Result<{ candidates: number[] }> {
  const { hiddenSize: D, intermediateSize: F, moe } = checkpoint.config;
  if (options.expert !== undefined) {
    if (moe === null)
      return fail(
        'bad-argument',
        `expert ${options.expert} asked, but ${checkpoint.config.modelType} has no experts`,
        'Leave out --expert: it is for mixtures of experts (Mixtral, Qwen3-MoE).',
      );
    if (!Number.isInteger(options.expert) || options.expert < 0 || options.expert >= moe.experts)
      return fail(
        'bad-argument',
        `expert ${options.expert} asked, but the layers have experts 0 to ${moe.experts - 1}`,
        `Pass --expert 0 to ${moe.experts - 1}, or leave it out for all experts pooled.`,
      );
  }
  const k = options.components;
  if (!Number.isInteger(k) || k < 1)
    return fail(
      'bad-argument',
      `components must be a positive integer, got ${k}`,
      'Pass --components 1 or more (default 10).',
    );
  if (k > D)
    return fail(
      'bad-argument',
      `${k} components asked, but the model's d_model (hidden size) is ${D}: there are only ${D} principal components`,
      `Pass --components ${Math.min(D, 10)} (at most ${D}).`,
    );
  if (F < 2)
    return fail(
      'bad-config',
      `the model's feed-forward width is ${F}: PCA needs 2 rows of W_down^T or more`,
      'The checkpoint does not look like a transformer with a feed-forward block.',
    );
  const K = options.top;
  if (!Number.isInteger(K) || K < 1)
    return fail('bad-argument', `top must be a positive integer, got ${K}`, 'Pass --top 1 or more (default 10).');
  const candidates = candidateWords(checkpoint);
  if (K > candidates.length)
    return fail(
      'bad-argument',
      `${K} words a component asked, but the vocabulary has ${candidates.length} non-special tokens`,
      `Pass --top ${Math.min(candidates.length, 10)} (at most ${candidates.length}).`,
    );
  return ok({ candidates });
}

function candidateWords(checkpoint: Checkpoint): number[] {
  const { tokenizer, config } = checkpoint;
  const ids: number[] = [];
  const known = tokenizer.knownIds();
  for (let v = 0; v < config.vocabSize; v++) if (known[v] === 1 && !tokenizer.specialIds.has(v)) ids.push(v);
  return ids;
}

/** The kernels as onnxruntime graphs (src/methods/concepts/kernels.ts). */
export function onnxConceptKernels(threads?: number): ConceptKernels {
  return {
    scatter: (wDown, D, F, into) => scatterMatrix(wDown, D, F, { threads, ...(into ? { into } : {}) }),
    multiplyRows: (S, D, rows, n) => rowsTimesSymmetric(S, D, rows, n, threads),
    filterRows: (S, D, x, ax, n, steps) => chebyshevFilter(S, D, x, ax, n, steps, threads),
    // the float64 products are of 16-row blocks: on one thread, no pool to wake for a few microseconds' work
    dense: {
      rowProducts: (A, n, B, m, D, batch) => rowProducts64(A, n, B, m, D, batch, 1),
      combineRows: (C, m, X, n, D, batch) => combineRows64(C, m, X, n, D, batch, 1),
    },
    async topCosines(U, n, E, V, D, valid, K) {
      const top = await topCosines(U, n, E, V, D, valid, K, threads);
      return topWordLists(top.ids, top.cosines, top.scores, n, K);
    },
  };
}

export async function computeConcepts(
  checkpoint: Checkpoint,
  options: ConceptsOptions,
  kernels: ConceptKernels = onnxConceptKernels(options.threads),
): Promise<Result<ConceptsResult>> {
  const checked = checkConceptsOptions(checkpoint, options);
  if (!checked.ok) return checked;
  try {
    return await compute(
      checkpoint,
      globalWeights(checkpoint.config, checkpoint.weights),
      checked.value.candidates,
      options,
      kernels,
    );
  } catch (e) {
    if (e instanceof LensFailure) return { ok: false, error: e.error };
    throw e;
  }
}

async function compute(
  checkpoint: Checkpoint,
  weights: GlobalWeights,
  candidates: number[],
  options: ConceptsOptions,
  kernels: ConceptKernels,
): Promise<Result<ConceptsResult>> {
  const { config, tokenizer } = checkpoint;
  const { hiddenSize: D, intermediateSize: F, numLayers: L, vocabSize: V } = config;
  const k = options.components;
  const K = options.top;

  // per layer: the leading components of W_down^T
  const pcaStart = performance.now();
  // the scatters one layer at a time: onnxruntime-node runs each product synchronously on this thread (inside a
  // setImmediate), so layers side by side would not overlap their work, only interleave it. What does overlap
  // is reading: the next layer's W_down (and, during the last layer, the first piece of the output embeddings)
  // is read on libuv's thread pool while this one is computed, into buffers that take turns. The eigensolver,
  // whose products are small, runs for a group of layers at once: one call a step for all of them
  const pieceRows = Math.max(1, Math.min(V, options.pieceRows ?? Math.ceil(EMBEDDING_PIECE_VALUES / D)));
  // the layers' scatter matrices wait in groups for one eigensolver run side by side (componentsOfScatters)
  const groupSize = Math.min(L, Math.max(1, options.groupLayers ?? Math.floor(GROUP_SCATTER_VALUES / (D * D))));
  const buffers = takeBuffers(D * F, D * F <= PREFETCH_VALUES ? 2 : 1, pieceRows * D, groupSize * D * D);
  const { down: downBuffers, pieces } = buffers;
  const scatterInto = (slot: number) => buffers.scatters.subarray(slot * D * D, (slot + 1) * D * D);
  const readPiece = (index: number) => {
    const first = index * pieceRows;
    const E = pieces[index % 2].subarray(0, Math.min(pieceRows, V - first) * D);
    return inFlight(weights.readOutputEmbeddingRows(first, E).then(() => E));
  };
  const pcas: PrincipalComponents[] = [];
  const layerSeconds: number[] = [];
  // a mixture's layers read their experts one at a time into a buffer of their own; the dense layers (all of
  // them, but for qwen3_moe's mlp_only_layers) go through the read-ahead
  const denseAfter = (from: number) => {
    for (let l = from; l < L; l++) if (weights.experts(l) === null) return l;
    return -1;
  };
  let reads = 0;
  const readDense = (layer: number) =>
    layer < 0 ? undefined : inFlight(weights.readDownProjection(layer, downBuffers[reads++ % downBuffers.length]));
  let nextDown = readDense(denseAfter(0));
  let expertBuffer: Float32Array | undefined;
  let nextPiece: Promise<Float32Array> | undefined;
  let group: NeuronScatter[] = [];
  for (let layer = 0; layer < L; layer++) {
    if (options.signal?.aborted) return cancelled();
    options.onProgress?.({ stage: 'pca', done: layer, total: L });
    const layerStart = performance.now();
    const experts = weights.experts(layer);
    if (experts) {
      if (layer + 1 === L) nextPiece = readPiece(0);
      const buffer = (expertBuffer ??= new Float32Array(D * experts.width));
      const read = async (e: number) => (await weights.readExpertDownProjection(layer, e, buffer)).data;
      group.push(
        options.expert === undefined
          ? await pooledNeuronScatter(experts.count, read, D, experts.width, kernels, scatterInto(group.length))
          : await neuronScatter(await read(options.expert), D, experts.width, kernels, scatterInto(group.length)),
      );
    } else {
      const wDown = await nextDown!; // (D, F)
      const next = denseAfter(layer + 1);
      if (downBuffers.length === 2) nextDown = readDense(next);
      if (layer + 1 === L) nextPiece = readPiece(0);
      group.push(await neuronScatter(wDown.data, D, F, kernels, scatterInto(group.length)));
      if (downBuffers.length === 1) nextDown = readDense(next);
    }
    layerSeconds.push(seconds(layerStart));
    if (group.length === groupSize || layer + 1 === L) {
      const solveStart = performance.now();
      pcas.push(...(await componentsOfScatters(group, D, k, kernels, options.eigen)));
      // each layer of the group is given an equal share of the eigensolver's time
      const share = seconds(solveStart) / group.length;
      for (let l = layer + 1 - group.length; l <= layer; l++) layerSeconds[l] += share;
      group = [];
    }
  }
  if (options.signal?.aborted) return cancelled();
  options.onProgress?.({ stage: 'pca', done: L, total: L });
  const covarianceFlops = pcas.reduce((s, p) => s + p.flops.covariance, 0);
  const eigensolverFlops = pcas.reduce((s, p) => s + p.flops.eigensolver, 0);
  const pcaSeconds = seconds(pcaStart);

  // all layers' components against the vocabulary, (L k, D) x (D, V), and the top K of each row, piece by piece
  // of the table (a fresh array of the whole table cost more in page faults than the product), the next piece
  // read while this one is worked on
  options.onProgress?.({ stage: 'words' });
  const wordsStart = performance.now();
  const isCandidate = new Uint8Array(V);
  for (const v of candidates) isCandidate[v] = 1;
  const stacked = new Float32Array(L * k * D);
  pcas.forEach((p, l) => stacked.set(p.vectors, l * k * D));
  let allWords: TopWord[][] = [];
  const count = Math.ceil(V / pieceRows);
  for (let index = 0; index < count; index++) {
    const E = await nextPiece!;
    const first = index * pieceRows;
    const rows = E.length / D;
    if (index + 1 < count) nextPiece = readPiece(index + 1);
    const words = await kernels.topCosines(
      stacked,
      L * k,
      E,
      rows,
      D,
      isCandidate.slice(first, first + rows),
      Math.min(K, rows),
    );
    allWords = mergeTopWords(allWords, words, first, K);
  }
  const wordsSeconds = seconds(wordsStart);
  keepBuffers(buffers); // every read has been awaited: nothing writes into them any more
  if (options.signal?.aborted) return cancelled();

  const labelsStart = performance.now();
  const layers: LayerConcepts[] = pcas.map((pca, layer) => {
    options.onProgress?.({ stage: 'labels', done: layer, total: L });
    const vectors = pca.vectors.slice();
    const words = orientToTopWord(vectors, D, allWords.slice(layer * k, (layer + 1) * k));
    const components = words.map((list, j): ConceptComponent => {
      const shown = list.map((w) => ({ id: w.id, text: tokenizer.tokenText(w.id), cosine: w.cosine }));
      return {
        index: j,
        variance: pca.variances[j],
        explainedRatio: pca.ratios[j],
        words: shown,
        label: labelConcept(shown),
      };
    });
    const flops = pca.flops.covariance + pca.flops.eigensolver;
    const experts = weights.experts(layer);
    return {
      layer,
      experts: experts && { count: experts.count, of: options.expert ?? 'pooled' },
      totalVariance: pca.totalVariance,
      components,
      vectors,
      converged: pca.converged,
      maxResidual: Math.max(...pca.residuals),
      passes: pca.passes,
      flops,
      seconds: layerSeconds[layer],
    };
  });
  options.onProgress?.({ stage: 'labels', done: L, total: L });

  return ok({
    model: {
      path: checkpoint.dir,
      architecture: config.architecture,
      parameters: checkpoint.parameterCount,
      hiddenSize: D,
      intermediateSize: F,
      numLayers: L,
      vocabSize: V,
    },
    components: k,
    top: K,
    ...(options.expert === undefined ? {} : { expert: options.expert }),
    candidateWords: candidates.length,
    layers,
    flops: { covariance: covarianceFlops, eigensolver: eigensolverFlops, words: 2 * L * k * V * D },
    timing: { load: 0, pca: pcaSeconds, words: wordsSeconds, labels: seconds(labelsStart) },
  });
}

/**
 * The model's concepts, opening its checkpoint if no method has yet (headers, config, tokenizer: the weights are
 * read layer by layer).
 */
export async function conceptsFor(model: CheckpointHandle, options: ConceptsOptions): Promise<Result<ConceptsResult>> {
  const opened = await model.open();
  if (!opened.ok) return opened;
  const load = opened.value.seconds;
  const result = await computeConcepts(opened.value.checkpoint, options);
  if (!result.ok) return result;
  return ok({ ...result.value, timing: { ...result.value.timing, load } });
}

/** Layer `layer`'s components as unit rows [k, D] (for principal angles between two models' subspaces). */
export function componentRows(
  result: ConceptsResult,
  layer: number,
): { readonly rows: Float32Array; readonly count: number; readonly width: number } {
  const l = result.layers.find((x) => x.layer === layer);
  if (!l) throw new Error(`componentRows: no layer ${layer}`);
  return { rows: l.vectors, count: result.components, width: result.model.hiddenSize };
}
