// The dequantization of every type we read against ggml's own (libggml-base from node-llama-cpp), bit for bit:
// blocks ggml quantized from values over many scales, blocks of random bytes, and for each bit of a block
// (scales, mins, packed 6-bit scales, high bits, quants) the block with that one bit flipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dequantizeBlocks } from '../../src/model/dequantize';
import { ggmlType, ggmlTypeByName, READABLE_TYPES, type GgmlType } from '../../src/model/ggmlTypes';
import { ggmlDequantize, ggmlQuantize } from '../helpers/ggmlReference';
import { gaussian, mulberry32 } from '../helpers/prng';

/** The f16 scale fields of a block (byte offsets), which must hold finite values: NaN payloads are not compared. */
const HALF_FIELDS: Readonly<Record<string, readonly number[]>> = {
  F16: [0],
  Q4_0: [0],
  Q4_1: [0, 2],
  Q5_0: [0],
  Q5_1: [0, 2],
  Q8_0: [0],
  Q4_K: [0, 2],
  Q5_K: [0, 2],
  Q6_K: [208],
};

function ours(type: GgmlType, blocks: Uint8Array): Float32Array {
  const count = blocks.length / type.blockBytes;
  const out = new Float32Array(count * type.blockValues);
  dequantizeBlocks(type, blocks, 0, count, out);
  return out;
}

/**
 * The indices where the two differ in any bit. NaN counts as equal to NaN whatever its payload and sign: a
 * scale made NaN by a flipped bit propagates NaN on both sides, and which NaN is up to the arithmetic.
 */
function bitDifferences(a: Float32Array, b: Float32Array): number[] {
  assert.equal(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) out.push(i);
  return out;
}

function assertSameBits(type: GgmlType, blocks: Uint8Array, what: string): void {
  const values = (blocks.length / type.blockBytes) * type.blockValues;
  const mine = ours(type, blocks);
  // F32 has no conversion in ggml (its values are its bytes)
  const theirs =
    type.name === 'F32' ? new Float32Array(blocks.slice().buffer) : ggmlDequantize(type.id, blocks, values);
  const diff = bitDifferences(mine, theirs);
  assert.equal(
    diff.length,
    0,
    `${type.name} ${what}: ${diff.length} of ${values} values differ, first at ${diff[0]}: ` +
      `${mine[diff[0]]} against ggml's ${theirs[diff[0]]}`,
  );
}

/** Random bytes with every f16 field made finite (exponent below 31). */
function randomBlocks(type: GgmlType, count: number, seed: number): Uint8Array {
  const u = mulberry32(seed);
  const bytes = Uint8Array.from({ length: count * type.blockBytes }, () => Math.floor(u() * 256));
  for (let b = 0; b < count; b++)
    for (const f of HALF_FIELDS[type.name] ?? [])
      if (((bytes[b * type.blockBytes + f + 1] >> 2) & 31) === 31) bytes[b * type.blockBytes + f + 1] &= ~0x40;
  return bytes;
}

test('the types we read, by ggml number and block size', () => {
  assert.deepEqual(READABLE_TYPES, [
    'F32',
    'F16',
    'Q4_0',
    'Q4_1',
    'Q5_0',
    'Q5_1',
    'Q8_0',
    'Q4_K',
    'Q5_K',
    'Q6_K',
    'BF16',
  ]);
  assert.deepEqual(
    [2, 8, 12, 14, 30].map((id) => ggmlType(id)?.name),
    ['Q4_0', 'Q8_0', 'Q4_K', 'Q6_K', 'BF16'],
  );
  assert.equal(ggmlType(10), undefined); // Q2_K
});

for (const name of READABLE_TYPES) {
  const type = ggmlTypeByName(name)!;
  test(
    `${name}: ggml's quantized blocks of values over 2^-20 .. 2^12, with outliers and zero rows, ` +
      `equal ggml's dequantization`,
    () => {
      const perRow = type.blockValues === 1 ? 64 : 2 * type.blockValues;
      const rows = 40;
      const draw = gaussian(mulberry32(type.id + 7));
      const values = new Float32Array(rows * perRow);
      for (let r = 0; r < rows; r++) {
        const scale = r === 3 ? 0 : 2 ** (-20 + (32 * r) / rows);
        for (let j = 0; j < perRow; j++)
          values[r * perRow + j] = scale * draw() * (j % 37 === 5 ? 40 : 1) + (r % 5 === 1 ? scale : 0);
      }
      assertSameBits(type, ggmlQuantize(type.id, values, rows, perRow), 'quantized');
    },
  );

  test(`${name}: blocks of random bytes, and each single bit of a block flipped, equal ggml's dequantization`, () => {
    assertSameBits(type, randomBlocks(type, 400, type.id), 'random bytes');
    const base = randomBlocks(type, 1, type.id + 100);
    const flipped = new Uint8Array(type.blockBytes * 8 * type.blockBytes);
    for (let bit = 0; bit < 8 * type.blockBytes; bit++) {
      const block = base.slice();
      block[bit >> 3] ^= 1 << (bit & 7);
      flipped.set(block, bit * type.blockBytes);
    }
    // a flip that makes an f16 field non-finite gives NaN or infinity on both sides: compared by bits as well
    assertSameBits(type, flipped, 'one bit flipped');
  });
}

test('a range past the end of the bytes or of the output is refused', () => {
  const q40 = ggmlTypeByName('Q4_0')!;
  assert.throws(
    () => dequantizeBlocks(q40, new Uint8Array(18), 0, 2, new Float32Array(64)),
    /pass the end of 18 bytes/,
  );
  assert.throws(() => dequantizeBlocks(q40, new Uint8Array(36), 0, 2, new Float32Array(32)), /pass the end of 32/);
});
