// Checks a DSL graph's VJP against float64 central finite differences, both computed by onnxruntime:
// for random cotangents s_b, grad gives d<s_b, y>/dx; the differences perturb each input entry by ±h.
import assert from 'node:assert/strict';
import { Graph, emitModel, grad, type Tensor } from '../../src/graph';
import { createSession, f64, ort } from '../../src/runtime/onnxSession';
import { mulberry32 } from '../helpers/prng';

export interface CheckInput {
  readonly tensor: Tensor;
  readonly values: Float64Array;
}

/** Uniform [0, 1) draws from a seed. */
export const seeded = mulberry32;

export function randn(n: number, rand: () => number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rand(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

const size = (t: Tensor) => t.shape.reduce<number>((a, d) => a * (d as number), 1);

/**
 * build(g) declares inputs (float64, static shapes) with values and returns y. Asserts that every gradient
 * matches finite differences to `tol` (max abs error over max abs value).
 */
export async function gradcheck(
  build: (g: Graph) => { inputs: CheckInput[]; y: Tensor },
  opts: { batch?: number; h?: number; tol?: number; seed?: number } = {},
): Promise<number> {
  const batch = opts.batch ?? 2;
  const h = opts.h ?? 1e-6;
  const tol = opts.tol ?? 1e-6;
  const rand = seeded(opts.seed ?? 7);
  const g = new Graph('float64');
  const { inputs, y } = build(g);
  const seed = g.input('seed', [batch, ...y.shape]);
  const grads = grad(
    y,
    inputs.map((i) => i.tensor),
    seed,
  );
  const outputs = [{ name: 'y', tensor: y }, ...grads.map((d, k) => ({ name: `d${k}`, tensor: d! }))];
  grads.forEach((d, k) => assert.ok(d, `no gradient reached input ${k}`));
  // 'basic' as LensModel uses for float64: the contrib fusions of 'all' (e.g. QuickGelu) have float32 kernels only
  const session = await createSession(emitModel(g, outputs), { threads: 1, optimization: 'basic' });
  const names = inputs.map((i) => (i.tensor.attrs as { name: string }).name);
  const seedValues = randn(batch * size(y), rand);
  const feeds = (values: Float64Array[]) => {
    const f: Record<string, ort.Tensor> = { seed: f64(seedValues, seed.shape as number[]) };
    values.forEach((v, k) => (f[names[k]] = f64(v, inputs[k].tensor.shape as number[])));
    return f;
  };
  const base = inputs.map((i) => Float64Array.from(i.values));
  const result = await session.run(feeds(base));
  const ySize = size(y);
  const project = (yv: Float64Array, b: number) => {
    let s = 0;
    for (let j = 0; j < ySize; j++) s += seedValues[b * ySize + j] * yv[j];
    return s;
  };
  let worst = 0;
  for (let k = 0; k < inputs.length; k++) {
    const analytic = result[`d${k}`].data as Float64Array;
    const n = inputs[k].values.length;
    assert.equal(analytic.length, batch * n, `gradient ${k} has ${analytic.length} values, expected ${batch * n}`);
    const numeric = new Float64Array(batch * n);
    for (let i = 0; i < n; i++) {
      const plus = base.map((v) => Float64Array.from(v));
      const minus = base.map((v) => Float64Array.from(v));
      plus[k][i] += h;
      minus[k][i] -= h;
      const yp = (await session.run(feeds(plus))).y.data as Float64Array;
      const ym = (await session.run(feeds(minus))).y.data as Float64Array;
      for (let b = 0; b < batch; b++) numeric[b * n + i] = (project(yp, b) - project(ym, b)) / (2 * h);
    }
    let maxErr = 0;
    let maxVal = 1e-12;
    for (let i = 0; i < numeric.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(numeric[i] - analytic[i]));
      maxVal = Math.max(maxVal, Math.abs(numeric[i]));
    }
    const rel = maxErr / maxVal;
    worst = Math.max(worst, rel);
    assert.ok(rel <= tol, `input ${names[k]}: relative error ${rel.toExponential(2)} > ${tol}`);
  }
  return worst;
}

/** A float64 input with random values. */
export function randomInput(
  g: Graph,
  name: string,
  shape: number[],
  rand: () => number,
  scale = 1,
  offset = 0,
): CheckInput {
  const values = randn(
    shape.reduce((a, b) => a * b, 1),
    rand,
    scale,
  ).map((v) => v + offset);
  return { tensor: g.input(name, shape), values };
}
