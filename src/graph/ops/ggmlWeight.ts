// A weight stored as in a GGUF file, widened to f32 inside the graph where it is used: its rows optionally
// reordered (the q/k rows of llama-architecture files), then ggml's blocks decoded with ONNX operators, so
// that the model holds the file's bytes and only the weight in use exists in f32. The arithmetic is ggml's
// (src/model/dequantize.ts states the formulas): integer fields are cut from the bytes with shifts, the f16
// scales looked up in a table of all 65536 halves, and every product is exact in f32, so the values are
// those of the JS dequantizer bit for bit (the test checks both against each other, and that against ggml).
//
// The input is the stored leaf: uint8 [rows, rowBytes] for a block type, or the float16 / bfloat16 / float32
// [rows, rowValues] tensor of a float type; or rows gathered from it ([..., rowBytes]: an embedding's rows for
// some token ids), whose leading dims may be symbolic: only those rows are widened. In a backward pass the widening is
// recomputed (autodiff's
// `recompute`) rather than kept alive from the forward pass.
import { halfTable } from '../half';
import { Tensor, type Emitter, type OpDef } from '../tensor';
import { apart } from './layout';
import { ONNX_DTYPE } from './select';

export interface GgmlWeightAttrs {
  readonly type: string; // ggml type name
  readonly rowValues: number;
  readonly blockValues: number;
  readonly blockBytes: number;
  readonly rowOrder?: readonly number[]; // the stored row holding each row
}

const FLOAT_TYPES = new Set(['F32', 'F16', 'BF16']);

/** The emitting helpers of one decode: slices of the blocks, nibbles, bits, the half table. */
function decoder(e: Emitter, blocks: string) {
  const u8 = (v: number) => e.constant([v], 'uint8', [], `u8:${v}`);
  const shiftRight = (x: string, n: number) => (n === 0 ? x : e.node('BitShift', [x, u8(n)], { direction: 'RIGHT' }));
  const shiftLeft = (x: string, n: number) => (n === 0 ? x : e.node('BitShift', [x, u8(n)], { direction: 'LEFT' }));
  /**
   * The low `bits` bits of uint8 x: shifted out at the top and back (opset 17 has no BitwiseAnd; onnxruntime's uint8
   * Mod is slower than two shifts).
   */
  const low = (x: string, bits: number) => shiftRight(shiftLeft(x, 8 - bits), 8 - bits);
  const bytes = (from: number, to: number) => e.node('Slice', [blocks, e.ints([from]), e.ints([to]), e.ints([1])]);
  const toFloat = (x: string) => e.node('Cast', [x], { to: ONNX_DTYPE.float32 });
  const reshape = (x: string, dims: readonly number[]) => e.node('Reshape', [x, e.ints(dims)]);
  /**
   * The `count` consecutive f16 values from byte `at` of each block, as f32 [N, count]: the bytes as floats
   * times [1; 256] (a MatMul, exact below 2^16) index the table of all 65536 halves.
   */
  const halves = (at: number, count: number) => {
    const weights = Array.from({ length: 2 * count * count }, (_, i) => {
      const [r, c] = [Math.floor(i / count), i % count];
      return Math.floor(r / 2) === c ? (r % 2 === 0 ? 1 : 256) : 0;
    });
    const index = e.node('MatMul', [
      toFloat(bytes(at, at + 2 * count)),
      e.constant(weights, 'float32', [2 * count, count]),
    ]);
    const table = e.constant(Array.from(halfTable()), 'float32', [65536], 'ggml:half-table');
    return e.node('Gather', [table, e.node('Cast', [index], { to: ONNX_DTYPE.int64 })], { axis: 0 });
  };
  /** x [..., 1 at axis] shifted right by 0, step, 2 step, ... (count shifts) along that axis. */
  const shifts = (x: string, count: number, step: number, shape: readonly number[]) =>
    e.node(
      'BitShift',
      [
        x,
        e.constant(
          Array.from({ length: count }, (_, i) => i * step),
          'uint8',
          shape,
        ),
      ],
      { direction: 'RIGHT' },
    );
  return { shiftRight, shiftLeft, low, bytes, toFloat, halves, reshape, shifts };
}

/**
 * The f32 values of N blocks [N, blockBytes] of a block type, in any shape that flattens to [N, blockValues]
 * in order (N, the leading dim, as -1). Integers stay uint8 (int8 for Q8_0) up to one DequantizeLinear per
 * block or sub-block, (q - zero point) · scale with the scale per row of q: in f32 as ggml computes it, since
 * every such product is exact; Q4_1, Q5_1 and the K-quants then add or subtract their mins.
 */
