// ggml's blocks to f32 values, exactly as ggml's own dequantization computes them. In every type the products
// (an f16 scale times integers of at most 8 bits, or two such scales times a quant) are exact in f32, so the
// only rounding is the final add of a minimum or offset: computing in float64 and storing to f32 rounds once,
// as ggml's f32 arithmetic does (with or without fused multiply-adds). The test compares every type with
// ggml's own library, bit for bit.
//
// Layouts, per block (b: the block's bytes; f16 scales little-endian; q: unsigned quants):
//   Q8_0  d, int8 q[32]                      y = d q
//   Q4_0  d, q[16] nibbles                   y = d (q − 8); low nibbles are values 0-15, high ones 16-31
//   Q4_1  d, m, q[16]                        y = d q + m
//   Q5_0  d, qh u32, q[16]                   fifth bit of value j is bit j of qh; y = d (q − 16)
//   Q5_1  d, m, qh u32, q[16]                y = d q + m
//   Q4_K  d, dmin, 12 bytes of eight 6-bit scales and mins, q[128]: four chunks of 64 values, the low
//         nibbles of 32 bytes then their high nibbles, sub-block j: y = (d sc_j) q − (dmin m_j)
//   Q5_K  as Q4_K, with qh[32] before q: the fifth bit of chunk c's low / high half is bit 2c / 2c + 1 of qh[l]
//   Q6_K  ql[128], qh[64], int8 sc[16], d (last): two halves of 128 values, y = (d sc) (q − 32)
import { halfTable } from '../graph/half';
import type { GgmlType } from './ggmlTypes';

type BlockDecoder = (b: Uint8Array, at: number, out: Float32Array, o: number, half: Float32Array) => void;

const i8 = (v: number) => (v << 24) >> 24;
const h16 = (b: Uint8Array, at: number, half: Float32Array) => half[b[at] | (b[at + 1] << 8)];

/** Scale and min of sub-block j (0..7) of a Q4_K / Q5_K block from its 12 packed bytes at `s`. */
function scaleMin(b: Uint8Array, s: number, j: number): [number, number] {
  if (j < 4) return [b[s + j] & 63, b[s + j + 4] & 63];
  return [(b[s + j + 4] & 0x0f) | ((b[s + j - 4] >> 6) << 4), (b[s + j + 4] >> 4) | ((b[s + j] >> 6) << 4)];
}

/**
 * A Q4_K block (fifthBit false) or a Q5_K one: the same scales, mins and chunks; Q5_K has qh[32] before the
 * quants, whose bits 2c and 2c + 1 are the fifth bits of chunk c's low and high halves.
 */
function decodeK(b: Uint8Array, at: number, out: Float32Array, o: number, half: Float32Array, fifthBit: boolean): void {
  const d = h16(b, at, half);
  const dmin = h16(b, at + 2, half);
  const qh = at + 16;
  const qs = fifthBit ? at + 48 : at + 16;
  for (let c = 0; c < 4; c++) {
    const [s1, m1] = scaleMin(b, at + 4, 2 * c);
    const [s2, m2] = scaleMin(b, at + 4, 2 * c + 1);
    const d1 = d * s1;
    const min1 = dmin * m1;
    const d2 = d * s2;
    const min2 = dmin * m2;
    const q = qs + 32 * c;
    for (let l = 0; l < 32; l++) {
      const high = fifthBit ? b[qh + l] : 0;
      out[o + 64 * c + l] = d1 * ((b[q + l] & 15) + 16 * ((high >> (2 * c)) & 1)) - min1;
      out[o + 64 * c + 32 + l] = d2 * ((b[q + l] >> 4) + 16 * ((high >> (2 * c + 1)) & 1)) - min2;
    }
  }
}

