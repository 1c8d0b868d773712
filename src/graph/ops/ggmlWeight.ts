// A weight stored as in a GGUF file, widened to f32 inside the graph where it is used: its rows optionally
// reordered (the q/k rows of llama-architecture files), then ggml's blocks decoded with ONNX operators, so
// that the model holds the file's bytes and only the weight in use exists in f32. The arithmetic is ggml's
// (src/gguf/dequantize.ts states the formulas): integer fields are cut from the bytes with shifts, the f16
// scales looked up in a table of all 65536 halves, and every product is exact in f32, so the values are
// those of the JS dequantizer bit for bit (the test checks both against each other, and that against ggml).
//
// The input is the stored leaf: uint8 [rows, rowBytes] for a block type, or the float16 / bfloat16 / float32
// [rows, rowValues] tensor of a float type. In a backward pass the widening is recomputed (autodiff's
// `recompute`) rather than kept alive from the forward pass.
import { halfTable } from '../../model/half';
import { Tensor, type Emitter, type OpDef } from '../tensor';
import { apart } from './layout';
import { ONNX_DTYPE } from './select';

export interface GgmlWeightAttrs {
  readonly type: string; // ggml type name
  readonly rows: number;
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
  /** The low `bits` bits of uint8 x: shifted out at the top and back (uint8 shifts drop what leaves the byte). */
  const low = (x: string, bits: number) => shiftRight(shiftLeft(x, 8 - bits), 8 - bits);
  const bytes = (from: number, to: number) => e.node('Slice', [blocks, e.ints([from]), e.ints([to]), e.ints([1])]);
  const toFloat = (x: string) => e.node('Cast', [x], { to: ONNX_DTYPE.float32 });
  const toInt64 = (x: string) => e.node('Cast', [x], { to: ONNX_DTYPE.int64 });
  const table = () => e.constant(Array.from(halfTable()), 'float32', [65536], 'ggml:half-table');
  /** The f16 at byte `at` of each block, as f32 [N, 1]. */
  const half = (at: number) => {
    const index = e.node('Add', [toInt64(bytes(at, at + 1)), e.node('Mul', [toInt64(bytes(at + 1, at + 2)), e.ints([256])])]);
    return e.node('Gather', [table(), index], { axis: 0 });
  };
  const reshape = (x: string, dims: readonly number[]) => e.node('Reshape', [x, e.ints(dims)]);
  const unsqueeze = (x: string, axis: number) => e.node('Unsqueeze', [x, e.ints([axis])]);
  /** x [..., 1 at axis] shifted right by 0, step, 2 step, ... (count shifts) along that axis. */
  const shifts = (x: string, count: number, step: number, shape: readonly number[]) =>
    e.node('BitShift', [x, e.constant(Array.from({ length: count }, (_, i) => i * step), 'uint8', shape)], { direction: 'RIGHT' });
  return { u8, shiftRight, shiftLeft, low, bytes, toFloat, half, reshape, unsqueeze, shifts };
}

