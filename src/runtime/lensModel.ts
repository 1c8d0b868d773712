// A loaded checkpoint ready to run: its ONNX model (built from src/arch with src/graph), one onnxruntime
// session, greedy generation with a KV cache, and the attribution run.
//
// N prompt tokens, M response tokens, T = N + M - 1 tokens fed to the attribution, V vocabulary.
import { relative } from 'node:path';
import { ARCHITECTURES } from '../arch';
import { emitModel, Graph } from '../graph';
import { fail, LensFailure, ok, type Result } from '../lensError';
import type { Checkpoint } from '../model/checkpoint';
import { checkpointWeights } from './checkpointWeights';
import { buildLensGraph } from './lensGraph';
import { createSession, i64, ort, type Feeds } from './onnxSession';

export interface LoadOptions {
  /** float64 runs the whole model in double precision (tests); float32 is the product's default. */
  readonly computeDtype?: 'float32' | 'float64';
  readonly threads?: number;
  /** Most response tokens per vectorised backward pass: fewer use less memory and cost one forward pass more per batch. */
  readonly attributionBatch?: number;
}

export interface Attribution {
  readonly probabilities: Float64Array; // (M)
  readonly attribution: Float64Array; // (N, M) row-major
}

/**
 * Default for the most response tokens whose backward passes run in one batch: it bounds activation memory
 * (measured on a 58M llama, 160 tokens: +75 MiB at 8 against +192 MiB at 32) for one forward pass more per
 * batch (about +10% FLOPs at 32 response tokens).
 */
const ATTRIBUTION_BATCH = 8;

export class LensModel {
  private constructor(
    readonly checkpoint: Checkpoint,
    private readonly session: ort.InferenceSession,
    private readonly computeDtype: 'float32' | 'float64',
    private readonly attributionBatch: number,
  ) {}

  static async load(checkpoint: Checkpoint, options: LoadOptions = {}): Promise<Result<LensModel>> {
    const computeDtype = options.computeDtype ?? 'float32';
    const builder = ARCHITECTURES[checkpoint.config.modelType];
    const graph = new Graph(computeDtype);
    let bytes: Uint8Array;
    try {
      const step = builder(checkpoint.config, checkpointWeights(graph, checkpoint.weights, 'step'));
      const attributionArch = builder(checkpoint.config, checkpointWeights(graph, checkpoint.weights, 'attribution'));
      const { outputs, attribution } = buildLensGraph(graph, step, attributionArch);
      // 16-bit weights are listed as inputs too, so onnxruntime keeps them mapped instead of folding their casts
      const sixteenBit = graph.weights.some((w) => w.dtype === 'float16' || w.dtype === 'bfloat16');
      bytes = emitModel(graph, outputs, { externalLocation: (file) => relative(checkpoint.dir, file), weightsAsInputs: sixteenBit }, attribution);
    } catch (e) {
      if (e instanceof LensFailure) return { ok: false, error: e.error };
      throw e;
    }
    try {
      // external data is resolved inside the checkpoint folder: the weights are mapped from the user's files
      const session = await createSession(bytes, {
        threads: options.threads,
        externalDataFolder: checkpoint.dir,
        optimization: computeDtype === 'float64' ? 'basic' : 'all',
      });
      return ok(new LensModel(checkpoint, session, computeDtype, options.attributionBatch ?? ATTRIBUTION_BATCH));
    } catch (e) {
      return fail('runtime-failure', `onnxruntime could not load the model built for ${checkpoint.dir}: ${(e as Error).message}`, "Report this with the checkpoint's config.json: it is a bug in Instruction Lens.");
    }
  }