const DECODERS: Readonly<Record<string, BlockDecoder>> = {
  Q8_0(b, at, out, o, half) {
    const d = h16(b, at, half);
    for (let j = 0; j < 32; j++) out[o + j] = d * i8(b[at + 2 + j]);
  },
  Q4_0(b, at, out, o, half) {
    const d = h16(b, at, half);
    for (let j = 0; j < 16; j++) {
      const q = b[at + 2 + j];
      out[o + j] = d * ((q & 15) - 8);
      out[o + j + 16] = d * ((q >> 4) - 8);
    }
  },
  Q4_1(b, at, out, o, half) {
    const d = h16(b, at, half);
    const m = h16(b, at + 2, half);
    for (let j = 0; j < 16; j++) {
      const q = b[at + 4 + j];
      out[o + j] = d * (q & 15) + m;
      out[o + j + 16] = d * (q >> 4) + m;
    }
  },
  Q5_0(b, at, out, o, half) {
    const d = h16(b, at, half);
    const qh = (b[at + 2] | (b[at + 3] << 8) | (b[at + 4] << 16) | (b[at + 5] << 24)) >>> 0;
    for (let j = 0; j < 16; j++) {
      const q = b[at + 6 + j];
      out[o + j] = d * (((q & 15) | (((qh >>> j) & 1) << 4)) - 16);
      out[o + j + 16] = d * (((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16);
    }
  },
  Q5_1(b, at, out, o, half) {
    const d = h16(b, at, half);
    const m = h16(b, at + 2, half);
    const qh = (b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24)) >>> 0;
    for (let j = 0; j < 16; j++) {
      const q = b[at + 8 + j];
      out[o + j] = d * ((q & 15) | (((qh >>> j) & 1) << 4)) + m;
      out[o + j + 16] = d * ((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) + m;
    }
  },
  Q4_K: (b, at, out, o, half) => decodeK(b, at, out, o, half, false),
  Q5_K: (b, at, out, o, half) => decodeK(b, at, out, o, half, true),
  Q6_K(b, at, out, o, half) {
    const d = h16(b, at + 208, half);
    for (let n = 0; n < 2; n++) {
      const ql = at + 64 * n;
      const qh = at + 128 + 32 * n;
      const sc = at + 192 + 8 * n;
      const y = o + 128 * n;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const high = b[qh + l];
        const q1 = ((b[ql + l] & 15) | ((high & 3) << 4)) - 32;
        const q2 = ((b[ql + l + 32] & 15) | (((high >> 2) & 3) << 4)) - 32;
        const q3 = ((b[ql + l] >> 4) | (((high >> 4) & 3) << 4)) - 32;
        const q4 = ((b[ql + l + 32] >> 4) | (((high >> 6) & 3) << 4)) - 32;
        out[y + l] = d * i8(b[sc + is]) * q1;
        out[y + l + 32] = d * i8(b[sc + is + 2]) * q2;
        out[y + l + 64] = d * i8(b[sc + is + 4]) * q3;
        out[y + l + 96] = d * i8(b[sc + is + 6]) * q4;
      }
    }
  },
};

/**
 * The values of `count` whole blocks of `type` from `bytes` (starting at byte `from`) into `out` from `at`:
 * count · blockValues values.
 */
export function dequantizeBlocks(
  type: GgmlType,
  bytes: Uint8Array,
  from: number,
  count: number,
  out: Float32Array,
  at = 0,
): void {
  if (from + count * type.blockBytes > bytes.length)
    throw new Error(
      `dequantizeBlocks: ${count} ${type.name} blocks from byte ${from} pass the end of ${bytes.length} bytes`,
    );
  if (at + count * type.blockValues > out.length)
    throw new Error(`dequantizeBlocks: ${count * type.blockValues} values from ${at} pass the end of ${out.length}`);
  const half = halfTable();
  switch (type.name) {
    case 'F32':
      for (let i = 0; i < count; i++) {
        const p = from + 4 * i;
        out[at + i] = new Float32Array(Uint8Array.of(bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]).buffer)[0];
      }
      return;
    case 'F16':
      for (let i = 0; i < count; i++) out[at + i] = h16(bytes, from + 2 * i, half);
      return;
    case 'BF16': {
      const bits = new Uint32Array(out.buffer, out.byteOffset + 4 * at, count);
      for (let i = 0; i < count; i++) bits[i] = (bytes[from + 2 * i] | (bytes[from + 2 * i + 1] << 8)) << 16;
      return;
    }
  }
  const decode = DECODERS[type.name];
  if (!decode) throw new Error(`dequantizeBlocks: no decoder for ${type.name}`);
  for (let i = 0; i < count; i++) decode(bytes, from + i * type.blockBytes, out, at + i * type.blockValues, half);
}
