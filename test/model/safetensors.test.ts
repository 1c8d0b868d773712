// src/model/safetensors.ts against files written by test/helpers/safetensorsWriter.ts, and hand-broken files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWeights, readHeader, readRowRangeF32Async, readRows, type WeightStore } from '../../src/model/safetensors';
import {
  roundTo,
  safetensorsBytes,
  writeSafetensors,
  type StoredDtype,
  type TensorToWrite,
} from '../helpers/safetensorsWriter';

const tmp = () => mkdtempSync(join(tmpdir(), 'lens-st-'));

function values(n: number, seed: number): number[] {
  // awkward values: negatives, tiny, large, not representable in f16/bf16
  return Array.from({ length: n }, (_, i) => Math.sin(seed * 13.7 + i * 1.3) * 10 ** ((i % 7) - 3));
}

function open(dir: string): WeightStore {
  const r = openWeights(dir);
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function expectError(dir: string, code: string, ...inMessage: string[]): void {
  const r = openWeights(dir);
  assert.equal(r.ok, false, 'expected an error');
  if (r.ok) return;
  assert.equal(r.error.code, code, r.error.message);
  for (const s of inMessage) assert.ok(r.error.message.includes(s), `"${r.error.message}" should mention "${s}"`);
  assert.ok(r.error.hint.length > 0);
}

test('round-trips F32, F16, BF16 and F64 exactly (values as stored)', () => {
  const dir = tmp();
  const tensors = new Map<string, TensorToWrite>();
  const dtypes: StoredDtype[] = ['F32', 'F16', 'BF16', 'F64'];
  dtypes.forEach((dtype, k) => tensors.set(`w.${dtype}`, { dtype, shape: [3, 5], data: values(15, k) }));
  tensors.set('empty', { dtype: 'F32', shape: [0, 4], data: [] });
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
  const store = open(dir);
  assert.deepEqual(store.names().sort(), ['empty', 'w.BF16', 'w.F16', 'w.F32', 'w.F64']);
  for (const [k, dtype] of dtypes.entries()) {
    const got = store.readF32(`w.${dtype}`);
    const want = values(15, k).map((x) => Math.fround(roundTo(dtype, x)));
    assert.deepEqual(Array.from(got), want, dtype);
    assert.deepEqual(store.info(`w.${dtype}`)?.shape, [3, 5]);
  }
  assert.equal(store.readF32('empty').length, 0);
  assert.equal(store.totalBytes, 15 * (4 + 2 + 2 + 8));
});

test('f16 specials: subnormals, infinities, NaN, signed zero', () => {
  const dir = tmp();
  const data = [2 ** -24, 2 ** -14, -(2 ** -20), 65504, -0, Infinity, -Infinity];
  writeSafetensors(join(dir, 'model.safetensors'), new Map([['x', { dtype: 'F16', shape: [7], data }]]));
  const got = Array.from(open(dir).readF32('x'));
  assert.deepEqual(got, data);
  assert.ok(Object.is(got[4], -0));
  // the writer has no NaN: write the half bits 0x7e00 by hand
  const nanFile = rawFile({ n: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, 0);
  assert.ok(Number.isNaN(open(withFile(Buffer.concat([nanFile, Buffer.from([0x00, 0x7e])]))).readF32('n')[0]));
});

test('TensorInfo.byteOffset is the absolute position of the data in the file', () => {
  const dir = tmp();
  const file = join(dir, 'model.safetensors');
  writeSafetensors(
    file,
    new Map<string, TensorToWrite>([
      ['a', { dtype: 'BF16', shape: [3], data: [1, 2, 3] }],
      ['b', { dtype: 'F32', shape: [2, 2], data: [1.5, -2.5, 3.25, 4] }],
    ]),
  );
  const b = open(dir).info('b')!;
  assert.equal(b.file, file);
  assert.equal(b.byteLength, 16);
  const fd = openSync(file, 'r');
  const raw = Buffer.alloc(16);
  readSync(fd, raw, 0, 16, b.byteOffset);
  closeSync(fd);
  assert.deepEqual(Array.from(new Float32Array(raw.buffer, raw.byteOffset, 4)), [1.5, -2.5, 3.25, 4]);
});

test('reads a large tensor in chunks', () => {
  const dir = tmp();
  const n = (1 << 23) + 5; // > 16 MiB of f32 and of bf16 pairs
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (i % 1000) - 500;
  writeSafetensors(
    join(dir, 'model.safetensors'),
    new Map<string, TensorToWrite>([
      ['f', { dtype: 'F32', shape: [n], data }],
      ['h', { dtype: 'BF16', shape: [n], data }],
    ]),
  );
  const store = open(dir);
  const f = store.readF32('f');
  const h = store.readF32('h');
  let mismatches = 0;
  for (let i = 0; i < n; i++) {
    if (f[i] !== data[i]) mismatches++;
    if (h[i] !== roundTo('BF16', data[i])) mismatches++;
  }
  assert.equal(mismatches, 0);
});

test('sharded checkpoint via model.safetensors.index.json', () => {
  const dir = tmp();
  writeSafetensors(
    join(dir, 'model-00001-of-00002.safetensors'),
    new Map<string, TensorToWrite>([
      ['a', { dtype: 'F32', shape: [2], data: [1, 2] }],
      ['unlisted', { dtype: 'F32', shape: [1], data: [9] }],
    ]),
  );
  writeSafetensors(
    join(dir, 'model-00002-of-00002.safetensors'),
    new Map<string, TensorToWrite>([['b', { dtype: 'F16', shape: [1, 3], data: [0.5, -1, 4] }]]),
  );
  const index = {
    metadata: { total_size: 14 },
    weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' },
  };
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
  const store = open(dir);
  assert.deepEqual(store.names().sort(), ['a', 'b']);
  assert.equal(store.files.length, 2);
  assert.deepEqual(Array.from(store.readF32('a')), [1, 2]);
  assert.deepEqual(Array.from(store.readF32('b')), [0.5, -1, 4]);
  assert.equal(store.info('b')!.file, join(dir, 'model-00002-of-00002.safetensors'));
  assert.equal(store.totalBytes, 8 + 6);
});

test('lookup and readF32 of an unknown name', () => {
  const dir = tmp();
  writeSafetensors(join(dir, 'model.safetensors'), new Map([['a', { dtype: 'F32', shape: [1], data: [1] }]]));
  const store = open(dir);
  const r = store.lookup('lm_head.weight');
  assert.ok(!r.ok && r.error.code === 'missing-tensor' && r.error.message.includes('lm_head.weight'));
  assert.throws(() => store.readF32('lm_head.weight'), /lm_head\.weight/);
});

// ---- corruption: each case writes a file by hand and expects its error code ----

function rawFile(header: unknown, dataBytes: number, headerLenOverride?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLenOverride ?? BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(dataBytes)]);
}

