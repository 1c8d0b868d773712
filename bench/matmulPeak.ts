// (a) This machine's fp32 MatMul throughput through onnxruntime: the unit the attribution's FLOP rate is
// measured in (as llm.c measures its kernels in "% of cuBLAS"). One single-MatMul ONNX graph per shape,
// built with the graph DSL, run on every core; each shape reports its best of a few repeats.
//
// Two ways to hold the right operand:
//   prepacked  B is an initializer and onnxruntime pre-packs it into its GEMM layout at load (the best case)
//   input      B is fed at run time, as activations and the product's weights (disable_prepacking) are
// m, k, n: (m, k) @ (k, n).
//
// Also the bandwidth a decode step can hope for: one row through a Linear over a large weight (x Wᵀ, W
// stored [n, k] as checkpoints store it, emitted as Gemm(transB=1) as src/graph/ops/linear.ts does, no
// pre-packing), which reads the whole weight once per call: bytes of W / best seconds.
import { availableParallelism } from 'node:os';
import { emitModel, Graph, linear, matmul } from '../src/graph';
import { f32, ort } from '../src/runtime/onnxSession';
import { seededValues } from '../src/runtime/calibration';

export interface MatMulShape {
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

export interface MatMulResult extends MatMulShape {
  readonly operand: 'prepacked' | 'input';
  readonly bestSeconds: number;
  readonly gflops: number; // 2mkn / best seconds / 1e9
}

async function measure(
  shape: MatMulShape,
  operand: 'prepacked' | 'input',
  repeats: number,
  threads: number,
): Promise<MatMulResult> {
  const { m, k, n } = shape;
  const g = new Graph('float32');
  const a = g.input('a', [m, k]);
  const bValues = seededValues(k * n, 2);
  const b = operand === 'input' ? g.input('b', [k, n]) : g.weight('b', [k, n], 'float32', { data: bValues });
  const bytes = emitModel(g, [{ name: 'c', tensor: matmul(a, b) }]);
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    extra: { session: { disable_prepacking: operand === 'input' ? '1' : '0' } },
  });
  const feeds: Record<string, ort.Tensor> = { a: f32(seededValues(m * k, 1), [m, k]) };
  if (operand === 'input') feeds.b = f32(bValues, [k, n]);
  await session.run(feeds); // warm-up: thread pool, arena
  let best = Infinity;
  const flops = 2 * m * k * n;
  // enough calls per timing that each lasts ~0.1 s or more, so timer and call overhead do not count
  const calls = Math.max(1, Math.ceil(0.1 / (flops / 50e9)));
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let c = 0; c < calls; c++) await session.run(feeds);
    best = Math.min(best, (performance.now() - t0) / 1000 / calls);
  }
  await session.release();
  return { ...shape, operand, bestSeconds: best, gflops: flops / best / 1e9 };
}

export interface MatMulPeak {
  readonly threads: number;
  readonly results: readonly MatMulResult[];
  readonly peakGflops: number; // the best of all shapes and both operand kinds
}

export async function matmulPeak(
  shapes: readonly MatMulShape[],
  repeats: number,
  threads = availableParallelism(),
): Promise<MatMulPeak> {
  const results: MatMulResult[] = [];
  for (const shape of shapes) {
    for (const operand of ['prepacked', 'input'] as const)
      results.push(await measure(shape, operand, repeats, threads));
  }
  return { threads, results, peakGflops: Math.max(...results.map((r) => r.gflops)) };
}

export interface GemvBandwidth {
  readonly k: number;
  readonly n: number;
  readonly bestSeconds: number;
  readonly gbPerSecond: number; // weight bytes read per second
}

export async function gemvBandwidth(
  n: number,
  k: number,
  repeats: number,
  threads = availableParallelism(),
): Promise<GemvBandwidth> {
  const g = new Graph('float32');
  const x = g.input('x', [1, k]);
  const w = g.weight('w', [n, k], 'float32', { data: seededValues(n * k, 3) });
  const session = await ort.InferenceSession.create(emitModel(g, [{ name: 'y', tensor: linear(x, w) }]), {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    extra: { session: { disable_prepacking: '1' } },
  });
  const feeds = { x: f32(seededValues(k, 4), [1, k]) };
  await session.run(feeds);
  let best = Infinity;
  const calls = Math.max(1, Math.ceil(0.05 / ((n * k * 4) / 10e9)));
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let c = 0; c < calls; c++) await session.run(feeds);
    best = Math.min(best, (performance.now() - t0) / 1000 / calls);
  }
  await session.release();
  return { k, n, bestSeconds: best, gbPerSecond: (n * k * 4) / best / 1e9 };
}

/** Per shape and operand kind, the best of several measurements (taken at different times). */
export function bestPeak(rounds: readonly MatMulPeak[]): MatMulPeak {
  const results = rounds[0].results.map((first, i) =>
    rounds.map((r) => r.results[i]).reduce((a, b) => (b.gflops > a.gflops ? b : a), first),
  );
  return { threads: rounds[0].threads, results, peakGflops: Math.max(...results.map((r) => r.gflops)) };
}
