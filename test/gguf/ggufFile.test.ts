// Opening GGUF files that the test writes: metadata, tensor infos and offsets as written (versions 2 and 3,
// alignments 32 and 64), and each kind of bad file with its own message, never a crash or a hang.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openGguf } from '../../src/gguf/ggufFile';
import { f32Bytes, ggufBytes, gv, writeGguf, type GgufTensorSpec } from '../helpers/ggufWriter';
import { ggmlQuantize } from '../helpers/ggmlReference';

const dir = mkdtempSync(join(tmpdir(), 'lens-gguf-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const path = () => join(dir, `f${n++}.gguf`);

const values = Float32Array.from({ length: 2 * 256 }, (_, i) => Math.sin(i));
const tensors: GgufTensorSpec[] = [
  // Q4_K: 2 rows of 144 bytes
  { name: 'token_embd.weight', ne: [256, 2], type: 12, data: ggmlQuantize(12, values, 2, 256) },
  { name: 'output_norm.weight', ne: [256], type: 0, data: f32Bytes(values.subarray(0, 256)) },
  {
    name: 'blk.0.ffn_down_exps.weight',
    ne: [32, 4, 3],
    type: 8,
    data: ggmlQuantize(8, values.subarray(0, 384), 12, 32),
  }, // Q8_0, 3-D
];
const metadata = {
  'general.architecture': gv.str('llama'),
  'llama.block_count': gv.u32(1),
  'general.name': gv.str('tiny'),
  'big.count': gv.u64(2 ** 40),
  'tokenizer.ggml.tokens': gv.strings(['a', 'b']),
};

test(
  'versions 2 and 3, alignments 32 and 64: metadata, shapes outermost first, rows, and absolute ' +
    'offsets as written',
  async () => {
    for (const [version, alignment] of [
      [3, 32],
      [2, 32],
      [3, 64],
    ] as const) {
      const p = path();
      writeGguf(p, metadata, tensors, { version, alignment });
      const g = await openGguf(p);
      assert.ok(g.ok, g.ok ? '' : g.error.message);
      const f = g.value;
      assert.equal(f.version, version);
      assert.equal(f.metadata.get('general.architecture'), 'llama');
      assert.equal(f.metadata.get('llama.block_count'), 1);
      assert.equal(f.metadata.get('big.count'), 2 ** 40);
      assert.deepEqual(f.metadata.get('tokenizer.ggml.tokens'), ['a', 'b']);
      const embd = f.tensors.get('token_embd.weight')!;
      assert.deepEqual(
        [embd.type.name, embd.shape, embd.rows, embd.rowValues, embd.rowBytes, embd.byteLength],
        ['Q4_K', [2, 256], 2, 256, 144, 288],
      );
      const experts = f.tensors.get('blk.0.ffn_down_exps.weight')!;
      assert.deepEqual(
        [experts.type.name, experts.shape, experts.rows, experts.rowBytes],
        ['Q8_0', [3, 4, 32], 12, 34],
      );
      // the bytes at the offsets are the tensors' own
      const bytes = ggufBytes(metadata, tensors, { version, alignment });
      for (const t of tensors) {
        const info = f.tensors.get(t.name)!;
        assert.equal(info.byteOffset % alignment, 0);
        assert.deepEqual(new Uint8Array(bytes.subarray(info.byteOffset, info.byteOffset + info.byteLength)), t.data);
      }
    }
  },
);

test('bad files: each gets its own clear error', async () => {
  const cases: [string, () => Buffer | string, RegExp][] = [
    ['no file', () => join(dir, 'absent.gguf'), /no such file/],
    ['empty', () => Buffer.alloc(0), /too short for a GGUF header/],
    ['wrong magic', () => ggufBytes(metadata, tensors, { magic: 'GGUX' }), /not a GGUF file/],
    [
      'safetensors',
      () => Buffer.concat([Buffer.from([16, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"__metadata__":{}}')]),
      /not a GGUF file/,
    ],
    ['version 1', () => ggufBytes(metadata, tensors, { version: 1 }), /GGUF version 1; versions 2 and 3 are read/],
    ['version 4', () => ggufBytes(metadata, tensors, { version: 4 }), /GGUF version 4; versions 2 and 3/],
    [
      'big-endian',
      () => {
        const b = ggufBytes(metadata, tensors);
        b.writeUInt32BE(3, 4);
        return b;
      },
      /big-endian/,
    ],
    [
      'truncated in the data',
      () => ggufBytes(metadata, tensors, { truncate: 100 }),
      /ends at byte \d+, past the end of the \d+-byte file: the file is truncated/,
    ],
    [
      'truncated in the header',
      () => ggufBytes(metadata, tensors).subarray(0, 60),
      /header runs past the end of the 60-byte file: the file is truncated|unreadable header/,
    ],
    [
      'data past the end',
      () => ggufBytes(metadata, tensors, { offsetShift: { 'blk.0.ffn_down_exps.weight': 4096 } }),
      /past the end/,
    ],
    [
      'misaligned offset',
      () => ggufBytes(metadata, tensors, { offsetShift: { 'output_norm.weight': 4 } }),
      /not a multiple of the alignment 32/,
    ],
    [
      'size does not match',
      () => ggufBytes(metadata, [{ ...tensors[0], ne: [256, 3] }, ...tensors.slice(1)]),
      /runs into tensor "output_norm.weight": its size does not match its type and shape/,
    ],
    [
      'rows not whole blocks',
      () => ggufBytes(metadata, [{ ...tensors[0], ne: [128, 4] }, ...tensors.slice(1)]),
      /Q4_K with rows of 128 values, not a whole number of 256-value blocks/,
    ],
    [
      'unsupported type',
      () => ggufBytes(metadata, [{ ...tensors[0], type: 10 }]),
      /tensor "token_embd.weight" is Q2_K, a type not read/,
    ],
    [
      'absurd counts',
      () => {
        const b = Buffer.alloc(88);
        b.write('GGUF', 0, 'latin1');
        b.writeUInt32LE(3, 4);
        b.writeBigUInt64LE(2n ** 40n, 8);
        return b;
      },
      /unreadable header \(Tensor count 1099511627776 exceeds/,
    ],
    [
      'absurd string length',
      () => {
        const b = Buffer.alloc(88);
        b.write('GGUF', 0, 'latin1');
        b.writeUInt32LE(3, 4);
        b.writeBigUInt64LE(1n, 16);
        b.writeBigUInt64LE(2n ** 50n, 24);
        return b;
      },
      /unreadable header \(String length/,
    ],
    ['unknown type number', () => ggufBytes(metadata, [{ ...tensors[0], type: 77 }]), /is type 77, a type not read/],
  ];
  for (const [what, make, pattern] of cases) {
    const made = make();
    let p: string;
    if (typeof made === 'string') p = made;
    else {
      p = path();
      writeFileSync(p, made);
    }
    const g = await openGguf(p);
    assert.ok(!g.ok, `${what}: opened`);
    assert.match(g.error.message, pattern, what);
    assert.ok(g.error.hint.length > 0, what);
  }
});

test('vocabulary strings keep a leading U+FEFF (Gemma 3\'s "\\uFEFF#" beside "#")', async () => {
  // the header parser's TextDecoder drops the mark: "\uFEFF#" read as a second "#"
  const tokens = ['a', '\uFEFF#', '#', '\uFEFF', '\uFEFF\uFEFF//', 'x\uFEFF', ''];
  const p = path();
  writeFileSync(p, ggufBytes({ ...metadata, 'tokenizer.ggml.tokens': gv.strings(tokens) }, tensors));
  const g = await openGguf(p);
  assert.ok(g.ok, g.ok ? '' : g.error.message);
  assert.deepEqual(g.value.metadata.get('tokenizer.ggml.tokens'), tokens);
  assert.equal(g.value.metadata.get('general.name'), 'tiny');
});
