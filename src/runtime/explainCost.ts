// What an explanation will cost before it runs: the FLOPs of the products the runtime will be asked for
// (counted on the very graph LensModel builds, for the exact batches and decode steps it will run), the peak
// memory, and the expected seconds on this machine from its calibrated rates (calibration.ts).
// N prompt tokens, M response tokens (generated: at most max-new-tokens; EOS may stop it earlier).
import { evaluateFlops, flopTerms, type FlopTerm } from '../graph';
import type { Checkpoint } from './checkpoint';
import { attributionBatches, chainRows } from './attributionBatches';
import type { Calibration } from './calibration';
import { ATTRIBUTION_BATCH, lensGraphFor } from './lensModel';
import { isStepOutput } from './lensGraph';

export interface ExplainShape {
  readonly promptTokens: number;
  readonly responseTokens: number;
  /** The response is generated (and M is its most tokens), not given. */
  readonly generated: boolean;
}

export interface ExplainCost {
  readonly flops: { readonly generation: number; readonly attribution: number; readonly total: number };
  /** Session runs: prefill and decode steps, attribution batches. */
  readonly runs: { readonly generation: number; readonly attribution: number };
  /** Weight bytes each decode step reads (every matrix once). */
  readonly weightBytes: number;
  readonly peakMemoryBytes: number;
}

export interface TimeEstimate {
  readonly load: number;
  readonly generation: number;
  readonly attribution: number;
  readonly total: number;
}

// Fitted to measured explanations (see the commit that introduced this file, and the bench's estimate
// section): the attribution's products reach a larger share of the calibrated product rate the wider the
// model; a decode step reads its weights at about the calibrated one-row rate, 16-bit weights costing their
// widening too; each session run and each model load costs a fixed overhead plus the weights' bytes.
const attributionEfficiency = (D: number) => Math.min(1.25, 0.62 * (D / 256) ** 0.25);
const PREFILL_EFFICIENCY = 0.8;
const RUN_OVERHEAD_SECONDS = 0.004;
const LOAD_SECONDS = 0.55;
const LOAD_BYTES_PER_SECOND = 200e6;
const SIXTEEN_BIT = { load: 4, decode: 9 };
// Peak memory: node, onnxruntime and the tokenizer; the weights as mapped (f32) or widened as used (16-bit).
const RUNTIME_OVERHEAD_BYTES = 200 * 2 ** 20;
const WEIGHT_FACTOR = { f32: 1.0, sixteenBit: 1.5 };

export class CostModel {
  private readonly step: FlopTerm[];
  private readonly attribution: FlopTerm[];
  private readonly chains: number;
  private readonly batchSize: number;
  readonly weightBytes: number;
  private readonly sixteenBit: boolean;

  constructor(
    private readonly checkpoint: Checkpoint,
    options: { readonly attributionBatch?: number; readonly backwardChains?: number } = {},
  ) {
    const { lens, backwardChains } = lensGraphFor(checkpoint, 'float32', options);
    // a decode step fetches the argmax and the new keys and values only
    this.step = flopTerms(lens.outputs.filter((o) => isStepOutput(o.name)));
    this.attribution = flopTerms(lens.attribution.outputs);
    this.chains = backwardChains;
    this.batchSize = options.attributionBatch ?? ATTRIBUTION_BATCH;
    const store = checkpoint.weights;
    const tensors = store.names().map((n) => store.info(n)!);
    this.weightBytes = tensors.reduce((a, t) => a + t.byteLength, 0);
    this.sixteenBit = tensors.some((t) => t.dtype === 'F16' || t.dtype === 'BF16');
  }

  /** FLOPs of generation: the prompt in one step, then one step per token but the last. */
  generationFlops(N: number, M: number): number {
    if (M === 0) return 0;
    let total = evaluateFlops(this.step, { S: N, P: 0, K: N }).total;
    for (let i = 1; i < M; i++) total += evaluateFlops(this.step, { S: 1, P: N + i - 1, K: N + i }).total;
    return total;
  }

  /** FLOPs of the attribution as LensModel.attribute runs it: per batch, its causal prefix and its chains. */
  attributionFlops(N: number, M: number): number {
    let total = 0;
    for (const { count, T } of attributionBatches(N, M, this.batchSize)) {
      const dims: Record<string, number> = { T, M: count };
      chainRows(count, this.chains).forEach((rows, k) => (dims[`M${k}`] = rows.length));
      total += evaluateFlops(this.attribution, dims).total;
    }
    return total;
  }

  cost(shape: ExplainShape): ExplainCost {
    const { promptTokens: N, responseTokens: M, generated } = shape;
    const generation = generated ? this.generationFlops(N, M) : 0;
    const attribution = this.attributionFlops(N, M);
    const {
      hiddenSize: D,
      intermediateSize: I,
      numLayers: L,
      numHeads: H,
      numKvHeads: Hkv,
      headDim: Dh,
    } = this.checkpoint.config;
    const T = N + M - 1;
    // the KV cache, and the attribution's activations: per layer and position what the backward pass keeps of
    // the forward pass (norm inputs, projections, the feed-forward's hidden layer, a row of attention
    // probabilities per head), at the default batch size and chains
    const kvCache = 2 * L * Hkv * Dh * (N + M) * 4;
    const activations = L * T * (4 * D + 2 * I + H * T) * 4;
    const weights = this.weightBytes * (this.sixteenBit ? WEIGHT_FACTOR.sixteenBit : WEIGHT_FACTOR.f32);
    return {
      flops: { generation, attribution, total: generation + attribution },
      runs: { generation: generated ? M : 0, attribution: attributionBatches(N, M, this.batchSize).length },
      weightBytes: this.weightBytes,
      peakMemoryBytes: RUNTIME_OVERHEAD_BYTES + weights + kvCache + activations,
    };
  }

  /**
   * Seconds on a machine with `calibration`'s rates; `loaded`: the model is already in memory (batch, after the first).
   */
  seconds(shape: ExplainShape, cost: ExplainCost, calibration: Calibration, loaded = false): TimeEstimate {
    const rate = calibration.productGflops * 1e9;
    const { promptTokens: N, responseTokens: M, generated } = shape;
    let generation = 0;
    if (generated && M > 0) {
      const prefill = this.generationFlops(N, 1);
      const decode = cost.flops.generation - prefill;
      // a decode step reads every weight once: bound by the weight rate, or by the products if they are slower
      const bytesPerStep = this.weightBytes * (this.sixteenBit ? SIXTEEN_BIT.decode : 1);
      const decodeSeconds = Math.max(((M - 1) * bytesPerStep) / (calibration.weightGBps * 1e9), decode / rate);
      generation = prefill / (rate * PREFILL_EFFICIENCY) + decodeSeconds + M * RUN_OVERHEAD_SECONDS;
    }
    const attribution =
      cost.flops.attribution / (rate * attributionEfficiency(this.checkpoint.config.hiddenSize)) +
      cost.runs.attribution * RUN_OVERHEAD_SECONDS;
    const load = loaded
      ? 0
      : LOAD_SECONDS + (this.weightBytes * (this.sixteenBit ? SIXTEEN_BIT.load : 1)) / LOAD_BYTES_PER_SECOND;
    return { load, generation, attribution, total: load + generation + attribution };
  }
}
