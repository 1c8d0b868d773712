// Dense f32 products for the global (weight-only) methods, heads and concepts: X W^T through onnxruntime's
// Gemm, so they run at the machine's MatMul throughput instead of a JS loop. One session per inner size k,
// built once from the graph DSL and kept for the process.
import { Graph } from '../graph/tensor';
import { emitModel } from '../graph/emit';
import { linear } from '../graph/ops/linear';
import { cachedSession, f32, type ort } from './onnxSession';

function sessionFor(k: number, threads?: number): Promise<ort.InferenceSession> {
  return cachedSession(
    `matmulTransposed${k}`,
    () => {
      const g = new Graph('float32');
      const x = g.input('x', ['n', k]);
      const w = g.input('w', ['m', k]);
      return emitModel(g, [{ name: 'y', tensor: linear(x, w) }]);
    },
    { threads },
  );
}

/** Y = X W^T for row-major X [n, k] and W [m, k]; Y is [n, m], row-major. */
export async function matmulTransposed(
  x: Float32Array,
  n: number,
  w: Float32Array,
  m: number,
  k: number,
  threads?: number,
): Promise<Float32Array> {
  if (x.length !== n * k || w.length !== m * k)
    throw new Error(`matmulTransposed: X has ${x.length} values for [${n}, ${k}], W ${w.length} for [${m}, ${k}]`);
  if (n === 0 || m === 0) return new Float32Array(n * m);
  const session = await sessionFor(k, threads);
  const out = await session.run({ x: f32(x, [n, k]), w: f32(w, [m, k]) });
  return out.y.data as Float32Array;
}

/** FLOPs of one matmulTransposed call (a multiply and an add per term). */
export const matmulFlops = (n: number, m: number, k: number): number => 2 * n * m * k;