function withFile(bytes: Buffer): string {
  const dir = tmp();
  writeFileSync(join(dir, 'model.safetensors'), bytes);
  return dir;
}

const okEntry = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

test('corrupt: file shorter than 8 bytes', () => {
  expectError(withFile(Buffer.alloc(5)), 'corrupt-safetensors', 'model.safetensors', 'shorter');
});

test('corrupt: header length past the end of the file', () => {
  expectError(withFile(rawFile({ a: okEntry }, 8, 1000n)), 'corrupt-safetensors', 'runs past the end');
  expectError(withFile(rawFile({ a: okEntry }, 8, 2n ** 63n)), 'corrupt-safetensors', 'header length');
});

test('corrupt: header not JSON, or not an object', () => {
  expectError(withFile(rawFile('{"a": ', 0)), 'corrupt-safetensors', 'not valid JSON');
  expectError(withFile(rawFile([1, 2], 0)), 'corrupt-safetensors', 'not a JSON object');
  expectError(withFile(rawFile({ a: 3 }, 0)), 'corrupt-safetensors', '"a"', 'not an object');
});

test('corrupt: unknown dtype', () => {
  expectError(withFile(rawFile({ a: { ...okEntry, dtype: 'F13' } }, 8)), 'corrupt-safetensors', '"a"', 'F13');
});

