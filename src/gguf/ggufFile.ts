// A GGUF file opened: its metadata and tensor infos, checked; no tensor data read. The parsing is
// @huggingface/gguf's (header, typed metadata, tensor infos, alignment, versions 2 and 3); what is checked here
// is what a reader of the data relies on: the magic and version before anything is parsed, every tensor's
// type one we read and its rows whole blocks, its data aligned, inside the file and clear of the next
// tensor's. Version 1 (32-bit counts, 2023) is refused, as llama.cpp refuses it.
//
// Shapes: GGUF lists a tensor's dimensions innermost first (ggml's ne); here they are outermost first, as
// PyTorch and safetensors list them: a linear layer's weight is [out, in], each of its `out` rows `in` values.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { gguf } from '@huggingface/gguf';
import { fail, ok, type Result } from '../lensError';
import { ggmlType, ggmlTypeName, READABLE_TYPES, rowBytes, type GgmlType } from '../model/ggmlTypes';
import { tokenStringsWithMarks } from './tokenStrings';

export type GgufScalar = number | string | boolean;
export type GgufValue = GgufScalar | readonly GgufValue[];

export interface GgufTensor {
  readonly name: string;
  readonly type: GgmlType;
  readonly shape: readonly number[]; // outermost first
  readonly rows: number; // product of all but the innermost dimension
  readonly rowValues: number; // the innermost dimension
  readonly rowBytes: number;
  readonly byteOffset: number; // absolute, in `file`
  readonly byteLength: number;
}

export interface GgufFile {
  readonly file: string; // absolute path
  readonly version: number;
  readonly fileBytes: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: ReadonlyMap<string, GgufTensor>;
}

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const HINT = 'The file is damaged or not a GGUF model: download or convert it again.';

const corrupt = (file: string, what: string) => fail('corrupt-gguf', `${file}: ${what}`, HINT);

/** A u64/i64 the parser gave as bigint, as a number when it is one exactly; other values as they are. */
function plain(v: unknown): GgufValue {
  if (typeof v === 'bigint')
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : Number.NaN;
  if (Array.isArray(v)) return v.map(plain);
  return v as GgufScalar;
}