function decodeBlocks(e: Emitter, blocks: string, type: string): string {
  const N = -1;
  const d = decoder(e, blocks);
  const { bytes, toFloat, halves, reshape, low, shiftRight, shiftLeft, shifts } = d;
  /** q [R, n] integers, one scale [R] a row (and a zero point, the same for every row): f32 [R, n]. */
  const dequantize = (q: string, scale: string, zeroPoint?: number) => {
    const inputs = [q, scale];
    if (zeroPoint !== undefined)
      inputs.push(
        e.node('Expand', [e.constant([zeroPoint], 'uint8', [], `u8:${zeroPoint}`), e.node('Shape', [scale])]),
      );
    return e.node('DequantizeLinear', inputs, { axis: 0 });
  };
  /**
   * The low nibbles, then the high ones, of x [..., 1 at axis, ...] along that axis (size 2): shifted left by
   * 4 and 0, then right by 4, two broadcast shifts and no Concat.
   */
  const nibblePairs = (x: string, amountsShape: readonly number[]) =>
    shiftRight(e.node('BitShift', [x, e.constant([4, 0], 'uint8', amountsShape)], { direction: 'LEFT' }), 4);
  /** lows then highs of q [N, n] nibbles: [N, 2n]. */
  const nibbles = (q: string, n: number) => reshape(nibblePairs(reshape(q, [N, 1, n]), [1, 2, 1]), [N, 2 * n]);
  /** The low `bits` bits of x moved up to bit 4 (the high bits of a 5- or 6-bit quant): two shifts. */
  const bitsAt4 = (x: string, bits: number) => shiftRight(shiftLeft(x, 8 - bits), 4 - bits);
  /** 32 fifth bits from 4 bytes [N, 4] (bit j of the little-endian u32), times 16: uint8 [N, 32]. */
  const fifthBits = (qh: string) => reshape(bitsAt4(shifts(reshape(qh, [N, 4, 1]), 8, 1, [1, 1, 8]), 1), [N, 32]);
  /** d and m, the first two halves of each block, as [N] and [N, 1]. */
  const scaleAndMin = () => {
    const [dd, m] = e.nodeOutputs('Split', [halves(0, 2), e.ints([1, 1])], 2, { axis: 1 });
    return [reshape(dd, [N]), m];
  };
  switch (type) {
    case 'Q8_0':
      return dequantize(e.node('Cast', [bytes(2, 34)], { to: ONNX_DTYPE.int8 }), reshape(halves(0, 1), [N]));
    case 'Q4_0':
      return dequantize(nibbles(bytes(2, 18), 16), reshape(halves(0, 1), [N]), 8);
    case 'Q4_1': {
      const [dd, m] = scaleAndMin();
      return e.node('Add', [dequantize(nibbles(bytes(4, 20), 16), dd), m]);
    }
    case 'Q5_0':
      return dequantize(
        e.node('Add', [nibbles(bytes(6, 22), 16), fifthBits(bytes(2, 6))]),
        reshape(halves(0, 1), [N]),
        16,
      );
    case 'Q5_1': {
      const [dd, m] = scaleAndMin();
      return e.node('Add', [dequantize(e.node('Add', [nibbles(bytes(8, 24), 16), fifthBits(bytes(4, 8))]), dd), m]);
    }
    case 'Q4_K':
    case 'Q5_K': {
      // eight 6-bit scales and mins from 12 bytes a, b, c (4 each): j < 4 the low 6 bits of a (scales) and b
      // (mins); j >= 4 the nibbles of c (low: scales, high: mins) with the top 2 bits of a and b above them.
      // ab [N, 8] and the high parts [N, 8] both run (scales 0-3 | mins 0-3), stacked as (kind, j) [N, 2, 8]
      const ab = bytes(4, 12);
      const c = bytes(12, 16);
      const high = e.node('Add', [shiftLeft(shiftRight(ab, 6), 4), nibbles(c, 4)]); // (scales 4-7 | mins 4-7)
      // [N, 2, 8]
      const fields = toFloat(e.node('Concat', [reshape(low(ab, 6), [N, 2, 4]), reshape(high, [N, 2, 4])], { axis: 2 }));
      const scaled = reshape(e.node('Mul', [reshape(halves(0, 2), [N, 2, 1]), fields]), [N, 2, 8]); // d·scale, dmin·min
      const [scale, min] = e.nodeOutputs('Split', [scaled, e.ints([1, 1])], 2, { axis: 1 }); // [N, 1, 8] each
      const qs = reshape(type === 'Q4_K' ? bytes(16, 144) : bytes(48, 176), [N, 4, 1, 32]); // chunk c: 32 bytes
      let q = reshape(nibblePairs(qs, [1, 1, 2, 1]), [N, 1, 8, 32]); // sub-block 2c + nibble
      if (type === 'Q5_K') {
        // the fifth bit of sub-block s is bit s of qh[l]
        const qh = reshape(bytes(16, 48), [N, 1, 1, 32]);
        q = e.node('Add', [q, bitsAt4(shifts(qh, 8, 1, [1, 1, 8, 1]), 1)]);
      }
      // one row of 32 a sub-block
      return e.node('Sub', [dequantize(reshape(q, [N, 32]), reshape(scale, [N])), reshape(min, [N, 1])]);
    }
    case 'Q6_K': {
      // per half n and l < 32: q_k = nibble (low for k = 0, 1; high for 2, 3) of ql[l + 32 (k mod 2)], with
      // bits 2k, 2k + 1 of qh[l] above it; value 128 n + 32 k + l; scale sc[8 n + 2 k + l / 16]
      const ql = reshape(bytes(0, 128), [N, 2, 1, 2, 32]); // (n, ·, k mod 2, l)
      const nib = reshape(nibblePairs(ql, [1, 1, 2, 1, 1]), [N, 2, 4, 32]);
      const qh = reshape(bytes(128, 192), [N, 2, 1, 32]);
      const high = bitsAt4(shifts(qh, 4, 2, [1, 1, 4, 1]), 2);
      const sc = toFloat(e.node('Cast', [reshape(bytes(192, 208), [N, 16])], { to: ONNX_DTYPE.int8 }));
      const scale = e.node('Mul', [halves(208, 1), sc]); // [N, 16]: d · sc
      // one row of 16 a scale: (q - 32) · d · sc
      return dequantize(reshape(e.node('Add', [nib, high]), [N, 16]), reshape(scale, [N]), 32);
    }
    default:
      throw new Error(`ggmlWeight: no decoder for ${type}`);
  }
}

