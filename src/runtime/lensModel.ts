// A loaded checkpoint ready to run: its ONNX model (built from src/arch with src/graph), one onnxruntime
// session, greedy generation with a KV cache, and the attribution run.
//
// N prompt tokens, M response tokens, T = N + M - 1 tokens fed to the attribution, V vocabulary.
import { relative } from 'node:path';
import { familyOf } from '../arch';
import { emitModel, Graph } from '../graph';
import { fail, LensFailure, ok, type Result } from '../lensError';
import type { Checkpoint } from './checkpoint';
import { readRows, type TensorInfo } from '../model/safetensors';
import { checkpointWeights, findTensor } from './checkpointWeights';
import { attributionBatches, chainRows } from './attributionBatches';
import { attributionFeeds, buildLensGraph, LENS_IO, stepFeeds, type LensGraph } from './lensGraph';
import { createSession, i64, ort, type Feeds } from './onnxSession';

export interface LoadOptions {
  /** float64 runs the whole model in double precision (tests); float32 is the product's default. */
  readonly computeDtype?: 'float32' | 'float64';
  readonly threads?: number;
  /**
   * Most response tokens per vectorised backward pass: fewer use less memory and cost one forward pass more per batch.
   */
  readonly attributionBatch?: number;
  /** Backward chains per attribution batch (LensGraphOptions.backwardChains). */
  readonly backwardChains?: number;
  /** Most bytes of one widened block of a 16-bit LM head (tests: small values force several blocks). */
  readonly widenBlockBytes?: number;
}

export interface Attribution {
  readonly probabilities: Float64Array; // (M)
  readonly attribution: Float64Array; // (N, M) row-major
  /** False when `signal` stopped the run between batches: the columns not reached are zero. */
  readonly complete: boolean;
}

/**
 * Default for the most response tokens whose backward passes run in one batch: it bounds activation memory
 * (measured on a 58M llama, 160 tokens: +75 MiB at 8 against +192 MiB at 32) for one forward pass more per
 * batch (about +10% FLOPs at 32 response tokens).
 */
export const ATTRIBUTION_BATCH = 8;

/**
 * Default for the backward chains per batch: each batch's forward pass is shared, its backward pass runs in
 * two chains of half the tokens, one after the other, which halves the activations that scale with the
 * tokens (measured on the same 58M llama in bf16: peak -10 MiB) for no more FLOPs; 16-bit weights are
 * widened once more per chain.
 */
export const BACKWARD_CHAINS = 2;

/**
 * For a GGUF file, one chain: a chain widens every block-quantized weight again, which costs about as much
 * time as the chain's products and keeps an If subgraph per weight in the session.
 */
export const GGUF_BACKWARD_CHAINS = 1;

export class LensModel {
  private constructor(
    readonly checkpoint: Checkpoint,
    private readonly session: ort.InferenceSession,
    private readonly computeDtype: 'float32' | 'float64',
    private readonly attributionBatch: number,
    private readonly backwardChains: number,
    private readonly embeddingTable: TensorInfo,
  ) {}

  static async load(checkpoint: Checkpoint, options: LoadOptions = {}): Promise<Result<LensModel>> {
    const computeDtype = options.computeDtype ?? 'float32';
    let built: ReturnType<typeof buildModel>;
    try {
      built = buildModel(checkpoint, computeDtype, options);
    } catch (e) {
      if (e instanceof LensFailure) return { ok: false, error: e.error };
      throw e;
    }
    try {
      // external data is resolved inside the checkpoint folder: the weights are mapped from the user's files
      const session = await createSession(built.bytes, {
        threads: options.threads,
        externalDataFolder: checkpoint.weightsFolder,
        optimization: computeDtype === 'float64' ? 'basic' : 'all',
      });
      return ok(
        new LensModel(
          checkpoint,
          session,
          computeDtype,
          options.attributionBatch ?? ATTRIBUTION_BATCH,
          built.backwardChains,
          built.embeddingTable,
        ),
      );
    } catch (e) {
      return fail(
        'runtime-failure',
        `onnxruntime could not load the model built for ${checkpoint.dir}: ${(e as Error).message}`,
        "Report this with the checkpoint's config.json: it is a bug in Instruction Lens.",
      );
    }
  }

  get config() {
    return this.checkpoint.config;
  }

