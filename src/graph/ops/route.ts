// Routing for a mixture of experts: the experts each token goes to (top-k, not differentiable), the tokens an
// expert gets (their indices along the token axis, as many as the run routes there), and rows taken from and
// put back along that axis. takeRows and putRows are each other's transpose, so a gradient flows through
// the routed rows as through PyTorch's indexing and index_add_, and through the routing weights, never
// through the discrete choice.
import { Tensor, type Dim, type OpDef, type Shape } from '../tensor';
import { normAxis } from '../shape';
import { ONNX_DTYPE } from './select';

const TopKMask: OpDef<{ k: number }> = {
  name: 'TopKMask',
  emit: (e, [x], { k }, out) => {
    // onnxruntime's TopK divides by the number of rows, and a run may feed zero rows (a graph's idle part):
    // one padded row keeps it from dividing by zero, and is cut off again
    const rank = out.shape.length;
    const pads = Array.from({ length: 2 * rank }, (_, i) => (i === 2 * rank - 2 ? 1 : 0));
    const padded = rank >= 2 ? e.node('Pad', [x, e.ints(pads)]) : x;
    const [, top] = e.nodeOutputs('TopK', [padded, e.ints([k])], 2, { axis: -1, largest: 1, sorted: 1 });
    const indices = rank >= 2 ? e.node('Slice', [top, e.ints([0]), e.ints([-1]), e.ints([rank - 2])]) : top;
    const zeros = e.node('Expand', [e.ints([0]), e.node('Shape', [x])]);
    const ones = e.node('Expand', [e.ints([1]), e.node('Shape', [indices])]);
    return e.node('Cast', [e.node('ScatterElements', [zeros, indices, ones], { axis: -1 })], { to: ONNX_DTYPE.bool });
  },
};

/** True at the k largest entries along the last axis (exactly k, as torch.topk picks them), false elsewhere. */
export function topKMask(x: Tensor, k: number): Tensor {
  const n = x.shape[x.rank - 1];
  if (!Number.isInteger(k) || k < 1 || (typeof n === 'number' && k > n))
    throw new Error(`topKMask: k ${k} for a last axis of ${n}`);
  return new Tensor(x.graph, TopKMask, [x], { k }, x.shape, 'bool');
}

const NonZeroIndices: OpDef = {
  name: 'NonZeroIndices',
  emit: (e, [mask]) => e.node('Reshape', [e.node('NonZero', [mask]), e.ints([-1])]),
};

let counts = 0;

/**
 * The positions where a 1-D bool tensor is true, ascending. Their count, known only at run time, is a symbolic
 * dim of its own (one per call: a graph that builds the same layer twice must not share it); `share` is the
 * fraction of the mask that is true on average, for FLOP counts.
 */
export function nonZeroIndices(mask: Tensor, share: number): Tensor {
  if (mask.rank !== 1 || mask.dtype !== 'bool') throw new Error('nonZeroIndices: a 1-D bool tensor');
  if (!(share >= 0 && share <= 1)) throw new Error(`nonZeroIndices: share ${share} is not a fraction`);
  const size = `nonzero_${counts++}`;
  const t = new Tensor(mask.graph, NonZeroIndices, [mask], {}, [size], 'int64');
  mask.graph.bindDim(size, t, 0);
  mask.graph.dimShares.set(size, { of: mask.shape[0], fraction: share });
  return t;
}

interface RowsAttrs {
  readonly axis: number;
}

const TakeRows: OpDef<RowsAttrs> = {
  name: 'TakeRows',
  emit: (e, [x, idx], { axis }) => e.node('Gather', [x, idx], { axis }),
  vjp: (d, out) => {
    const [x, idx] = out.inputs;
    const { axis } = out.attrs as RowsAttrs;
    return [putRows(d, idx, axis + 1, [d.shape[0], ...x.shape]), null];
  },
};

/** The slices of x at `indices` (1-D int64, no repeats) along `axis`. */
export function takeRows(x: Tensor, indices: Tensor, axis: number): Tensor {
  if (indices.rank !== 1 || indices.dtype !== 'int64') throw new Error('takeRows: 1-D int64 indices');
  const a = normAxis(axis, x.rank);
  const shape: Dim[] = x.shape.map((d, i) => (i === a ? indices.shape[0] : d));
  return new Tensor(x.graph, TakeRows, [x, indices], { axis: a }, shape, x.dtype);
}

const PutRows: OpDef<RowsAttrs & { readonly shape: Shape }> = {
  name: 'PutRows',
  // ScatterND on the view [P, S, R] of the output (P the dims before `axis`, R those after it), indices [P, n, 2]:
  // it copies each row of R values whole, where ScatterElements would read an int64 index for every value
  emit: (e, [u, idx, zero], { axis, shape }) => {
    const product = (dims: Shape) => {
      if (dims.every((d) => typeof d === 'number'))
        return e.ints([dims.reduce((a: number, d) => a * (d as number), 1)]);
      return dims.map((d) => e.shapeOf([d])).reduce((a, b) => e.node('Mul', [a, b]));
    };
    const P = product(shape.slice(0, axis));
    const R = product(shape.slice(axis + 1));
    const n = e.node('Shape', [idx]);
    const concat = (parts: string[]) => e.node('Concat', parts, { axis: 0 });
    // allowzero: an expert may get no tokens (n = 0), which must not mean "copy this dim"
    const reshape = (x: string, to: string) => e.node('Reshape', [x, to], { allowzero: 1 });
    const zeros = e.node('Expand', [zero, concat([P, e.shapeOf([shape[axis]]), R])]);
    const grid = concat([P, n, e.ints([1])]); // [P, n, 1]
    const scalar = (v: number) => e.constant([v], 'int64', []);
    const leading = e.node('Range', [scalar(0), reshape(P, e.ints([])), scalar(1)]);
    const indices = e.node(
      'Concat',
      [
        e.node('Expand', [reshape(leading, e.ints([-1, 1, 1])), grid]),
        e.node('Expand', [reshape(idx, e.ints([1, -1, 1])), grid]),
      ],
      { axis: 2 },
    );
    const rows = reshape(u, concat([P, n, R]));
    return reshape(e.node('ScatterND', [zeros, indices, rows]), e.shapeOf(shape));
  },
  vjp: (d, out) => {
    const [, idx] = out.inputs;
    const { axis } = out.attrs as RowsAttrs;
    return [takeRows(d, idx, axis + 1), null, null];
  },
};

/** Zeros of `shape` with u's slices at `indices` (1-D int64, no repeats) along `axis`: takeRows' transpose. */
export function putRows(u: Tensor, indices: Tensor, axis: number, shape: Shape): Tensor {
  if (indices.rank !== 1 || indices.dtype !== 'int64') throw new Error('putRows: 1-D int64 indices');
  const a = normAxis(axis, u.rank);
  if (shape.length !== u.rank) throw new Error(`putRows: rank ${shape.length} for rows of rank ${u.rank}`);
  return new Tensor(u.graph, PutRows, [u, indices, u.graph.scalar(0, u.dtype)], { axis: a, shape }, shape, u.dtype);
}
