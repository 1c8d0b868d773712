// Writes Hugging Face safetensors files for tests: an 8-byte little-endian header length, a JSON header,
// then the raw bytes. Independent of src/model (which only reads), so the reader is tested against it.
import { writeFileSync } from 'node:fs';

export type StoredDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export interface TensorToWrite {
  readonly dtype: StoredDtype;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>; // values as numbers; converted to dtype here
}

const scratch = new DataView(new ArrayBuffer(4));

/** Round-to-nearest-even f32 -> bf16 bits. */
export function toBf16Bits(x: number): number {
  scratch.setFloat32(0, x, true);
  const bits = scratch.getUint32(0, true);
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

export function fromBf16Bits(h: number): number {
  scratch.setUint32(0, h << 16, true);
  return scratch.getFloat32(0, true);
}

/** f32 -> IEEE half bits (round to nearest even, no NaN payloads needed here). */
export function toF16Bits(value: number): number {
  scratch.setFloat32(0, value, true);
  const x = scratch.getUint32(0, true);
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >>> (1 - exp);
    if (mant & 0x1000 && (mant & 0x2fff) !== 0) mant += 0x2000;
    return sign | (mant >>> 13);
  }
  if (mant & 0x1000 && (mant & 0x2fff) !== 0) {
    mant += 0x2000;
    if (mant & 0x800000) {
      mant = 0;
      exp += 1;
      if (exp >= 31) return sign | 0x7c00;
    }
  }
  return sign | (exp << 10) | (mant >>> 13);
}

export function fromF16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Value as the checkpoint will store it (so references can use exactly the stored numbers). */
export function roundTo(dtype: StoredDtype, x: number): number {
  if (dtype === 'F16') return fromF16Bits(toF16Bits(x));
  if (dtype === 'BF16') return fromBf16Bits(toBf16Bits(x));
  if (dtype === 'F32') return Math.fround(x);
  return x;
}

function encode(t: TensorToWrite): Buffer {
  const n = t.data.length;
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count !== n) throw new Error(`shape ${t.shape} holds ${count} values, got ${n}`);
  switch (t.dtype) {
    case 'F32': {
      const b = Buffer.alloc(4 * n);
      for (let i = 0; i < n; i++) b.writeFloatLE(t.data[i], 4 * i);
      return b;
    }
    case 'F64': {
      const b = Buffer.alloc(8 * n);
      for (let i = 0; i < n; i++) b.writeDoubleLE(t.data[i], 8 * i);
      return b;
    }
    case 'F16':
    case 'BF16': {
      const b = Buffer.alloc(2 * n);
      const conv = t.dtype === 'F16' ? toF16Bits : toBf16Bits;
      for (let i = 0; i < n; i++) b.writeUInt16LE(conv(t.data[i]), 2 * i);
      return b;
    }
  }
}

/** Serialises tensors (in insertion order) to safetensors bytes; `metadata` goes under "__metadata__". */
export function safetensorsBytes(
  tensors: ReadonlyMap<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const bodies: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const body = encode(t);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + body.length] };
    bodies.push(body);
    offset += body.length;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' '; // the format pads the header with spaces
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), ...bodies]);
}

export function writeSafetensors(path: string, tensors: ReadonlyMap<string, TensorToWrite>): void {
  writeFileSync(path, safetensorsBytes(tensors, { format: 'pt' }));
}
