// ggml's own quantization and dequantization (test/helpers/ggmlReference.c over the libggml-base.so that the
// node-llama-cpp dev dependency ships), compiled on first use into the temporary folder.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const SOURCE = join(__dirname, 'ggmlReference.c');

/** The libggml-base.so of node-llama-cpp's prebuilt CPU binaries. */
export function libggmlPath(): string {
  const entry = require.resolve('@node-llama-cpp/linux-x64'); // <package>/dist/index.js
  const lib = resolve(dirname(entry), '../bins/linux-x64/libggml-base.so');
  if (!existsSync(lib)) throw new Error(`${lib} not found: run npm install (node-llama-cpp is a dev dependency)`);
  return lib;
}

let binary: string | undefined;

function compiled(): string {
  if (binary) return binary;
  const source = readFileSync(SOURCE);
  const dir = join(tmpdir(), 'instruction-lens-ggml-reference');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `ggmlReference-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  if (!existsSync(path)) {
    const partial = `${path}.${process.pid}`;
    execFileSync('g++', ['-x', 'c', '-O1', '-o', partial, SOURCE, '-ldl']);
    renameSync(partial, path);
  }
  binary = path;
  return path;
}

function run(args: string[], input: Uint8Array): Buffer {
  return execFileSync(compiled(), args, { input, env: { ...process.env, LIBGGML: libggmlPath() }, maxBuffer: 1 << 30 });
}

/** ggml's to_float of `values` values of type `typeId` from their blocks. */
export function ggmlDequantize(typeId: number, blocks: Uint8Array, values: number): Float32Array {
  const out = run(['dequantize', String(typeId), String(values)], blocks);
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

/** ggml_quantize_chunk of `rows` rows of `perRow` values (no importance matrix): the rows' blocks. */
export function ggmlQuantize(typeId: number, values: Float32Array, rows: number, perRow: number): Uint8Array {
  const out = run(
    ['quantize', String(typeId), String(rows), String(perRow)],
    new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  );
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
