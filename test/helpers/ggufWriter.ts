// Writes GGUF files for the tests (and the bench): a header, typed metadata, tensor infos and the aligned data,
// little-endian, version 3 (or 2, which has the same layout). Tensors come as their ggml type number and raw
// bytes (quantize them with test/helpers/ggmlReference.ts). Options that break the file on purpose let the
// tests check the reader's errors.
import { writeFileSync } from 'node:fs';

export type GgufValue =
  | {
      readonly type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'u64' | 'i64' | 'f64';
      readonly value: number | bigint | boolean;
    }
  | { readonly type: 'string'; readonly value: string }
  | {
      readonly type: 'array';
      readonly of: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'u64' | 'i64' | 'f64' | 'string';
      readonly value: readonly (number | string | boolean | bigint)[];
    };

export interface GgufTensorSpec {
  readonly name: string;
  /** In GGUF order: the innermost (row) dimension first, as ggml's ne. */
  readonly ne: readonly number[];
  readonly type: number;
  readonly data: Uint8Array;
}

export interface GgufWriteOptions {
  readonly version?: number; // default 3
  readonly alignment?: number; // written as general.alignment when not 32
  readonly magic?: string; // default "GGUF"
  /** Bytes to drop from the end of the file. */
  readonly truncate?: number;
  /** Added to a tensor's written offset (bytes), by name: to misplace its data. */
  readonly offsetShift?: Readonly<Record<string, number>>;
}

const SCALAR_CODES = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

class Bytes {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number | bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  scalar(type: keyof typeof SCALAR_CODES, v: number | bigint | boolean | string): void {
    const b = Buffer.alloc(8);
    switch (type) {
      case 'u8':
        return this.push(Buffer.from([Number(v)]));
      case 'i8':
        b.writeInt8(Number(v));
        return this.push(b.subarray(0, 1));
      case 'bool':
        return this.push(Buffer.from([v ? 1 : 0]));
      case 'u16':
        b.writeUInt16LE(Number(v));
        return this.push(b.subarray(0, 2));
      case 'i16':
        b.writeInt16LE(Number(v));
        return this.push(b.subarray(0, 2));
      case 'u32':
        b.writeUInt32LE(Number(v));
        return this.push(b.subarray(0, 4));
      case 'i32':
        b.writeInt32LE(Number(v));
        return this.push(b.subarray(0, 4));
      case 'f32':
        b.writeFloatLE(Number(v));
        return this.push(b.subarray(0, 4));
      case 'u64':
        b.writeBigUInt64LE(BigInt(v as number));
        return this.push(b);
      case 'i64':
        b.writeBigInt64LE(BigInt(v as number));
        return this.push(b);
      case 'f64':
        b.writeDoubleLE(Number(v));
        return this.push(b);
      case 'string':
        return this.string(String(v));
      default:
        throw new Error(`scalar ${type}`);
    }
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The file's bytes. */
export function ggufBytes(
  metadata: Readonly<Record<string, GgufValue>>,
  tensors: readonly GgufTensorSpec[],
  options: GgufWriteOptions = {},
): Buffer {
  const alignment = options.alignment ?? 32;
  const meta: Record<string, GgufValue> = { ...metadata };
  if (alignment !== 32) meta['general.alignment'] = { type: 'u32', value: alignment };
  const out = new Bytes();
  out.push(Buffer.from(options.magic ?? 'GGUF', 'latin1'));
  out.u32(options.version ?? 3);
  out.u64(tensors.length);
  out.u64(Object.keys(meta).length);
  for (const [key, v] of Object.entries(meta)) {
    out.string(key);
    out.u32(SCALAR_CODES[v.type]);
    if (v.type === 'array') {
      out.u32(SCALAR_CODES[v.of]);
      out.u64(v.value.length);
      for (const x of v.value) out.scalar(v.of, x);
    } else out.scalar(v.type, v.value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset += Math.ceil(t.data.length / alignment) * alignment;
  }
  tensors.forEach((t, i) => {
    out.string(t.name);
    out.u32(t.ne.length);
    for (const n of t.ne) out.u64(n);
    out.u32(t.type);
    out.u64(offsets[i] + (options.offsetShift?.[t.name] ?? 0));
  });
  const pad = (n: number) => Math.ceil(n / alignment) * alignment - n;
  out.push(Buffer.alloc(pad(out.length)));
  tensors.forEach((t) => {
    out.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.push(Buffer.alloc(pad(t.data.length)));
  });
  const bytes = out.concat();
  return options.truncate ? bytes.subarray(0, bytes.length - options.truncate) : bytes;
}

export function writeGguf(
  path: string,
  metadata: Readonly<Record<string, GgufValue>>,
  tensors: readonly GgufTensorSpec[],
  options: GgufWriteOptions = {},
): void {
  writeFileSync(path, ggufBytes(metadata, tensors, options));
}

/** Shorthands for metadata values. */
export const gv = {
  str: (value: string): GgufValue => ({ type: 'string', value }),
  u32: (value: number): GgufValue => ({ type: 'u32', value }),
  i32: (value: number): GgufValue => ({ type: 'i32', value }),
  u64: (value: number): GgufValue => ({ type: 'u64', value }),
  f32: (value: number): GgufValue => ({ type: 'f32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  strings: (value: readonly string[]): GgufValue => ({ type: 'array', of: 'string', value }),
  i32s: (value: readonly number[]): GgufValue => ({ type: 'array', of: 'i32', value }),
  f32s: (value: readonly number[]): GgufValue => ({ type: 'array', of: 'f32', value }),
};

/** f32 values as a tensor's bytes (ggml type 0). */
export const f32Bytes = (values: Float32Array): Uint8Array =>
  new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
