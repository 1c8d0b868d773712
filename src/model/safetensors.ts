// Reads the weights of a Hugging Face checkpoint from safetensors: one `model.safetensors`, or shards listed
// in `model.safetensors.index.json`. A safetensors file is an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets: [start, end]}} and then the raw bytes, offsets relative to the
// end of the header. Opening reads only the headers; a tensor's bytes are read when asked for, one tensor at
// a time. It is not a writer (test/helpers/safetensorsWriter.ts is) and it does not know tensor names.
import { closeSync, existsSync, fstatSync, openSync, read, readSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fail, LensFailure, ok, type Result } from '../lensError';
import { halfTable } from '../graph/half';
import { dequantizeBlocks } from './dequantize';
import { ggmlTypeByName } from './ggmlTypes';

/** Bytes per element of each dtype the format defines. Only the float ones can be read as f32. */
const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
} as const;
export type Dtype = keyof typeof DTYPE_BYTES;

const isDtype = (x: unknown): x is Dtype => typeof x === 'string' && Object.hasOwn(DTYPE_BYTES, x);

/** ggml's block types (src/model/ggmlTypes.ts): a tensor of a GGUF file in one of these is read through its blocks. */
export type BlockDtype = 'Q4_0' | 'Q4_1' | 'Q5_0' | 'Q5_1' | 'Q8_0' | 'Q4_K' | 'Q5_K' | 'Q6_K';

export interface TensorInfo {
  readonly name: string;
  readonly dtype: Dtype | BlockDtype;
  readonly shape: readonly number[];
  readonly file: string; // absolute path of the safetensors file holding the bytes
  readonly byteOffset: number; // absolute offset of the first byte in `file`: 8 + headerLength + data_offsets[0]
  readonly byteLength: number;
  /** A GGUF file's tensor: the graph widens it block by block (src/graph/ops/ggmlWeight.ts). */
  readonly gguf?: boolean;
  /** The stored row (along the first axis) that holds each row, where the file reordered them. */
  readonly rowOrder?: readonly number[];
}

export interface WeightStore {
  readonly files: readonly string[]; // absolute paths, in index order
  readonly totalBytes: number; // sum of the tensors' byte lengths
  names(): string[];
  info(name: string): TensorInfo | undefined;
  /** The tensor's info, or a 'missing-tensor' error naming it. */
  lookup(name: string): Result<TensorInfo>;
  /** The tensor widened to f32 (F32, F16, BF16, F64). Throws LensFailure for unknown names or integer dtypes. */
  readF32(name: string): Float32Array;
}

const MAX_HEADER_BYTES = 100_000_000; // the reference implementation's limit too
const SINGLE_FILE = 'model.safetensors';
const INDEX_FILE = 'model.safetensors.index.json';

const corrupt = (file: string, what: string) =>
  fail(
    'corrupt-safetensors',
    `${file}: ${what}`,
    'The file is damaged or not safetensors: download or convert the checkpoint again.',
  );

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function openWeights(dir: string): Result<WeightStore> {
  const single = resolve(dir, SINGLE_FILE);
  if (existsSync(single)) {
    const header = readHeader(single);
    if (!header.ok) return header;
    return ok(makeStore([single], new Map(header.value.map((t) => [t.name, t]))));
  }
  const indexPath = resolve(dir, INDEX_FILE);
  if (existsSync(indexPath)) return openSharded(dir, indexPath);
  const hasBin = existsSync(join(dir, 'pytorch_model.bin')) || existsSync(join(dir, 'pytorch_model.bin.index.json'));
  return fail(
    'missing-file',
    `${dir}: neither ${SINGLE_FILE} nor ${INDEX_FILE} found`,
    hasBin
      ? 'The checkpoint has only pytorch_model.bin: save it again with safe_serialization=True ' +
          '(transformers save_pretrained).'
      : 'Point at a Hugging Face checkpoint folder that holds safetensors weights.',
  );
}

