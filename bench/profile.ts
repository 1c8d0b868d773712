// Where the time goes: the engine's own ONNX model in a second session with onnxruntime's profiler on
// (enableProfiling), run once for the attribution and once for a decode step, and the profile summarised
// per op type. The profile lists every kernel as the runtime ran it, after its graph optimisations, with
// concrete input and output shapes, so it also gives the FLOPs of the products actually executed
// (MatMul, Gemm, FusedMatMul), to check the count taken from our graph (flops.ts).
//
// The session options and feeds repeat those of src/runtime (onnxSession.ts, lensModel.ts) with the
// profiler added: a product session cannot have it switched on from outside.
//
// N prompt tokens, M response tokens, T = N + M - 1, V vocabulary, Hkv kv heads, Dh head dim.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ARCHITECTURES } from '../src/arch';
import { emitModel, Graph, type GraphOutput } from '../src/graph';
import type { Checkpoint } from '../src/model/checkpoint';
import { checkpointWeights } from '../src/runtime/checkpointWeights';
import { buildLensGraph } from '../src/runtime/lensGraph';
import { i64, ort, type Feeds } from '../src/runtime/onnxSession';

export interface OpTime {
  readonly op: string;
  readonly ms: number;
  readonly share: number; // of all kernel time
  readonly calls: number;
  readonly gflops?: number; // products only: their FLOPs / their kernel time
}

export interface ProfileSummary {
  readonly kernelMs: number; // sum of kernel times
  readonly productFlops: number; // MatMul + Gemm + FusedMatMul, from the profiled shapes
  readonly productMs: number;
  readonly byOp: readonly OpTime[]; // largest first
}

const PRODUCTS = new Set(['MatMul', 'Gemm', 'FusedMatMul']);

interface ProfileEvent {
  readonly cat: string;
  readonly name: string;
  readonly dur: number; // µs
  readonly args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

/** 2·|out|·k, with k = |A| / m read from A's and the output's shapes (right whether A is transposed or not). */
function productFlops(e: ProfileEvent): number {
  const a = Object.values(e.args!.input_type_shape![0])[0];
  const out = Object.values(e.args!.output_type_shape![0])[0];
  const outSize = out.reduce((x, y) => x * y, 1);
  if (outSize === 0) return 0;
  const m = out[out.length - 2] ?? 1;
  const k = ((a[a.length - 1] ?? 1) * (a[a.length - 2] ?? 1)) / m;
  return 2 * outSize * k;
}

export function summariseProfile(events: readonly ProfileEvent[]): ProfileSummary {
  const byOp = new Map<string, { us: number; calls: number; flops: number }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !e.args?.op_name) continue;
    const op = e.args.op_name;
    const s = byOp.get(op) ?? { us: 0, calls: 0, flops: 0 };
    s.us += e.dur;
    s.calls++;
    if (PRODUCTS.has(op)) s.flops += productFlops(e);
    byOp.set(op, s);
  }
  const kernelUs = [...byOp.values()].reduce((a, s) => a + s.us, 0);
  const products = [...byOp.entries()].filter(([op]) => PRODUCTS.has(op));
  return {
    kernelMs: kernelUs / 1000,
    productFlops: products.reduce((a, [, s]) => a + s.flops, 0),
    productMs: products.reduce((a, [, s]) => a + s.us, 0) / 1000,
    byOp: [...byOp.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .map(([op, s]) => ({ op, ms: s.us / 1000, share: s.us / kernelUs, calls: s.calls, ...(PRODUCTS.has(op) ? { gflops: s.flops / (s.us / 1e6) / 1e9 } : {}) })),
  };
}

export interface LensProfile {
  readonly attribution: ProfileSummary;
  readonly decodeStep: ProfileSummary; // one token after a prompt of N tokens
  /** The DSL graph's outputs of the attribution, for flops.ts. */
  readonly attributionOutputs: readonly GraphOutput[];
}

/** The ONNX model LensModel.load builds for a float32 run, and the DSL outputs of its two parts. */
export function lensModelBytes(checkpoint: Checkpoint): { bytes: Uint8Array; attributionOutputs: GraphOutput[]; stepOutputs: GraphOutput[] } {
  const { config } = checkpoint;
  const graph = new Graph('float32');
  const { outputs } = buildLensGraph(graph, ARCHITECTURES[config.modelType](config, checkpointWeights(graph, checkpoint.weights)));
  const sixteenBit = graph.weights.some((w) => w.dtype === 'float16' || w.dtype === 'bfloat16');
  const bytes = emitModel(graph, outputs, { externalLocation: (file) => relative(checkpoint.dir, file), weightsAsInputs: sixteenBit });
  return {
    bytes,
    attributionOutputs: outputs.filter((o) => o.name === 'probabilities' || o.name === 'attribution'),
    stepOutputs: outputs.filter((o) => o.name === 'logits' || o.name.startsWith('present_')),
  };
}