  get config() {
    return this.checkpoint.config;
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

  private emptyStep(): Feeds {
    const { numLayers, numKvHeads, headDim } = this.config;
    const feeds: Feeds = { ids: i64([], [1, 0]), positions: i64([], [0]) };
    for (let i = 0; i < numLayers; i++) {
      feeds[`past_key_${i}`] = this.floats(0, [1, numKvHeads, 0, headDim]);
      feeds[`past_value_${i}`] = this.floats(0, [1, numKvHeads, 0, headDim]);
    }
    return feeds;
  }

  private emptyAttribution(): Feeds {
    return {
      attr_run: new ort.Tensor('bool', [false], []),
      attr_ids: i64([], [1, 0]),
      attr_positions: i64([], [0]),
      attr_select: this.floats(0, [0, 0]),
      attr_targets: this.floats(0, [0, this.config.vocabSize]),
    };
  }

  /**
   * Greedy decoding with a KV cache: the prompt in one step, then one token per step. Stops at an EOS id,
   * after maxNewTokens, or at the model's context length. onToken may return false to stop early.
   */
  async generate(promptIds: readonly number[], maxNewTokens: number, onToken?: (id: number, done: number) => boolean | void): Promise<number[]> {
    const { numLayers, maxPositions, eosTokenIds } = this.config;
    const out: number[] = [];
    let feeds: Feeds = { ...this.emptyStep(), ...this.emptyAttribution() };
    let tokens = [...promptIds];
    let position = 0;
    while (out.length < maxNewTokens && position + tokens.length <= maxPositions) {
      feeds.ids = i64(tokens, [1, tokens.length]);
      feeds.positions = i64(tokens.map((_, i) => position + i), [tokens.length]);
      const result = await this.session.run(feeds, this.stepOutputs());
      const next = argmax(result.logits.data as Float32Array | Float64Array);
      position += tokens.length;
      out.push(next);
      if (onToken?.(next, out.length) === false || eosTokenIds.includes(next)) break;
      feeds = { ...feeds };
      for (let i = 0; i < numLayers; i++) {
        feeds[`past_key_${i}`] = result[`present_key_${i}`];
        feeds[`past_value_${i}`] = result[`present_value_${i}`];
      }
      tokens = [next];
    }
    return out;
  }

  /** What a generation step fetches: the logits and the new cache (not the attention probabilities). */
  private stepOutputs(): string[] {
    const names = ['logits'];
    for (let i = 0; i < this.config.numLayers; i++) names.push(`present_key_${i}`, `present_value_${i}`);
    return names;
  }

  /**
   * Attention probabilities of every layer over `ids` (one forward pass, no cache): per layer a (H, T, T)
   * array, row = query position, query head h reading key/value head floor(h / G).
   */
  async attention(ids: readonly number[]): Promise<Float32Array[]> {
    const { numLayers } = this.config;
    const feeds: Feeds = { ...this.emptyStep(), ...this.emptyAttribution(), ids: i64(ids, [1, ids.length]), positions: i64(ids.map((_, i) => i), [ids.length]) };
    const names = Array.from({ length: numLayers }, (_, i) => `attention_${i}`);
    const result = await this.session.run(feeds, names);
    // (1, Hkv, G, T, T) is (H, T, T) in memory: query head h = kv * G + g
    return names.map((name) => Float32Array.from(result[name].data as Float32Array | Float64Array));
  }

  /** Logits of the next token after `ids` (no cache): for tests and the KV-cache benchmark's baseline. */
  async nextLogits(ids: readonly number[]): Promise<Float32Array | Float64Array> {
    const feeds: Feeds = { ...this.emptyStep(), ...this.emptyAttribution(), ids: i64(ids, [1, ids.length]), positions: i64(ids.map((_, i) => i), [ids.length]) };
    return (await this.session.run(feeds, ['logits'])).logits.data as Float32Array | Float64Array;
  }

  /**
   * p(y_m | x, y_<m) and A[n, m] = Σ_d ∂p(y_m)/∂E[n, d] · E[n, d] for every prompt token n and response token m:
   * per batch of response tokens, one forward pass and one backward pass vectorised over the batch.
   */
  async attribute(promptIds: readonly number[], responseIds: readonly number[], onBatch?: (done: number, total: number) => void): Promise<Attribution> {
    const N = promptIds.length;
    const M = responseIds.length;
    const V = this.config.vocabSize;
    const probabilities = new Float64Array(M);
    const attribution = new Float64Array(N * M);
    if (M === 0) return { probabilities, attribution };
    const ids = [...promptIds, ...responseIds.slice(0, -1)];
    for (let m0 = 0; m0 < M; m0 += this.attributionBatch) {
      const count = Math.min(this.attributionBatch, M - m0);
      // attention is causal: this batch's tokens see only the sequence up to the last one's predicting position
      const T = N + m0 + count - 1;
      const select = new Float64Array(count * T);
      const targets = new Float64Array(count * V);
      for (let j = 0; j < count; j++) {
        select[j * T + (N - 1 + m0 + j)] = 1; // the position whose logits predict y_m
        targets[j * V + responseIds[m0 + j]] = 1;
      }
      const result = await this.session.run(
        {
          ...this.emptyStep(),
          attr_run: new ort.Tensor('bool', [true], []),
          attr_ids: i64(ids.slice(0, T), [1, T]),
          attr_positions: i64(ids.slice(0, T).map((_, i) => i), [T]),
          attr_select: this.floats(select, [count, T]),
          attr_targets: this.floats(targets, [count, V]),
        },
        ['probabilities', 'attribution'],
      );
      const p = result.probabilities.data as Float32Array | Float64Array;
      const a = result.attribution.data as Float32Array | Float64Array; // (count, 1, T)
      for (let j = 0; j < count; j++) {
        probabilities[m0 + j] = p[j];
        for (let n = 0; n < N; n++) attribution[n * M + m0 + j] = a[j * T + n];
      }
      onBatch?.(m0 + count, M);
    }
    return { probabilities, attribution };
  }
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
