// `--estimate`: what explaining one prompt, or a batch of them, will cost on this machine, without running
// the model. Prompts are tokenised as the explanation would tokenise them (chat template included); a
// generated response is priced at its most tokens (max-new-tokens, or what the context leaves), since an
// end-of-sequence token can only shorten it. FLOPs and memory come from the runtime's cost model, seconds
// from this machine's calibrated rates.
import { availableParallelism } from 'node:os';
import { ok, type Result, type LensError } from '../../lensError';
import type { Checkpoint } from '../../runtime/checkpoint';
import { machineCalibration, type Calibration } from '../../runtime/calibration';
import { CostModel, type ExplainShape } from '../../runtime/explainCost';
import { tooLong } from './run';
import { tokenizePrompt } from './promptTokens';

/** Runs expected to take longer than this show their estimate while they run (the extension's progress). */
export const NOTICE_SECONDS = 10;

export interface EstimateRequest {
  /** A batch prompt's id, named in failures. */
  readonly id?: string;
  readonly prompt: string;
  readonly response?: string;
  readonly maxNewTokens: number;
  readonly chat: boolean;
}

export interface Estimate {
  readonly model: {
    readonly path: string;
    readonly architecture: string;
    readonly parameters: number;
    readonly weightBytes: number;
  };
  readonly prompts: number;
  readonly promptTokens: number;
  /** Given responses' tokens plus generated responses' most tokens. */
  readonly responseTokens: number;
  readonly generatedResponses: number;
  readonly flops: { readonly generation: number; readonly attribution: number; readonly total: number };
  readonly peakMemoryBytes: number;
  readonly seconds: {
    readonly load: number;
    readonly generation: number;
    readonly attribution: number;
    readonly total: number;
  };
  readonly calibration: Calibration & { readonly cached: boolean; readonly threads: number };
  /** Prompts that would fail (too long, empty, no chat template), by index: the estimate leaves them out. */
  readonly failures: readonly { readonly index: number; readonly id?: string; readonly error: LensError }[];
  /** What the figures leave out for this model. */
  readonly caveats: readonly string[];
}

const GGUF_CAVEAT =
  "a GGUF file's weights are widened from their blocks at each use, which these figures do not " +
  'count: expect generation, attribution and the peak to be higher';

async function shapeOf(checkpoint: Checkpoint, r: EstimateRequest): Promise<Result<ExplainShape>> {
  const { tokenizer, config } = checkpoint;
  const tokens = await tokenizePrompt(tokenizer, r.prompt, r.chat ? checkpoint.chatTemplate : null);
  if (!tokens.ok) return tokens;
  const N = tokens.value.length;
  if (r.response !== undefined) {
    const M = (await tokenizer.encode(r.response, { addSpecialTokens: false })).ids.length;
    if (N + M > config.maxPositions) return tooLong(N + M, config.maxPositions, 'prompt and response are');
    return ok({ promptTokens: N, responseTokens: M, generated: false });
  }
  if (N >= config.maxPositions) return tooLong(N, config.maxPositions, 'the prompt is');
  return ok({ promptTokens: N, responseTokens: Math.min(r.maxNewTokens, config.maxPositions - N), generated: true });
}

export async function estimateRuns(
  checkpoint: Checkpoint,
  requests: readonly EstimateRequest[],
  options: { readonly threads?: number; readonly cacheDir?: string } = {},
): Promise<Result<Estimate>> {
  const costs = new CostModel(checkpoint);
  const threads = options.threads ?? availableParallelism();
  const calibration = await machineCalibration(threads, options.cacheDir);
  const failures: { index: number; id?: string; error: LensError }[] = [];
  const flops = { generation: 0, attribution: 0, total: 0 };
  const seconds = { load: 0, generation: 0, attribution: 0, total: 0 };
  let [prompts, promptTokens, responseTokens, generatedResponses, peak] = [0, 0, 0, 0, 0];
  for (const [index, r] of requests.entries()) {
    const shape = await shapeOf(checkpoint, r);
    if (!shape.ok) {
      failures.push({ index, ...(r.id === undefined ? {} : { id: r.id }), error: shape.error });
      continue;
    }
    const cost = costs.cost(shape.value);
    const time = costs.seconds(shape.value, cost, calibration, prompts > 0); // one load for the whole run
    prompts++;
    promptTokens += shape.value.promptTokens;
    responseTokens += shape.value.responseTokens;
    if (shape.value.generated) generatedResponses++;
    for (const k of ['generation', 'attribution', 'total'] as const) flops[k] += cost.flops[k];
    for (const k of ['load', 'generation', 'attribution', 'total'] as const) seconds[k] += time[k];
    peak = Math.max(peak, cost.peakMemoryBytes);
  }
  const { config } = checkpoint;
  return ok({
    model: {
      path: checkpoint.dir,
      architecture: config.architecture,
      parameters: checkpoint.parameterCount,
      weightBytes: costs.weightBytes,
    },
    prompts,
    promptTokens,
    responseTokens,
    generatedResponses,
    flops,
    peakMemoryBytes: peak,
    seconds,
    calibration: { ...calibration, threads },
    failures,
    caveats: checkpoint.weights.names().some((n) => checkpoint.weights.info(n)?.gguf) ? [GGUF_CAVEAT] : [],
  });
}