const GgmlWeight: OpDef<GgmlWeightAttrs> = {
  name: 'GgmlWeight',
  emit(e, [stored], attrs, out) {
    const { type, rowValues, blockBytes, rowOrder } = attrs;
    const widen = () => {
      const ordered = rowOrder ? e.node('Gather', [stored, e.ints(rowOrder)], { axis: 0 }) : stored;
      if (FLOAT_TYPES.has(type))
        return type === 'F32' ? e.node('Identity', [ordered]) : e.node('Cast', [ordered], { to: ONNX_DTYPE.float32 });
      return decodeBlocks(e, e.node('Reshape', [ordered, e.ints([-1, blockBytes])]), type);
    };
    if (FLOAT_TYPES.has(type)) return widen(); // a Cast (and a Gather), as safetensors weights
    // a chain of some twenty nodes a weight, as one node (an If whose condition, the stored bytes being
    // non-empty, is always true): onnxruntime schedules it as it schedules a Cast, right before its use, and
    // frees its intermediates when it returns
    const values = e.branch(e.node('Greater', [e.node('Size', [stored]), e.ints([0])]), widen);
    // shaped outside the branch, where the Reshape reuses the buffer (inside, it copied the weight)
    if (out.shape.every((dim) => typeof dim === 'number'))
      return e.node('Reshape', [values, e.ints(out.shape as number[])]);
    // the stored leading dims (symbolic for gathered rows), then each row's values
    const leading = e.node('Slice', [e.node('Shape', [stored]), e.ints([0]), e.ints([-1]), e.ints([0])]);
    return e.node('Reshape', [values, e.node('Concat', [leading, e.ints([rowValues])], { axis: 0 })]);
  },
};

/** The f32 [..., rowValues] values of a stored GGUF weight [..., rowBytes] (or of rows gathered from one). */
export function ggmlWeight(stored: Tensor, attrs: GgmlWeightAttrs): Tensor {
  if (attrs.rowOrder && (stored.rank !== 2 || attrs.rowOrder.length !== stored.shape[0]))
    throw new Error(
      `ggmlWeight: ${attrs.rowOrder.length} row indices for a stored tensor [${stored.shape.join(', ')}]`,
    );
  return new Tensor(
    stored.graph,
    GgmlWeight,
    [stored],
    attrs,
    [...stored.shape.slice(0, -1), attrs.rowValues],
    'float32',
  );
}

/** Whether t widens a stored GGUF weight: a backward pass recomputes it (recomputeGgmlWeight) instead of keeping it. */
export const isGgmlWeight = (t: Tensor): boolean => t.op === GgmlWeight;

/** The widening again, over `apart(stored, salt)`, so the runtime cannot merge it with the forward pass's. */
export function recomputeGgmlWeight(t: Tensor, salt: number): Tensor {
  return ggmlWeight(apart(t.inputs[0], salt), t.attrs as GgmlWeightAttrs);
}
