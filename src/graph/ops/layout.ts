// Ops that move values without arithmetic: Reshape, Transpose, Slice, Pad, Concat, Expand.
// Their VJPs are each other: slice <-> pad, concat -> slices, expand -> unbroadcast.
import { Tensor, type Dim, type OpDef, type Shape } from '../tensor';
import { normAxis } from '../shape';
import { unbroadcast } from './broadcast';

const Reshape: OpDef<{ shape: Shape }> = {
  name: 'Reshape',
  // allowzero: a symbolic dim may be 0 at run time (an empty feed) and must not mean "copy this dim"
  emit: (e, [x], { shape }) => e.node('Reshape', [x, e.shapeOf(shape)], { allowzero: 1 }),
  vjp: (d, out) => [reshape(d, [d.shape[0], ...out.inputs[0].shape])],
};

const Apart: OpDef<{ salt: number }> = {
  name: 'Apart',
  // a Reshape to x's own shape, written per salt with -1 in another place or allowzero flipped
  emit: (e, [x], { salt }, out) =>
    e.node('Reshape', [x, e.shapeOf(out.shape.map((d, i) => (i === (salt >> 1) - 1 ? -1 : d)))], {
      allowzero: salt & 1,
    }),
  vjp: (d) => [d],
};

/**
 * x itself, as a copy that onnxruntime's common-subexpression elimination never merges with x or with a copy
 * of another salt (0 <= salt < 2 (rank + 1)); so what is computed from it stays apart too. For values a
 * backward pass recomputes instead of keeping them from the forward pass: merged, they would be computed
 * once, early, and kept alive. The shape may hold symbols but must not be 0 anywhere at run time.
 */
export function apart(x: Tensor, salt: number): Tensor {
  if (!(Number.isInteger(salt) && salt >= 0 && salt < 2 * (x.rank + 1)))
    throw new Error(`apart: salt ${salt} out of range for rank ${x.rank}`);
  return new Tensor(x.graph, Apart, [x], { salt }, x.shape, x.dtype);
}

/** Every target dim is explicit (a number or a bound symbol). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  return new Tensor(x.graph, Reshape, [x], { shape }, shape, x.dtype);
}

const Transpose: OpDef<{ perm: readonly number[] }> = {
  name: 'Transpose',
  emit: (e, [x], { perm }) => e.node('Transpose', [x], { perm }),
  // the inverse permutation, with the cotangent batch axis kept in front
  vjp: (d, out) => {
    const perm: readonly number[] = out.attrs.perm;
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(d, [0, ...inverse.map((p) => p + 1)])];
  },
};

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.rank) throw new Error(`transpose: perm [${perm}] for rank ${x.rank}`);
  return new Tensor(
    x.graph,
    Transpose,
    [x],
    { perm },
    perm.map((p) => x.shape[p]),
    x.dtype,
  );
}

/** Swaps the last two axes. */
export function transposeLast2(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

interface SliceAttrs {
  readonly axis: number;
  readonly start: number;
  readonly end: number;
}

function staticDim(x: Tensor, axis: number, what: string): number {
  const d = x.shape[axis];
  if (typeof d !== 'number') throw new Error(`${what}: axis ${axis} of [${x.shape}] must be static`);
  return d;
}

const Slice: OpDef<SliceAttrs> = {
  name: 'Slice',
  emit: (e, [x], { axis, start, end }) => e.node('Slice', [x, e.ints([start]), e.ints([end]), e.ints([axis])]),
  vjp: (d, out) => {
    const x = out.inputs[0];
    const { axis, start, end } = out.attrs as SliceAttrs;
    return [pad(d, axis + 1, start, staticDim(x, axis, 'slice') - end)];
  },
};

/** x[..., start:end, ...] along one static axis. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = normAxis(axis, x.rank);
  const size = staticDim(x, a, 'slice');
  if (!(0 <= start && start <= end && end <= size)) throw new Error(`slice [${start}, ${end}) out of [0, ${size})`);
  const shape = x.shape.slice();
  shape[a] = end - start;
  return new Tensor(x.graph, Slice, [x], { axis: a, start, end }, shape, x.dtype);
}

interface PadAttrs {
  readonly axis: number;
  readonly before: number;
  readonly after: number;
}

const Pad: OpDef<PadAttrs> = {
  name: 'Pad',
  emit: (e, [x], { axis, before, after }, out) => {
    const pads = new Array<number>(2 * out.rank).fill(0);
    pads[axis] = before;
    pads[out.rank + axis] = after;
    return e.node('Pad', [x, e.ints(pads)]);
  },
  vjp: (d, out) => {
    const { axis, before } = out.attrs as PadAttrs;
    return [slice(d, axis + 1, before, before + staticDim(out.inputs[0], axis, 'pad'))];
  },
};

/** Zero padding along one static axis. */
export function pad(x: Tensor, axis: number, before: number, after: number): Tensor {
  const a = normAxis(axis, x.rank);
  const shape = x.shape.slice();
  shape[a] = staticDim(x, a, 'pad') + before + after;
  return new Tensor(x.graph, Pad, [x], { axis: a, before, after }, shape, x.dtype);
}

const Concat: OpDef<{ axis: number }> = {
  name: 'Concat',
  emit: (e, xs, { axis }) => e.node('Concat', xs, { axis }),
  vjp: (d, out) => {
    const axis: number = out.attrs.axis;
    let start = 0;
    return out.inputs.map((x) => {
      const size = staticDim(x, axis, 'concat gradient');
      const part = slice(d, axis + 1, start, start + size);
      start += size;
      return part;
    });
  },
};

/**
 * Concatenation. `dim` names the result's size along the axis when it is not a static sum (e.g. past + new
 * tokens in the KV cache).
 */
export function concat(xs: readonly Tensor[], axis: number, dim?: Dim): Tensor {
  const a = normAxis(axis, xs[0].rank);
  const sizes = xs.map((x) => x.shape[a]);
  const size =
    dim ?? (sizes.every((s) => typeof s === 'number') ? (sizes as number[]).reduce((p, q) => p + q, 0) : undefined);
  if (size === undefined) throw new Error('concat over symbolic sizes needs the result dim');
  const shape = xs[0].shape.slice();
  shape[a] = size;
  return new Tensor(xs[0].graph, Concat, xs, { axis: a }, shape, xs[0].dtype);
}

const Expand: OpDef<{ shape: Shape }> = {
  name: 'Expand',
  emit: (e, [x], { shape }) => e.node('Expand', [x, e.shapeOf(shape)]),
  vjp: (d, out) => [unbroadcast(d, out.inputs[0])],
};

/** Broadcasts x to `shape` (numpy rules). */
export function expand(x: Tensor, shape: Shape): Tensor {
  return new Tensor(x.graph, Expand, [x], { shape }, shape, x.dtype);
}

/** Inserts a size-1 axis. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  const shape = x.shape.slice();
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

const TakeLast: OpDef<{ axis: number }> = {
  name: 'TakeLast',
  // Slice from -1 clamps to an empty result on an empty axis, where Gather(-1) would fail
  emit: (e, [x], { axis }) => e.node('Slice', [x, e.ints([-1]), e.ints([2 ** 62]), e.ints([axis])]),
};

/** The last entry along `axis` (kept as size 1; empty stays empty). Not differentiable. */
export function takeLast(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank);
  const shape = x.shape.slice();
  shape[a] = 1;
  return new Tensor(x.graph, TakeLast, [x], { axis: a }, shape, x.dtype);
}