function readPrefix(path: string): Result<{ magic: number; version: number; size: number }> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(
      'missing-file',
      `${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      'Pass the path of a .gguf file.',
    );
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(8);
    const n = readSync(fd, head, 0, 8, 0);
    if (n < 8) return corrupt(path, `${size} bytes, too short for a GGUF header`);
    return ok({ magic: head.readUInt32LE(0), version: head.readUInt32LE(4), size });
  } finally {
    closeSync(fd);
  }
}

export async function openGguf(path: string): Promise<Result<GgufFile>> {
  const file = resolve(path);
  const prefix = readPrefix(file);
  if (!prefix.ok) return prefix;
  const { magic, version, size } = prefix.value;
  if (magic !== MAGIC) return corrupt(file, 'not a GGUF file (it does not start with "GGUF")');
  if (version !== 2 && version !== 3) {
    // a big-endian file has its version in the high bytes
    if ((version & 0xffff) === 0)
      return fail(
        'corrupt-gguf',
        `${file}: a big-endian GGUF file`,
        'Only little-endian GGUF files are read: convert the model again on a little-endian machine (x86, ARM).',
      );
    return fail(
      'corrupt-gguf',
      `${file}: GGUF version ${version}; versions 2 and 3 are read`,
      version === 1
        ? 'Version 1 files (before September 2023) are obsolete: convert the model again with a current llama.cpp.'
        : HINT,
    );
  }
  let parsed: Awaited<ReturnType<typeof gguf>>;
  try {
    parsed = await gguf(file, { allowLocalFile: true });
  } catch (e) {
    return corrupt(file, `unreadable header (${(e as Error).message})`);
  }
  const metadata = new Map<string, GgufValue>();
  for (const [key, value] of Object.entries(parsed.metadata))
    if (key !== 'version' && key !== 'tensor_count' && key !== 'kv_count') metadata.set(key, plain(value));
  const dataStart = Number(parsed.tensorDataOffset);
  // the parser reads a header cut short as zeros: its end past the file's is the sign
  if (!(dataStart <= size))
    return corrupt(file, `the header runs past the end of the ${size}-byte file: the file is truncated`);
  const tokens = metadata.get('tokenizer.ggml.tokens');
  if (Array.isArray(tokens) && tokens.every((t) => typeof t === 'string'))
    metadata.set('tokenizer.ggml.tokens', [...tokenStringsWithMarks(file, dataStart, tokens as string[])]);
  const alignment =
    typeof metadata.get('general.alignment') === 'number' ? (metadata.get('general.alignment') as number) : 32;
  if (!(Number.isInteger(alignment) && alignment > 0 && alignment % 8 === 0))
    return corrupt(
      file,
      `general.alignment is ${String(metadata.get('general.alignment'))}, not a positive multiple of 8`,
    );

  const tensors = new Map<string, GgufTensor>();
  for (const info of parsed.tensorInfos) {
    const type = ggmlType(info.dtype);
    if (!type) {
      return fail(
        'unsupported-dtype',
        `${file}: tensor "${info.name}" is ${ggmlTypeName(info.dtype)}, a type not read`,
        `GGUF files whose tensors are ${READABLE_TYPES.join(', ')} are read (Q4_0, Q4_1, Q5_0, Q5_1, ` +
          `Q8_0, Q4_K_S/M, Q5_K_S/M, Q6_K, F16, BF16, F32): use one of those quantizations of the model.`,
      );
    }
    const ne = info.shape.map((d) => Number(d));
    if (ne.length === 0 || ne.some((d) => !Number.isSafeInteger(d) || d < 1))
      return corrupt(file, `tensor "${info.name}" has dimensions [${info.shape.join(', ')}]`);
    const rowValues = ne[0];
    const rows = ne.slice(1).reduce((a, b) => a * b, 1);
    const bytesPerRow = rowBytes(type, rowValues);
    if (bytesPerRow === undefined)
      return corrupt(
        file,
        `tensor "${info.name}" is ${type.name} with rows of ${rowValues} values, not a whole number of ` +
          `${type.blockValues}-value blocks`,
      );
    const relative = Number(info.offset);
    if (!Number.isSafeInteger(relative) || relative % alignment !== 0)
      return corrupt(
        file,
        `tensor "${info.name}" starts at offset ${info.offset}, not a multiple of the alignment ${alignment}`,
      );
    const tensor: GgufTensor = {
      name: info.name,
      type,
      shape: [...ne].reverse(),
      rows,
      rowValues,
      rowBytes: bytesPerRow,
      byteOffset: dataStart + relative,
      byteLength: rows * bytesPerRow,
    };
    if (tensors.has(info.name)) return corrupt(file, `tensor "${info.name}" is listed twice`);
    tensors.set(info.name, tensor);
  }
  // each tensor's bytes inside the file and clear of the next one's: a size that disagrees with the type and
  // shape shows as an overlap, or as data past the end
  const byOffset = [...tensors.values()].sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const t = byOffset[i];
    const end = t.byteOffset + t.byteLength;
    if (end > size)
      return corrupt(
        file,
        `tensor "${t.name}" (${t.type.name} [${t.shape.join(', ')}], ${t.byteLength} bytes at ` +
          `${t.byteOffset}) ends at byte ${end}, past the end of the ${size}-byte file: the file is ` +
          `truncated`,
      );
    const next = byOffset[i + 1];
    if (next && end > next.byteOffset)
      return corrupt(
        file,
        `tensor "${t.name}" (${t.type.name} [${t.shape.join(', ')}], ${t.byteLength} bytes) runs into ` +
          `tensor "${next.name}": its size does not match its type and shape`,
      );
  }
  return ok({ file, version, fileBytes: size, metadata, tensors });
}

/** A metadata value by key, checked for its kind; a 'bad-config' error naming the key when absent or wrong. */
export function metadataNumber(g: GgufFile, key: string): Result<number> {
  const v = g.metadata.get(key);
  if (typeof v === 'number' && Number.isFinite(v)) return ok(v);
  return fail(
    'bad-config',
    `${g.file}: metadata "${key}" is ${v === undefined ? 'missing' : `${JSON.stringify(v)}, not a number`}`,
    HINT,
  );
}