/** The f32 values [N, blockValues] of N blocks [N, blockBytes] of a block type. */
function decodeBlocks(e: Emitter, blocks: string, type: string, N: number): string {
  const d = decoder(e, blocks);
  const { bytes, toFloat, half, reshape, low, shiftRight, shiftLeft, unsqueeze, shifts } = d;
  const f = (v: number) => e.constant([v], 'float32', []);
  /** lows then highs of q [N, n] nibbles: [N, 2n]. */
  const nibbles = (q: string) => e.node('Concat', [low(q, 4), shiftRight(q, 4)], { axis: 1 });
  /** 32 fifth bits from 4 bytes [N, 4] (bit j of the little-endian u32), times 16: uint8 [N, 32]. */
  const fifthBits = (qh: string) => shiftLeft(reshape(low(shifts(unsqueeze(qh, 2), 8, 1, [1, 1, 8]), 1), [N, 32]), 4);
  switch (type) {
    case 'Q8_0': {
      const q = toFloat(e.node('Cast', [bytes(2, 34)], { to: ONNX_DTYPE.int8 }));
      return e.node('Mul', [half(0), q]);
    }
    case 'Q4_0':
      return e.node('Mul', [half(0), e.node('Sub', [toFloat(nibbles(bytes(2, 18))), f(8)])]);
    case 'Q4_1':
      return e.node('Add', [e.node('Mul', [half(0), toFloat(nibbles(bytes(4, 20)))]), half(2)]);
    case 'Q5_0':
      return e.node('Mul', [half(0), e.node('Sub', [toFloat(e.node('Add', [nibbles(bytes(6, 22)), fifthBits(bytes(2, 6))])), f(16)])]);
    case 'Q5_1':
      return e.node('Add', [e.node('Mul', [half(0), toFloat(e.node('Add', [nibbles(bytes(8, 24)), fifthBits(bytes(4, 8))]))]), half(2)]);
    case 'Q4_K':
    case 'Q5_K': {
      // eight 6-bit scales and mins from 12 bytes a, b, c (4 each): j < 4 the low 6 bits of a (scales) and b
      // (mins); j >= 4 the nibbles of c with the top 2 bits of a (scales) and b (mins) above them
      const a = bytes(4, 8);
      const b = bytes(8, 12);
      const c = bytes(12, 16);
      const scales = toFloat(e.node('Concat', [low(a, 6), e.node('Add', [low(c, 4), shiftLeft(shiftRight(a, 6), 4)])], { axis: 1 })); // [N, 8]
      const mins = toFloat(e.node('Concat', [low(b, 6), e.node('Add', [shiftRight(c, 4), shiftLeft(shiftRight(b, 6), 4)])], { axis: 1 }));
      const scale = unsqueeze(e.node('Mul', [half(0), scales]), 2); // [N, 8, 1]
      const min = unsqueeze(e.node('Mul', [half(2), mins]), 2);
      const qs = reshape(type === 'Q4_K' ? bytes(16, 144) : bytes(48, 176), [N, 4, 1, 32]); // chunk c: 32 bytes
      let q = reshape(e.node('Concat', [low(qs, 4), shiftRight(qs, 4)], { axis: 2 }), [N, 8, 32]); // sub-block 2c + nibble
      if (type === 'Q5_K') {
        // the fifth bit of sub-block s is bit s of qh[l]
        const qh = reshape(bytes(16, 48), [N, 1, 32]);
        q = e.node('Add', [q, shiftLeft(low(shifts(qh, 8, 1, [1, 8, 1]), 1), 4)]);
      }
      return reshape(e.node('Sub', [e.node('Mul', [scale, toFloat(q)]), min]), [N, 256]);
    }
    case 'Q6_K': {
      // per half n and l < 32: q_k = nibble (low for k = 0, 1; high for 2, 3) of ql[l + 32 (k mod 2)], with
      // bits 2k, 2k + 1 of qh[l] above it; value 128 n + 32 k + l; scale sc[8 n + 2 k + l / 16]
      const ql = reshape(bytes(0, 128), [N, 2, 1, 2, 32]); // (n, ·, k mod 2, l)
      const nib = reshape(e.node('Concat', [low(ql, 4), shiftRight(ql, 4)], { axis: 2 }), [N, 2, 4, 32]);
      const qh = reshape(bytes(128, 192), [N, 2, 1, 32]);
      const high = shiftLeft(low(shifts(qh, 4, 2, [1, 1, 4, 1]), 2), 4);
      const q = e.node('Sub', [toFloat(e.node('Add', [nib, high])), f(32)]); // [N, 2, 4, 32]
      const sc = toFloat(e.node('Cast', [reshape(bytes(192, 208), [N, 2, 4, 2, 1])], { to: ONNX_DTYPE.int8 }));
      const scale = e.node('Mul', [reshape(half(208), [N, 1, 1, 1, 1]), sc]);
      return reshape(e.node('Mul', [scale, reshape(q, [N, 2, 4, 2, 16])]), [N, 256]);
    }
    default:
      throw new Error(`ggmlWeight: no decoder for ${type}`);
  }
}

const GgmlWeight: OpDef<GgmlWeightAttrs> = {
  name: 'GgmlWeight',
  emit(e, [stored], attrs) {
    const { type, rows, rowValues, blockValues, blockBytes, rowOrder } = attrs;
    const widen = () => {
      const ordered = rowOrder ? e.node('Gather', [stored, e.ints(rowOrder)], { axis: 0 }) : stored;
      if (FLOAT_TYPES.has(type)) return type === 'F32' ? e.node('Identity', [ordered]) : e.node('Cast', [ordered], { to: ONNX_DTYPE.float32 });
      const N = (rows * rowValues) / blockValues;
      const blocks = e.node('Reshape', [ordered, e.ints([N, blockBytes])]);
      return e.node('Reshape', [decodeBlocks(e, blocks, type, N), e.ints([rows, rowValues])]);
    };
    if (FLOAT_TYPES.has(type)) return widen(); // a Cast (and a Gather), as safetensors weights
    // a chain of some twenty nodes a weight, as one node (an If whose condition, the stored bytes being
    // non-empty, is always true): onnxruntime schedules it as it schedules a Cast, right before its use, and
    // frees its intermediates when it returns
    return e.branch(e.node('Greater', [e.node('Size', [stored]), e.ints([0])]), widen);
  },
};

/** The f32 [rows, rowValues] values of a stored GGUF weight. */
export function ggmlWeight(stored: Tensor, attrs: GgmlWeightAttrs): Tensor {
  if (attrs.rowOrder && attrs.rowOrder.length !== attrs.rows) throw new Error(`ggmlWeight: ${attrs.rowOrder.length} row indices for ${attrs.rows} rows`);
  return new Tensor(stored.graph, GgmlWeight, [stored], attrs, [attrs.rows, attrs.rowValues], 'float32');
}

/** Whether t widens a stored GGUF weight: a backward pass recomputes it (recomputeGgmlWeight) instead of keeping it. */
export const isGgmlWeight = (t: Tensor): boolean => t.op === GgmlWeight;

/** The widening again, over `apart(stored, salt)`, so the runtime cannot merge it with the forward pass's. */
export function recomputeGgmlWeight(t: Tensor, salt: number): Tensor {
  return ggmlWeight(apart(t.inputs[0], salt), t.attrs as GgmlWeightAttrs);
}