  /** Whether the rotation depends on the sequence's length (the attribution feeds it the whole length). */
  private get longrope(): boolean {
    return this.config.ropeScaling?.type === 'longrope';
  }

  dispose(): void {
    void this.session.release();
  }

  private floats(data: ArrayLike<number> | number, dims: readonly number[]): ort.Tensor {
    const n = dims.reduce((a, b) => a * b, 1);
    const Ctor = this.computeDtype === 'float64' ? Float64Array : Float32Array;
    const array = typeof data === 'number' ? new Ctor(n) : Ctor.from(data);
    return new ort.Tensor(this.computeDtype, array, dims);
  }

  /** The token embeddings of `ids`, (1, ids.length, D), read from the checkpoint file. */
  private embeds(ids: readonly number[]): ort.Tensor {
    const D = this.config.hiddenSize;
    const data = this.computeDtype === 'float64' ? new Float64Array(ids.length * D) : new Float32Array(ids.length * D);
    readRows(this.embeddingTable, ids, data);
    return new ort.Tensor(this.computeDtype, data, [1, ids.length, D]);
  }

  /** The first `count` positions of (1, S, D) embeddings, sharing their data. */
  private firstPositions(embeds: ort.Tensor, count: number): ort.Tensor {
    const D = this.config.hiddenSize;
    return new ort.Tensor(this.computeDtype, (embeds.data as Float32Array | Float64Array).subarray(0, count * D), [
      1,
      count,
      D,
    ]);
  }

  /** A step's inputs for `ids` at positions from `first`, with each layer's cache as given. */
  private stepInputs(
    ids: readonly number[],
    first: number,
    pastKeys: readonly ort.Tensor[],
    pastValues: readonly ort.Tensor[],
  ): Feeds {
    return stepFeeds({
      embeds: this.embeds(ids),
      positions: i64(
        ids.map((_, i) => first + i),
        [ids.length],
      ),
      pastKeys,
      pastValues,
    });
  }

  /** An empty cache: a (1, 0, Hkv, Dh) tensor a layer. */
  private emptyCache(): ort.Tensor[] {
    const { numLayers, numKvHeads, headDim } = this.config;
    return Array.from({ length: numLayers }, () => this.floats(0, [1, 0, numKvHeads, headDim]));
  }

  /** The step left idle (S = P = 0), for an attribution run. */
  private emptyStep(): Feeds {
    return stepFeeds({
      embeds: this.floats(0, [1, 0, this.config.hiddenSize]),
      positions: i64([], [0]),
      pastKeys: this.emptyCache(),
      pastValues: this.emptyCache(),
    });
  }

  /** One forward pass over `ids` from position 0 without a cache, the attribution off. */
  private forwardOnly(ids: readonly number[]): Feeds {
    return { ...this.stepInputs(ids, 0, this.emptyCache(), this.emptyCache()), ...this.emptyAttribution() };
  }

  private emptyAttribution(): Feeds {
    return attributionFeeds({
      run: new ort.Tensor('bool', [false], []),
      embeds: this.floats(0, [1, 0, this.config.hiddenSize]),
      positions: i64([], [0]),
      select: this.floats(0, [0, 0]),
      targets: this.floats(0, [0, this.config.vocabSize]),
      chains: this.backwardChains > 1 ? Array.from({ length: this.backwardChains }, () => this.floats(0, [0, 0])) : [],
      ...(this.longrope ? { ropeLength: i64([0], [1]) } : {}),
    });
  }

