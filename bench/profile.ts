// Where the time goes: the product's own session (LensModel.load, unchanged) with onnxruntime's profiler
// switched on, running one attribution and one decode step, and the profile summarised per op type. The
// profile lists every kernel as the runtime ran it, after its graph optimisations, with concrete input and
// output shapes, so it also gives the FLOPs of the products actually executed (MatMul, Gemm, FusedMatMul),
// to check the count taken from our graph (flops.ts).
//
// The profiler cannot be switched on from outside a session, so while the model loads, the bench wraps
// InferenceSession.create to add it (and session.run to label the runs); nothing else differs.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { familyOf } from '../src/arch';
import { Graph, type GraphOutput } from '../src/graph';
import type { Checkpoint } from '../src/runtime/checkpoint';
import { checkpointWeights } from '../src/runtime/checkpointWeights';
import { buildLensGraph } from '../src/runtime/lensGraph';
import { BACKWARD_CHAINS, LensModel } from '../src/runtime/lensModel';
import { ort } from '../src/runtime/onnxSession';

export interface OpTime {
  readonly op: string;
  readonly ms: number;
  readonly share: number; // of all kernel time
  readonly calls: number;
  readonly gflops?: number; // products only: their FLOPs / their kernel time
}

export interface ProfileSummary {
  readonly runs: number; // session runs summed here
  readonly kernelMs: number; // sum of kernel times
  readonly productFlops: number; // MatMul + Gemm + FusedMatMul, from the profiled shapes
  readonly productMs: number;
  readonly byOp: readonly OpTime[]; // largest first
}

const PRODUCTS = new Set(['MatMul', 'Gemm', 'FusedMatMul']);
/** Control flow: its kernel time is that of the nodes of its subgraphs, which the profile lists too. */
const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan']);

interface ProfileEvent {
  readonly cat: string;
  readonly name: string;
  readonly ts: number; // µs
  readonly dur: number; // µs
  readonly args?: {
    op_name?: string;
    input_type_shape?: Record<string, number[]>[];
    output_type_shape?: Record<string, number[]>[];
  };
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

function summarise(kernels: readonly ProfileEvent[], runs: number): ProfileSummary {
  const byOp = new Map<string, { us: number; calls: number; flops: number }>();
  for (const e of kernels) {
    const op = e.args!.op_name!;
    const s = byOp.get(op) ?? { us: 0, calls: 0, flops: 0 };
    s.us += e.dur;
    s.calls++;
    if (PRODUCTS.has(op)) s.flops += productFlops(e);
    byOp.set(op, s);
  }
  const kernelUs = [...byOp.values()].reduce((a, s) => a + s.us, 0);
  const products = [...byOp.entries()].filter(([op]) => PRODUCTS.has(op));
  return {
    runs,
    kernelMs: kernelUs / 1000,
    productFlops: products.reduce((a, [, s]) => a + s.flops, 0),
    productMs: products.reduce((a, [, s]) => a + s.us, 0) / 1000,
    byOp: [...byOp.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .map(([op, s]) => ({
        op,
        ms: s.us / 1000,
        share: kernelUs > 0 ? s.us / kernelUs : 0,
        calls: s.calls,
        ...(PRODUCTS.has(op) ? { gflops: s.flops / (s.us / 1e6) / 1e9 } : {}),
      })),
  };
}

/**
 * The DSL outputs of the graph LensModel builds (float32, its backward chains): the step's and the attribution's, for
 * flops.ts.
 */
export function lensGraphOutputs(checkpoint: Checkpoint): {
  step: readonly GraphOutput[];
  attribution: readonly GraphOutput[];
} {
  const { config } = checkpoint;
  const graph = new Graph('float32');
  const lens = buildLensGraph(
    graph,
    familyOf(config.modelType).build(config, checkpointWeights(graph, checkpoint.weights)),
    undefined,
    { backwardChains: BACKWARD_CHAINS },
  );
  return { step: lens.outputs, attribution: lens.attribution.outputs };
}

/**
 * The sizes of the attribution graph's symbolic dims for one batch of M rows over T positions (chain k has M_k rows, at
 * least 1).
 */
export function attributionDims(T: number, M: number): Record<string, number> {
  const dims: Record<string, number> = { T, M, B: M };
  for (let k = 0; BACKWARD_CHAINS > 1 && k < BACKWARD_CHAINS; k++)
    dims[`M${k}`] = Math.max(1, Math.floor(M / BACKWARD_CHAINS) + (k < M % BACKWARD_CHAINS ? 1 : 0));
  return dims;
}

export interface LensProfile {
  readonly attribution: ProfileSummary; // every session run of one model.attribute()
  readonly decodeStep: ProfileSummary; // one token after a prompt of N tokens
}

export async function profileLensModel(
  checkpoint: Checkpoint,
  promptIds: readonly number[],
  responseIds: readonly number[],
  threads: number,
  workDir: string,
): Promise<LensProfile> {
  const prefix = join(workDir, 'ort-profile');
  let label = 'load';
  const labels: string[] = []; // one per session run, in order
  let session: ort.InferenceSession | undefined;
  const Session = ort.InferenceSession as unknown as { create: (...args: unknown[]) => Promise<ort.InferenceSession> };
  const create = Session.create;
  Session.create = async (...args: unknown[]) => {
    const [model, options] = args as [unknown, ort.InferenceSession.SessionOptions];
    const s = await create.call(ort.InferenceSession, model, {
      ...options,
      enableProfiling: true,
      profileFilePrefix: prefix,
    });
    const run = s.run.bind(s);
    (s as { run: unknown }).run = (...args: Parameters<typeof run>) => {
      labels.push(label);
      return run(...args);
    };
    session = s;
    return s;
  };
  let loaded;
  try {
    loaded = await LensModel.load(checkpoint, { threads });
  } finally {
    Session.create = create;
  }
  if (!loaded.ok) throw new Error(loaded.error.message);
  const model = loaded.value;
  label = 'warm-up';
  await model.attribute(promptIds, responseIds);
  await model.generate(promptIds, 2);
  label = 'attribution';
  await model.attribute(promptIds, responseIds);
  label = 'prefill';
  await model.generate(promptIds, 2, (_, done) => {
    label = 'decode'; // the next run is the first step after the prompt
    return done < 2;
  });
  session!.endProfiling();
  model.dispose();

  const file = readdirSync(workDir)
    .filter((f) => f.startsWith('ort-profile'))
    .sort()
    .pop()!;
  const events = JSON.parse(readFileSync(join(workDir, file), 'utf8')) as ProfileEvent[];
  if (!process.env.KEEP_PROFILE) rmSync(join(workDir, file));
  // model_run events bracket each session.run, in the order of `labels`
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  if (runs.length !== labels.length) throw new Error(`profile: ${runs.length} runs profiled, ${labels.length} made`);
  const kernels = events.filter(
    (e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name && !CONTROL_FLOW.has(e.args.op_name),
  );
  const of = (wanted: string) => {
    const mine = runs.filter((_, i) => labels[i] === wanted);
    return summarise(
      kernels.filter((k) => mine.some((r) => k.ts >= r.ts && k.ts <= r.ts + r.dur)),
      mine.length,
    );
  };
  return { attribution: of('attribution'), decodeStep: of('decode') };
}
