// Selection and comparison: Where (differentiable in its two branches), Gather and comparisons (not
// differentiable: they route values by integer or boolean inputs).
import { Tensor, type Dim, type DType, type OpDef } from '../tensor';
import { broadcastShapes, normAxis } from '../shape';
import { unbroadcast } from './broadcast';
import { apart } from './layout';

const Where: OpDef = {
  name: 'Where',
  emit: (e, [c, a, b]) => e.node('Where', [c, a, b]),
  vjp: (d, out) => {
    const [c, a, b] = out.inputs;
    const zero = d.graph.scalar(0, d.dtype);
    return [null, unbroadcast(where(c, d, zero), a), unbroadcast(where(c, zero, d), b)];
  },
};

export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  if (cond.dtype !== 'bool') throw new Error('where: condition must be bool');
  const shape = broadcastShapes(cond.shape, broadcastShapes(a.shape, b.shape));
  return new Tensor(a.graph, Where, [cond, a, b], {}, shape, a.dtype);
}

function comparison(name: string): (a: Tensor, b: Tensor) => Tensor {
  const op: OpDef = { name, emit: (e, [a, b]) => e.node(name, [a, b]) };
  return (a, b) => new Tensor(a.graph, op, [a, b], {}, broadcastShapes(a.shape, b.shape), 'bool');
}

export const lessOrEqual = comparison('LessOrEqual');
export const greater = comparison('Greater');
export const and = comparison('And');

const Gather: OpDef<{ axis: number }> = {
  name: 'Gather',
  emit: (e, [x, idx], { axis }) => e.node('Gather', [x, idx], { axis }),
};

/** x.take(indices, axis): rows of an embedding table, or entries of a shape vector. */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  if (indices.dtype !== 'int64') throw new Error('gather: indices must be int64');
  const a = normAxis(axis, x.rank);
  const shape: Dim[] = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return new Tensor(x.graph, Gather, [x, indices], { axis: a }, shape, x.dtype);
}

const Cast: OpDef<{ to: DType }> = {
  name: 'Cast',
  emit: (e, [x], { to }) => e.node('Cast', [x], { to: ONNX_DTYPE[to] }),
  vjp: (d, out) => [cast(d, out.inputs[0].dtype)],
};

export function cast(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  return new Tensor(x.graph, Cast, [x], { to }, x.shape, to);
}

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  bool: 9,
  int64: 7,
  float16: 10,
  float64: 11,
  bfloat16: 16,
};

/**
 * A second, independent cast of a stored weight: the backward pass widens 16-bit weights again at their use
 * instead of keeping every forward cast alive until the backward needs it. Cast(apart(w)) rather than
 * Cast(w): onnxruntime's common-subexpression elimination would merge a plain second Cast(w) with the
 * forward pass's (and recasts of other salts with each other), and keep the widened copy alive in between.
 */
export function recast(x: Tensor, to: DType, salt = 0): Tensor {
  if (x.shape.some((d) => typeof d !== 'number')) throw new Error('recast: the shape must be static');
  return cast(apart(x, salt), to);
}