  /**
   * Greedy decoding with a KV cache: the prompt in one step, then one token per step. Stops at an EOS id,
   * after maxNewTokens, or at the model's context length. onToken may return false to stop early.
   */
  async generate(
    promptIds: readonly number[],
    maxNewTokens: number,
    onToken?: (id: number, done: number) => boolean | void,
  ): Promise<number[]> {
    const { numLayers, numKvHeads, headDim, maxPositions, eosTokenIds } = this.config;
    const out: number[] = [];
    const idle = this.emptyAttribution();
    // the cache: one position-major buffer per layer for keys and one for values, filled as positions are
    // computed and fed as a view of the filled part; room for every position a step can compute (the
    // prompt and every generated token but the last, which is never fed back)
    const row = numKvHeads * headDim;
    const capacity = Math.max(0, Math.min(promptIds.length + maxNewTokens - 1, maxPositions - 1)) * row;
    const Ctor = this.computeDtype === 'float64' ? Float64Array : Float32Array;
    const keys = Array.from({ length: numLayers }, () => new Ctor(capacity));
    const values = Array.from({ length: numLayers }, () => new Ctor(capacity));
    let tokens = [...promptIds];
    let position = 0;
    // prompt and response together stay within the context, as transformers' generate keeps them within
    // max_length: the whole sequence can then be explained again, or its attention maps computed
    while (out.length < maxNewTokens && position + tokens.length < maxPositions) {
      const filled = (cache: Float32Array | Float64Array) =>
        new ort.Tensor(this.computeDtype, cache.subarray(0, position * row), [1, position, numKvHeads, headDim]);
      const feeds: Feeds = { ...this.stepInputs(tokens, position, keys.map(filled), values.map(filled)), ...idle };
      // the argmax, not the logits (a vocabulary-sized array per token), comes back; the new positions'
      // keys and values are written by the runtime straight into their place in the cache
      const fetches: Record<string, ort.Tensor | null> = { [LENS_IO.nextId]: null };
      const rows = (cache: Float32Array | Float64Array) =>
        new ort.Tensor(this.computeDtype, cache.subarray(position * row, (position + tokens.length) * row), [
          1,
          tokens.length,
          numKvHeads,
          headDim,
        ]);
      for (let i = 0; i < numLayers; i++) {
        fetches[LENS_IO.newKey(i)] = rows(keys[i]);
        fetches[LENS_IO.newValue(i)] = rows(values[i]);
      }
      const result = await this.session.run(feeds, fetches);
      const next = Number((result[LENS_IO.nextId].data as BigInt64Array)[0]);
      out.push(next);
      if (onToken?.(next, out.length) === false || eosTokenIds.includes(next)) break;
      position += tokens.length;
      tokens = [next];
    }
    return out;
  }

  /**
   * Attention probabilities of every layer over `ids` (one forward pass, no cache): per layer a (H, T, T)
   * array, row = query position, query head h reading key/value head floor(h / G).
   */
  async attention(ids: readonly number[]): Promise<Float32Array[]> {
    const { numLayers } = this.config;
    const names = Array.from({ length: numLayers }, (_, i) => LENS_IO.attention(i));
    const result = await this.session.run(this.forwardOnly(ids), names);
    // (1, Hkv, G, T, T) is (H, T, T) in memory: query head h = kv * G + g
    return names.map((name) => Float32Array.from(result[name].data as Float32Array | Float64Array));
  }

  /** Logits of the next token after `ids` (no cache): for tests and the KV-cache benchmark's baseline. */
  async nextLogits(ids: readonly number[]): Promise<Float32Array | Float64Array> {
    return (await this.session.run(this.forwardOnly(ids), [LENS_IO.logits]))[LENS_IO.logits].data as
      Float32Array | Float64Array;
  }