export async function profileLensModel(checkpoint: Checkpoint, promptIds: readonly number[], responseIds: readonly number[], threads: number, workDir: string): Promise<LensProfile> {
  const { config } = checkpoint;
  const { bytes, attributionOutputs } = lensModelBytes(checkpoint);
  const prefix = join(workDir, 'ort-profile');
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    enableProfiling: true,
    profileFilePrefix: prefix,
    extra: { session: { disable_prepacking: '1', model_external_initializers_file_folder_path: checkpoint.dir } },
  });

  const { numLayers, numKvHeads: Hkv, headDim: Dh, vocabSize: V } = config;
  const zeros = (dims: number[]) => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  const emptyStep = (): Feeds => {
    const f: Feeds = { ids: i64([], [1, 0]), positions: i64([], [0]) };
    for (let i = 0; i < numLayers; i++) {
      f[`past_key_${i}`] = zeros([1, Hkv, 0, Dh]);
      f[`past_value_${i}`] = zeros([1, Hkv, 0, Dh]);
    }
    return f;
  };
  const emptyAttribution: Feeds = { attr_ids: i64([], [1, 0]), attr_positions: i64([], [0]), attr_select: zeros([0, 0]), attr_targets: zeros([0, V]), attr_seed: zeros([1, 1, 0]) };

  // attribution: one batch of all M response tokens (M <= the runtime's batch of 32 in this bench)
  const N = promptIds.length;
  const M = responseIds.length;
  const ids = [...promptIds, ...responseIds.slice(0, -1)];
  const T = ids.length;
  const select = new Float32Array(M * T);
  const targets = new Float32Array(M * V);
  const seed = new Float32Array(M * M);
  for (let m = 0; m < M; m++) {
    select[m * T + N - 1 + m] = 1;
    targets[m * V + responseIds[m]] = 1;
    seed[m * M + m] = 1;
  }
  const attrFeeds: Feeds = {
    ...emptyStep(),
    attr_ids: i64(ids, [1, T]),
    attr_positions: i64(ids.map((_, i) => i), [T]),
    attr_select: new ort.Tensor('float32', select, [M, T]),
    attr_targets: new ort.Tensor('float32', targets, [M, V]),
    attr_seed: new ort.Tensor('float32', seed, [M, 1, M]),
  };
  // decode: the prompt as prefill, then one step with its cache
  const prefill = await session.run({ ...emptyStep(), ...emptyAttribution, ids: i64(promptIds, [1, N]), positions: i64(promptIds.map((_, i) => i), [N]) });
  const stepFeeds: Feeds = { ...emptyAttribution, ids: i64([promptIds[0]], [1, 1]), positions: i64([N], [1]) };
  for (let i = 0; i < numLayers; i++) {
    stepFeeds[`past_key_${i}`] = prefill[`present_key_${i}`];
    stepFeeds[`past_value_${i}`] = prefill[`present_value_${i}`];
  }
  await session.run(attrFeeds, ['probabilities', 'attribution']); // warm-up
  await session.run(stepFeeds);

  // the profile file holds every run: mark where the runs of interest start by their order
  await session.run(attrFeeds, ['probabilities', 'attribution']);
  await session.run(stepFeeds);
  session.endProfiling();
  await session.release();
  const file = readdirSync(workDir).filter((f) => f.startsWith('ort-profile')).sort().pop()!;
  const events = JSON.parse(readFileSync(join(workDir, file), 'utf8')) as ProfileEvent[];
  if (!process.env.KEEP_PROFILE) rmSync(join(workDir, file));
  // model_run events bracket each session.run, in order: the last two are the profiled attribution and step
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const within = (r: ProfileEvent & { ts?: number }) => events.filter((e) => {
    const ts = (e as { ts?: number }).ts ?? 0;
    return ts >= r.ts! && ts <= r.ts! + r.dur;
  });
  const attrRun = runs[runs.length - 2] as ProfileEvent & { ts: number };
  const stepRun = runs[runs.length - 1] as ProfileEvent & { ts: number };
  return {
    attribution: summariseProfile(within(attrRun)),
    decodeStep: summariseProfile(within(stepRun)),
    attributionOutputs,
  };
}