function openSharded(dir: string, indexPath: string): Result<WeightStore> {
  let index: unknown;
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch (e) {
    return corrupt(indexPath, `not valid JSON (${(e as Error).message})`);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    return corrupt(indexPath, '"weight_map" is missing or not an object');
  }
  const shardNames = new Map<string, string[]>(); // shard file -> tensor names the index puts there
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || shard === '' || isAbsolute(shard) || shard.split(/[\\/]/).includes('..')) {
      return corrupt(indexPath, `tensor "${name}" maps to an invalid shard name ${JSON.stringify(shard)}`);
    }
    shardNames.set(shard, [...(shardNames.get(shard) ?? []), name]);
  }
  const tensors = new Map<string, TensorInfo>();
  const files: string[] = [];
  for (const [shard, names] of shardNames) {
    const file = resolve(dir, shard);
    if (!existsSync(file)) {
      return fail(
        'missing-file',
        `${file}: shard named in ${basename(indexPath)} (e.g. for "${names[0]}") does not exist`,
        'The download is incomplete: fetch the missing shard.',
      );
    }
    const header = readHeader(file);
    if (!header.ok) return header;
    const inShard = new Map(header.value.map((t) => [t.name, t]));
    for (const name of names) {
      const t = inShard.get(name);
      if (!t) {
        return fail(
          'missing-tensor',
          `${file}: tensor "${name}" is named in ${basename(indexPath)} but absent from this shard`,
          'The index and the shards disagree: download the checkpoint again.',
        );
      }
      tensors.set(name, t);
    }
    files.push(file);
  }
  return ok(makeStore(files, tensors));
}