  /**
   * p(y_m | x, y_<m) and A[n, m] = Σ_d ∂p(y_m)/∂E[n, d] · E[n, d] for every prompt token n and response token m:
   * per batch of response tokens, one forward pass and one backward pass vectorised over the batch.
   * An aborted `signal` stops the run before its next batch (a cancelled explanation frees the worker
   * within one batch, not at the end).
   */
  async attribute(
    promptIds: readonly number[],
    responseIds: readonly number[],
    onBatch?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<Attribution> {
    const N = promptIds.length;
    const M = responseIds.length;
    const V = this.config.vocabSize;
    const probabilities = new Float64Array(M);
    const attribution = new Float64Array(N * M);
    if (M === 0) return { probabilities, attribution, complete: true };
    const ids = [...promptIds, ...responseIds.slice(0, -1)];
    const embeds = this.embeds(ids);
    const batches = attributionBatches(N, M, this.attributionBatch);
    const chains = this.backwardChains;
    const Ctor = this.computeDtype === 'float64' ? Float64Array : Float32Array;
    // one-hot targets, (count, V): one buffer for every batch (it is big enough for garbage to matter)
    const targets = new Ctor(Math.max(...batches.map((b) => b.count)) * V);
    for (const { first: m0, count, T } of batches) {
      if (signal?.aborted) return { probabilities, attribution, complete: false };
      const select = new Ctor(count * T);
      targets.fill(0);
      for (let j = 0; j < count; j++) {
        select[j * T + (N - 1 + m0 + j)] = 1; // the position whose logits predict y_m
        targets[j * V + responseIds[m0 + j]] = 1;
      }
      // the rows of each backward chain: equal shares; with fewer rows than chains, the last row repeats
      const rowsOf = chainRows(count, chains);
      const chainInputs = (chains > 1 ? rowsOf : []).map((rows) => {
        const chain = new Ctor(rows.length * count);
        rows.forEach((r, j) => (chain[j * count + r] = 1));
        return new ort.Tensor(this.computeDtype, chain, [rows.length, count]);
      });
      const feeds: Feeds = {
        ...this.emptyStep(),
        ...attributionFeeds({
          run: new ort.Tensor('bool', [true], []),
          embeds: this.firstPositions(embeds, T),
          positions: i64(
            ids.slice(0, T).map((_, i) => i),
            [T],
          ),
          select: new ort.Tensor(this.computeDtype, select, [count, T]),
          targets: new ort.Tensor(this.computeDtype, targets.subarray(0, count * V), [count, V]),
          chains: chainInputs,
          // longrope: every batch rotates as the whole sequence (prompt and response but its last token) does
          ...(this.longrope ? { ropeLength: i64([ids.length], [1]) } : {}),
        }),
      };
      const names = chains === 1 ? [LENS_IO.attribution] : rowsOf.map((_, k) => LENS_IO.attributionChain(k));
      const result = await this.session.run(feeds, [LENS_IO.probabilities, ...names]);
      const p = result[LENS_IO.probabilities].data as Float32Array | Float64Array;
      for (let j = 0; j < count; j++) probabilities[m0 + j] = p[j];
      rowsOf.forEach((rows, k) => {
        const a = result[names[k]].data as Float32Array | Float64Array; // (rows, 1, T)
        rows.forEach((r, j) => {
          for (let n = 0; n < N; n++) attribution[n * M + m0 + r] = a[j * T + n];
        });
      });
      onBatch?.(m0 + count, M);
    }
    return { probabilities, attribution, complete: true };
  }
}

/**
 * The ONNX model's bytes. A function of its own so that the graph under construction (many small objects)
 * is garbage before the session is created: held across that await it would survive young-generation
 * collections, which makes V8 grow its young generation for the rest of the run.
 */
function buildModel(
  checkpoint: Checkpoint,
  computeDtype: 'float32' | 'float64',
  options: LoadOptions,
): { bytes: Uint8Array; embeddingTable: TensorInfo; backwardChains: number } {
  const { graph, lens, embeddingTable, backwardChains } = lensGraphFor(checkpoint, computeDtype, options);
  // 16-bit and GGUF weights are listed as inputs too, so onnxruntime keeps them as stored instead of folding
  // their widening into f32 copies
  const widened =
    graph.weights.some((w) => w.dtype === 'float16' || w.dtype === 'bfloat16' || w.dtype === 'uint8') ||
    checkpoint.weightsFolder !== checkpoint.dir;
  return {
    bytes: emitModel(
      graph,
      lens.outputs,
      { externalLocation: (file) => relative(checkpoint.weightsFolder, file), weightsAsInputs: widened },
      lens.attribution,
    ),
    embeddingTable: findTensor(checkpoint.weights, embeddingTable),
    backwardChains,
  };
}

/** The graph LensModel runs for a checkpoint (in the DSL, nothing emitted or read): the cost estimate counts it too. */
export function lensGraphFor(
  checkpoint: Checkpoint,
  computeDtype: 'float32' | 'float64',
  options: LoadOptions = {},
): { graph: Graph; lens: LensGraph; embeddingTable: string; backwardChains: number } {
  const builder = familyOf(checkpoint.config.modelType).build;
  const graph = new Graph(computeDtype);
  const widen = { widenBlockBytes: options.widenBlockBytes };
  const step = builder(checkpoint.config, checkpointWeights(graph, checkpoint.weights, 'step', widen));
  const attributionArch = builder(
    checkpoint.config,
    checkpointWeights(graph, checkpoint.weights, 'attribution', widen),
  );
  const gguf = checkpoint.weights.names().some((name) => checkpoint.weights.info(name)?.gguf === true);
  const backwardChains = options.backwardChains ?? (gguf ? GGUF_BACKWARD_CHAINS : BACKWARD_CHAINS);
  return {
    graph,
    lens: buildLensGraph(graph, step, attributionArch, { backwardChains }),
    embeddingTable: step.embeddingTable,
    backwardChains,
  };
}