/** The `--estimate --json` object. */
export function estimateJson(e: Estimate) {
  return {
    format_version: 1,
    method: 'estimate',
    model: {
      path: e.model.path,
      architecture: e.model.architecture,
      parameters: e.model.parameters,
      weight_bytes: e.model.weightBytes,
    },
    prompts: e.prompts,
    prompt_tokens: e.promptTokens,
    response_tokens: e.responseTokens,
    generated_responses: e.generatedResponses,
    flops: e.flops,
    peak_memory_bytes: Math.round(e.peakMemoryBytes),
    seconds: e.seconds,
    machine: {
      calibration: e.calibration.key,
      measured_at: e.calibration.measuredAt,
      cached: e.calibration.cached,
      threads: e.calibration.threads,
      product_gflops: e.calibration.productGflops,
      weight_gb_per_s: e.calibration.weightGBps,
    },
    failures: e.failures.map((f) => ({
      index: f.index,
      ...(f.id === undefined ? {} : { id: f.id }),
      code: f.error.code,
      message: f.error.message,
    })),
    caveats: e.caveats,
  };
}

const duration = (s: number) =>
  s < 90 ? `${s.toFixed(1)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;
const bytes = (b: number) => (b < 2 ** 30 ? `${(b / 2 ** 20).toFixed(0)} MiB` : `${(b / 2 ** 30).toFixed(2)} GiB`);

/** One line for a progress notification: "about 42 s (3.1 TFLOP, peak 1.2 GiB)". */
export function estimateSummary(e: Pick<Estimate, 'seconds' | 'flops' | 'peakMemoryBytes'>): string {
  return (
    `about ${duration(e.seconds.total)} (${(e.flops.total / 1e12).toFixed(2)} TFLOP, peak ` +
    `${bytes(e.peakMemoryBytes)})`
  );
}

export function renderEstimate(e: Estimate): string {
  const c = e.calibration;
  const gen =
    e.generatedResponses > 0
      ? `, ${e.generatedResponses === e.prompts ? '' : `${e.generatedResponses} `}generated at most to ` +
        `max-new-tokens (an end-of-sequence token stops one earlier)`
      : '';
  return [
    `estimate  ${e.model.path} (${e.model.architecture}, ${(e.model.parameters / 1e6).toFixed(2)}M ` +
      `parameters, ${bytes(e.model.weightBytes)} of weights); nothing was run`,
    `prompts   ${e.prompts}: ${e.promptTokens} prompt tokens, ${e.responseTokens} response tokens${gen}`,
    `work      ${(e.flops.total / 1e9).toFixed(1)} GFLOP (generation ` +
      `${(e.flops.generation / 1e9).toFixed(1)}, attribution ` +
      `${(e.flops.attribution / 1e9).toFixed(1)})`,
    `memory    peak about ${bytes(e.peakMemoryBytes)}`,
    `time      about ${duration(e.seconds.total)} (load ${duration(e.seconds.load)}, generation ` +
      `${duration(e.seconds.generation)}, attribution ${duration(e.seconds.attribution)})`,
    `machine   ${c.productGflops.toFixed(0)} GFLOP/s products, ${c.weightGBps.toFixed(0)} GB/s ` +
      `weight reads, ${c.threads} threads (` +
      `${c.cached ? `calibrated ${c.measuredAt.slice(0, 10)}` : 'calibrated now'})`,
    ...e.caveats.map((c) => `note      ${c}`),
    ...(e.failures.length > 0
      ? [
          `left out ${e.failures.length} prompt${e.failures.length === 1 ? '' : 's'} that would fail: ${e.failures
            .slice(0, 3)
            .map((f) => (f.id === undefined ? f.error.message : `${f.id} (${f.error.message})`))
            .join('; ')}${e.failures.length > 3 ? '; …' : ''}`,
        ]
      : []),
  ].join('\n');
}