/** Parses and bounds-checks one file's header. Reads only the first 8 + headerLength bytes. */
export function readHeader(file: string): Result<TensorInfo[]> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return fail(
      'missing-file',
      `${file}: cannot be opened (${(e as Error).message})`,
      'Check that the file exists and is readable.',
    );
  }
  try {
    const fileSize = fstatSync(fd).size;
    if (fileSize < 8) return corrupt(file, `file is ${fileSize} bytes, shorter than the 8-byte header length`);
    const lenBytes = Buffer.alloc(8);
    readSync(fd, lenBytes, 0, 8, 0);
    const headerLen = lenBytes.readBigUInt64LE(0);
    if (headerLen > BigInt(fileSize - 8))
      return corrupt(file, `header length ${headerLen} runs past the end of the file (${fileSize} bytes)`);
    if (headerLen > BigInt(MAX_HEADER_BYTES))
      return corrupt(file, `header length ${headerLen} is larger than ${MAX_HEADER_BYTES} bytes`);
    const headerBytes = Buffer.alloc(Number(headerLen));
    readSync(fd, headerBytes, 0, headerBytes.length, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBytes.toString('utf8'));
    } catch (e) {
      return corrupt(file, `header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header))
      return corrupt(file, 'header is not a JSON object');
    const dataStart = 8 + headerBytes.length;
    return parseEntries(file, header as Record<string, unknown>, dataStart, fileSize - dataStart);
  } finally {
    closeSync(fd);
  }
}

function parseEntries(
  file: string,
  header: Record<string, unknown>,
  dataStart: number,
  dataLength: number,
): Result<TensorInfo[]> {
  const out: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const bad = (what: string) => corrupt(file, `tensor "${name}": ${what}`);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return bad('entry is not an object');
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (!isDtype(dtype)) return bad(`unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every(isCount))
      return bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      return bad(`data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
    }
    const [start, end] = offsets as [number, number];
    if (end < start) return bad(`data_offsets [${start}, ${end}] end before they start`);
    if (end > dataLength)
      return bad(`data_offsets [${start}, ${end}] run past the end of the data (${dataLength} bytes)`);
    const count = elementCount(shape as number[]);
    const expected = count * DTYPE_BYTES[dtype];
    if (!Number.isSafeInteger(expected) || expected !== end - start) {
      return bad(`holds ${end - start} bytes, but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`);
    }
    out.push({ name, dtype, shape: shape as number[], file, byteOffset: dataStart + start, byteLength: end - start });
  }
  // Tensors must not share bytes: sorted by start, each begins at or after the previous one's end.
  const sorted = [...out].sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].byteOffset < prev.byteOffset + prev.byteLength) {
      return corrupt(file, `tensors "${prev.name}" and "${sorted[i].name}" overlap`);
    }
  }
  return ok(out);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function makeStore(files: string[], tensors: ReadonlyMap<string, TensorInfo>): WeightStore {
  let totalBytes = 0;
  for (const t of tensors.values()) totalBytes += t.byteLength;
  const lookup = (name: string): Result<TensorInfo> => {
    const t = tensors.get(name);
    if (t) return ok(t);
    return fail(
      'missing-tensor',
      `weights: tensor "${name}" not found in ${files.map((f) => basename(f)).join(', ')}`,
      'The checkpoint does not match its config.json, or its family is not supported.',
    );
  };
  return {
    files,
    totalBytes,
    names: () => [...tensors.keys()],
    info: (name) => tensors.get(name),
    lookup,
    readF32(name) {
      const t = lookup(name);
      if (!t.ok) throw new LensFailure(t.error);
      return readTensorF32(t.value);
    },
  };
}

const CHUNK_BYTES = 1 << 24; // read in 16 MiB pieces: readSync takes at most 2 GiB, and it bounds the scratch buffer

/** Reads exactly one tensor's bytes and widens them to f32. Assumes a little-endian host (all supported ones). */
export function readTensorF32(t: TensorInfo): Float32Array {
  const out = new Float32Array(elementCount(t.shape));
  readRowRangeF32(t, 0, t.shape.length === 0 ? 1 : t.shape[0], out);
  return out;
}

/** How a tensor's rows (along its first axis) are stored: bytes and values a row, and how to widen them. */
interface RowLayout {
  readonly rows: number;
  readonly rowValues: number;
  readonly rowBytes: number;
  /** Widens `count` whole rows from `src` into `out` at value `at`. */
  readonly widen: (src: Buffer, count: number, out: Float32Array, at: number) => void;
}

function rowLayout(t: TensorInfo): RowLayout {
  const rowValues = t.shape.length === 0 ? 1 : elementCount(t.shape.slice(1));
  const rows = t.shape.length === 0 ? 1 : t.shape[0];
  const block = ggmlTypeByName(t.dtype);
  if (block && block.blockValues > 1) {
    if (rowValues % block.blockValues !== 0)
      throw new LensFailure({
        code: 'corrupt-gguf',
        message: `${t.file}: tensor "${t.name}" is ${t.dtype} [${t.shape.join(', ')}]: its rows are not whole blocks`,
        hint: 'Convert the model again with a current llama.cpp.',
      });
    const blocks = rowValues / block.blockValues;
    return {
      rows,
      rowValues,
      rowBytes: blocks * block.blockBytes,
      widen: (src, count, out, at) => dequantizeBlocks(block, src, 0, count * blocks, out, at),
    };
  }
  const widen = WIDEN[t.dtype as Dtype];
  if (!widen) {
    throw new LensFailure({
      code: 'corrupt-safetensors',
      message: `${t.file}: tensor "${t.name}" is ${t.dtype}, not a float type`,
      hint: 'Only F32, F16, BF16 and F64 weights can be used.',
    });
  }
  return {
    rows,
    rowValues,
    rowBytes: rowValues * DTYPE_BYTES[t.dtype as Dtype],
    widen: (src, count, out, at) => widen(src, count * rowValues, out, at),
  };
}

/** Checks a row range against the tensor and `out`. */
function checkRange(t: TensorInfo, layout: RowLayout, first: number, count: number, out: Float32Array): void {
  if (!(Number.isInteger(first) && Number.isInteger(count) && first >= 0 && count >= 0 && first + count <= layout.rows))
    throw new Error(`readRowRangeF32: rows [${first}, ${first + count}) of ${layout.rows} in "${t.name}"`);
  if (out.length !== count * layout.rowValues)
    throw new Error(`readRowRangeF32: out has ${out.length} values for ${count} rows of ${layout.rowValues}`);
}

/**
 * Rows [first, first + count) of a float or block tensor (along its first axis), widened into `out` (count ×
 * the row size): one pass over a slice of the file, so a large table can be read in pieces into one reused
 * buffer. A tensor whose rows the file reordered is read row by row.
 */
export function readRowRangeF32(t: TensorInfo, first: number, count: number, out: Float32Array): void {
  const layout = rowLayout(t);
  checkRange(t, layout, first, count, out);
  if (t.rowOrder)
    return readRows(
      t,
      Array.from({ length: count }, (_, i) => first + i),
      out,
    );
  const start = t.byteOffset + first * layout.rowBytes;
  const fd = openSync(t.file, 'r');
  try {
    if (t.dtype === 'F32') {
      // nothing to widen: read straight into the result (a scratch buffer cost a zero-fill and a copy)
      const bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      for (let at = 0; at < bytes.length; at += CHUNK_BYTES)
        readFully(fd, bytes.subarray(at), Math.min(CHUNK_BYTES, bytes.length - at), start + at, t);
      return;
    }
    const chunkRows = Math.max(1, Math.floor(CHUNK_BYTES / layout.rowBytes));
    const scratch = Buffer.alloc(Math.min(count, chunkRows) * layout.rowBytes);
    for (let done = 0; done < count; done += chunkRows) {
      const n = Math.min(chunkRows, count - done);
      readFully(fd, scratch, n * layout.rowBytes, start + done * layout.rowBytes, t);
      layout.widen(scratch, n, out, done * layout.rowValues);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * readRowRangeF32 without blocking: the reads run on libuv's thread pool, so they overlap with work on this
 * thread (an onnxruntime run, which holds it). Widening (F16, BF16, F64, ggml blocks) happens here once the
 * bytes are in. The file is opened synchronously and the first read (up to 16 MiB) is queued before this
 * returns: were the open asynchronous, the read could only be queued once this thread is free again, i.e.
 * after the work it was meant to overlap with (measured: the words' pieces and the first W_down then waited
 * 4-22 ms each).
 */
export function readRowRangeF32Async(t: TensorInfo, first: number, count: number, out: Float32Array): Promise<void> {
  let layout: RowLayout;
  let fd: number;
  try {
    layout = rowLayout(t);
    checkRange(t, layout, first, count, out);
    if (t.rowOrder) {
      // reordered rows (a q/k projection): small, read on this thread
      readRowRangeF32(t, first, count, out);
      return Promise.resolve();
    }
    fd = openSync(t.file, 'r');
  } catch (e) {
    return Promise.reject(e);
  }
  const start = t.byteOffset + first * layout.rowBytes;
  const readAt = (buf: Buffer, offset: number, length: number, position: number) =>
    new Promise<number>((done, failed) =>
      read(fd, buf, offset, length, position, (e, bytesRead) => (e ? failed(e) : done(bytesRead))),
    );
  const readAll = async (buf: Buffer, length: number, position: number) => {
    for (let done = 0; done < length;) {
      const bytesRead = await readAt(buf, done, Math.min(CHUNK_BYTES, length - done), position + done);
      if (bytesRead === 0)
        throw new LensFailure({
          code: 'corrupt-safetensors',
          message: `${t.file}: file ended inside tensor "${t.name}"`,
          hint: 'The file was truncated after it was opened: download it again.',
        });
      done += bytesRead;
    }
  };
  const reading = (async () => {
    if (t.dtype === 'F32')
      return readAll(Buffer.from(out.buffer, out.byteOffset, out.byteLength), out.byteLength, start);
    const scratch = Buffer.alloc(count * layout.rowBytes);
    await readAll(scratch, scratch.length, start);
    layout.widen(scratch, count, out, 0);
  })();
  return reading.finally(() => closeSync(fd));
}

/**
 * Rows `rows` of a float or block tensor (along its first axis), widened into `out` (rows.length × the row
 * size), with one positioned read per row: for a few rows of a large table (token embeddings), cheaper than
 * mapping it.
 */
export function readRows(t: TensorInfo, rows: readonly number[], out: Float32Array | Float64Array): void {
  const layout = rowLayout(t);
  const { rowValues, rowBytes } = layout;
  if (out.length !== rows.length * rowValues)
    throw new Error(`readRows: out has ${out.length} values for ${rows.length} rows of ${rowValues}`);
  const scratch = Buffer.alloc(rowBytes);
  const row = new Float32Array(rowValues);
  const fd = openSync(t.file, 'r');
  try {
    rows.forEach((r, i) => {
      if (!(Number.isInteger(r) && r >= 0 && r < layout.rows))
        throw new LensFailure({
          code: 'bad-argument',
          message: `token id ${r} is outside the vocabulary (0..${layout.rows - 1}) of "${t.name}"`,
          hint: "The ids do not come from this model's tokenizer.",
        });
      const stored = t.rowOrder ? t.rowOrder[r] : r;
      readFully(fd, scratch, rowBytes, t.byteOffset + stored * rowBytes, t);
      if (t.dtype === 'F64' && out instanceof Float64Array) {
        for (let j = 0; j < rowValues; j++) out[i * rowValues + j] = scratch.readDoubleLE(8 * j);
      } else if (out instanceof Float32Array) {
        layout.widen(scratch, 1, out, i * rowValues);
      } else {
        layout.widen(scratch, 1, row, 0);
        out.set(row, i * rowValues);
      }
    });
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, buf: Buffer, length: number, position: number, t: TensorInfo): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0)
      throw new LensFailure({
        code: 'corrupt-safetensors',
        message: `${t.file}: file ended inside tensor "${t.name}"`,
        hint: 'The file was truncated after it was opened: download it again.',
      });
    done += n;
  }
}

type Widen = (src: Buffer, n: number, out: Float32Array, at: number) => void;

const WIDEN: Partial<Record<Dtype, Widen>> = {
  // the scratch Buffer comes from Buffer.alloc, which never pools, so its byteOffset is 0 and 4-aligned
  F32: (src, n, out, at) => out.set(new Float32Array(src.buffer, src.byteOffset, n), at),
  F64: (src, n, out, at) => {
    for (let i = 0; i < n; i++) out[at + i] = src.readDoubleLE(8 * i);
  },
  F16: (src, n, out, at) => {
    const table = halfTable();
    for (let i = 0; i < n; i++) out[at + i] = table[src[2 * i] | (src[2 * i + 1] << 8)];
  },
  // bf16 is the top half of an f32: shift its bits into place
  BF16: (src, n, out, at) => {
    const bits = new Uint32Array(out.buffer, out.byteOffset + 4 * at, n);
    for (let i = 0; i < n; i++) bits[i] = (src[2 * i] | (src[2 * i + 1] << 8)) << 16;
  },
};
