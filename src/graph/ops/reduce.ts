// Reductions over static axes. ReduceSum is differentiable; ReduceMax is used only behind stopGradient.
import { Tensor, type Dim, type OpDef } from '../tensor';
import { normAxis } from '../shape';
import { expand, reshape } from './layout';

interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

function reducedShape(x: Tensor, axes: readonly number[], keepdims: boolean): Dim[] {
  const out: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

const ReduceSum: OpDef<ReduceAttrs> = {
  name: 'ReduceSum',
  emit: (e, [x], { axes, keepdims }) => e.node('ReduceSum', [x, e.ints(axes)], { keepdims: keepdims ? 1 : 0 }),
  // the sum's cotangent is copied back along the reduced axes
  vjp: (d, out) => {
    const x = out.inputs[0];
    const { axes } = out.attrs as ReduceAttrs;
    const kept = reshape(d, [d.shape[0], ...reducedShape(x, axes, true)]);
    return [expand(kept, [d.shape[0], ...x.shape])];
  },
};

const ReduceMax: OpDef<ReduceAttrs> = {
  name: 'ReduceMax',
  emit: (e, [x], { axes, keepdims }) => e.node('ReduceMax', [x], { axes, keepdims: keepdims ? 1 : 0 }),
};

function reduce(op: OpDef<ReduceAttrs>, x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  const norm = [...new Set(axes.map((a) => normAxis(a, x.rank)))].sort((a, b) => a - b);
  return new Tensor(x.graph, op, [x], { axes: norm, keepdims }, reducedShape(x, norm, keepdims), x.dtype);
}

export const reduceSum = (x: Tensor, axes: readonly number[], keepdims = true) => reduce(ReduceSum, x, axes, keepdims);
export const reduceMax = (x: Tensor, axes: readonly number[], keepdims = true) => reduce(ReduceMax, x, axes, keepdims);

const ArgMax: OpDef<{ axis: number }> = {
  name: 'ArgMax',
  // the first index of the maximum (select_last_index = 0), as a greedy decoder's argmax over logits
  emit: (e, [x], { axis }) => e.node('ArgMax', [x], { axis, keepdims: 0, select_last_index: 0 }),
};

/** Index of the maximum along `axis` (int64, the axis removed; the first one on ties). Not differentiable. */
export function argMax(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank);
  return new Tensor(
    x.graph,
    ArgMax,
    [x],
    { axis: a },
    x.shape.filter((_, i) => i !== a),
    'int64',
  );
}