test('corrupt: bad shapes', () => {
  for (const shape of [[-1, 2], [1.5], 'x', [2, null]]) {
    expectError(withFile(rawFile({ a: { ...okEntry, shape } }, 8)), 'corrupt-safetensors', '"a"', 'shape');
  }
});

test('corrupt: data_offsets out of range, reversed, malformed, overlapping', () => {
  expectError(
    withFile(rawFile({ a: { ...okEntry, data_offsets: [0, 16] } }, 8)),
    'corrupt-safetensors',
    '"a"',
    'past the end',
  );
  expectError(
    withFile(rawFile({ a: { ...okEntry, data_offsets: [8, 0] } }, 8)),
    'corrupt-safetensors',
    '"a"',
    'end before',
  );
  expectError(
    withFile(rawFile({ a: { ...okEntry, data_offsets: [-8, 0] } }, 8)),
    'corrupt-safetensors',
    '"a"',
    'data_offsets',
  );
  expectError(
    withFile(rawFile({ a: { ...okEntry, data_offsets: [0] } }, 8)),
    'corrupt-safetensors',
    '"a"',
    'data_offsets',
  );
  expectError(
    withFile(rawFile({ a: okEntry, b: { ...okEntry, data_offsets: [4, 12] } }, 12)),
    'corrupt-safetensors',
    'overlap',
  );
});

test('corrupt: byte size does not match shape and dtype', () => {
  expectError(withFile(rawFile({ a: { ...okEntry, dtype: 'F16' } }, 8)), 'corrupt-safetensors', '"a"', 'needs 4');
});

test('sharded: missing shard, tensor absent from its shard, bad index', () => {
  const dir = tmp();
  writeSafetensors(join(dir, 'model-1.safetensors'), new Map([['a', { dtype: 'F32', shape: [1], data: [1] }]]));
  const index = (weight_map: unknown) =>
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map }));
  index({ a: 'model-1.safetensors', b: 'model-2.safetensors' });
  expectError(dir, 'missing-file', 'model-2.safetensors', '"b"');
  index({ a: 'model-1.safetensors', c: 'model-1.safetensors' });
  expectError(dir, 'missing-tensor', 'model-1.safetensors', '"c"');
  index({ a: '../elsewhere.safetensors' });
  expectError(dir, 'corrupt-safetensors', 'shard name');
  index(['a']);
  expectError(dir, 'corrupt-safetensors', 'weight_map');
  writeFileSync(join(dir, 'model.safetensors.index.json'), '{');
  expectError(dir, 'corrupt-safetensors', 'model.safetensors.index.json');
});

test('no weights at all: missing-file, with a hint for pytorch_model.bin', () => {
  const dir = tmp();
  expectError(dir, 'missing-file', 'model.safetensors');
  writeFileSync(join(dir, 'pytorch_model.bin'), '');
  const r = openWeights(dir);
  assert.ok(!r.ok && r.error.hint.includes('safe_serialization'));
});

test('readHeader skips __metadata__ and the writer pads the header with spaces', () => {
  const dir = tmp();
  const file = join(dir, 'x.safetensors');
  writeFileSync(file, safetensorsBytes(new Map([['a', { dtype: 'F32', shape: [1], data: [1] }]]), { format: 'pt' }));
  const r = readHeader(file);
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.map((t) => t.name),
    ['a'],
  );
  assert.equal(r.value[0].byteOffset % 8, 0);
});

test('readRows: chosen rows of F32, F16, BF16 and F64 tables equal readF32, into f32 or f64 (F64 exact)', () => {
  const dir = tmp();
  const dtypes: StoredDtype[] = ['F32', 'F16', 'BF16', 'F64'];
  const tensors = new Map<string, TensorToWrite>();
  dtypes.forEach((dtype, k) => tensors.set(`t.${dtype}`, { dtype, shape: [6, 5], data: values(30, k + 3) }));
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
  const store = open(dir);
  const rows = [4, 0, 4, 5];
  for (const [k, dtype] of dtypes.entries()) {
    const info = store.info(`t.${dtype}`)!;
    const whole = store.readF32(`t.${dtype}`);
    const f32 = new Float32Array(rows.length * 5);
    readRows(info, rows, f32);
    assert.deepEqual(
      Array.from(f32),
      rows.flatMap((r) => Array.from(whole.subarray(r * 5, r * 5 + 5))),
      dtype,
    );
    const f64 = new Float64Array(rows.length * 5);
    readRows(info, rows, f64);
    const stored = values(30, k + 3).map((x) => roundTo(dtype, x));
    const want = rows.flatMap((r) => stored.slice(r * 5, r * 5 + 5).map((x) => (dtype === 'F64' ? x : Math.fround(x))));
    assert.deepEqual(Array.from(f64), want, `${dtype} into f64`);
  }
  const info = store.info('t.F32')!;
  assert.throws(
    () => readRows(info, [6], new Float32Array(5)),
    (e: Error & { error?: { code: string } }) => e.error?.code === 'bad-argument' && /6/.test(e.message),
  );
  assert.throws(
    () => readRows(info, [-1], new Float32Array(5)),
    (e: Error & { error?: { code: string } }) => e.error?.code === 'bad-argument',
  );
});

test(
  'readRowRangeF32Async: row ranges of F32, F16, BF16 and F64 tables equal readF32; the read is ' +
    'queued before it returns; bad ranges and a truncated file reject',
  async () => {
    const dir = tmp();
    const dtypes: StoredDtype[] = ['F32', 'F16', 'BF16', 'F64'];
    const tensors = new Map<string, TensorToWrite>();
    dtypes.forEach((dtype, k) => tensors.set(`t.${dtype}`, { dtype, shape: [6, 5], data: values(30, k + 7) }));
    const file = join(dir, 'model.safetensors');
    writeSafetensors(file, tensors);
    const store = open(dir);
    for (const dtype of dtypes) {
      const whole = store.readF32(`t.${dtype}`);
      for (const [first, count] of [
        [0, 6],
        [2, 3],
        [5, 1],
        [4, 0],
      ]) {
        const out = new Float32Array(count * 5).fill(NaN);
        await readRowRangeF32Async(store.info(`t.${dtype}`)!, first, count, out);
        assert.deepEqual(
          Array.from(out),
          Array.from(whole.subarray(first * 5, (first + count) * 5)),
          `${dtype} rows [${first}, ${first + count})`,
        );
      }
    }
    // queued at once: this thread blocked after the call (as by an onnxruntime run) does not hold the read back
    const out = new Float32Array(30).fill(NaN);
    const reading = readRowRangeF32Async(store.info('t.F32')!, 0, 6, out);
    const until = Date.now() + 200;
    while (Date.now() < until); // the thread pool reads meanwhile: the bytes are in before this thread is free
    assert.deepEqual(Array.from(out), Array.from(store.readF32('t.F32')), 'read while this thread was busy');
    await reading;
    const info = store.info('t.F32')!;
    await assert.rejects(readRowRangeF32Async(info, 5, 2, new Float32Array(10)), /rows \[5, 7\) of 6/);
    await assert.rejects(readRowRangeF32Async(info, 0, 2, new Float32Array(9)), /9 values for 2 rows/);
    // the file cut short after the store was opened
    const { size } = await import('node:fs').then((fs) => fs.statSync(file));
    await import('node:fs').then((fs) => fs.truncateSync(file, size - 8));
    const last = store.info(`t.${dtypes[dtypes.length - 1]}`)!;
    await assert.rejects(
      readRowRangeF32Async(last, 0, 6, new Float32Array(30)),
      (e: Error & { error?: { code: string } }) => e.error?.code === 'corrupt-safetensors',
    );
  },
);
