// The graph's widening of GGUF weights (ONNX operators: shifts, slices, the half table) against the JS
// dequantizer bit for bit, for every type we read, on ggml-quantized rows and on random bytes, with the rows
// in order and reordered; and the backward pass recomputing the widening instead of keeping it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { emitModel, gather, ggmlWeight, Graph, grad, linear, reduceSum, expand } from '../../src/graph';
import { dequantizeBlocks } from '../../src/model/dequantize';
import { ggmlTypeByName, READABLE_TYPES, rowBytes } from '../../src/model/ggmlTypes';
import { createSession } from '../../src/runtime/onnxSession';
import { ggmlQuantize } from '../helpers/ggmlReference';
import { gaussian, mulberry32 } from '../helpers/prng';

const STORED = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const;

async function widenInGraph(
  name: string,
  bytes: Uint8Array,
  rows: number,
  rowValues: number,
  rowOrder?: number[],
): Promise<Float32Array> {
  const type = ggmlTypeByName(name)!;
  const g = new Graph('float32');
  const float = STORED[name as keyof typeof STORED];
  const stored = float
    ? g.weight('w', [rows, rowValues], float, { data: bytes })
    : g.weight('w', [rows, rowBytes(type, rowValues)!], 'uint8', { data: bytes });
  const y = ggmlWeight(stored, {
    type: name,
    rowValues,
    blockValues: type.blockValues,
    blockBytes: type.blockBytes,
    rowOrder,
  });
  const session = await createSession(emitModel(g, [{ name: 'y', tensor: y }]), { threads: 1 });
  const out = await session.run({});
  return out.y.data as Float32Array;
}

function inJs(name: string, bytes: Uint8Array, rows: number, rowValues: number, rowOrder?: number[]): Float32Array {
  const type = ggmlTypeByName(name)!;
  const perRow = rowBytes(type, rowValues)!;
  const out = new Float32Array(rows * rowValues);
  for (let r = 0; r < rows; r++)
    dequantizeBlocks(
      type,
      bytes,
      (rowOrder ? rowOrder[r] : r) * perRow,
      rowValues / type.blockValues,
      out,
      r * rowValues,
    );
  return out;
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let bad = -1;
  for (let i = 0; i < x.length && bad < 0; i++)
    if (x[i] !== y[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) bad = i;
  assert.equal(bad, -1, `${what}: value ${bad}: ${a[bad]} in the graph against ${b[bad]}`);
}

for (const name of READABLE_TYPES) {
  test(`${name}: widened in the graph (in order, rows reordered) equal to the JS dequantizer bit for bit`, async () => {
    const type = ggmlTypeByName(name)!;
    const rows = 6;
    const rowValues = type.blockValues === 1 ? 40 : 2 * type.blockValues;
    const draw = gaussian(mulberry32(type.id + 3));
    const values = Float32Array.from({ length: rows * rowValues }, (_, i) => draw() * 2 ** ((i % 9) - 4));
    const quantized = ggmlQuantize(type.id, values, rows, rowValues);
    const u = mulberry32(type.id);
    const random = Uint8Array.from({ length: quantized.length }, () => Math.floor(u() * 256));
    if (type.blockValues > 1) {
      // finite f16 scales, as in the dequantizer's test
      const fields =
        name === 'Q6_K'
          ? [208]
          : name === 'Q4_1' || name === 'Q5_1' || name === 'Q4_K' || name === 'Q5_K'
            ? [0, 2]
            : [0];
      for (let b = 0; b < random.length / type.blockBytes; b++)
        for (const f of fields) random[b * type.blockBytes + f + 1] &= 0xbf;
    } else random.set(quantized); // float types: random bytes would hold NaNs of any payload
    const order = [3, 0, 5, 1, 4, 2];
    for (const [what, bytes] of [
      ['quantized', quantized],
      ['random bytes', random],
    ] as const) {
      sameBits(await widenInGraph(name, bytes, rows, rowValues), inJs(name, bytes, rows, rowValues), `${name} ${what}`);
      sameBits(
        await widenInGraph(name, bytes, rows, rowValues, order),
        inJs(name, bytes, rows, rowValues, order),
        `${name} ${what}, reordered`,
      );
    }
  });
}

test('rows gathered by token ids (a symbolic count) widen to the same bits as those rows of the table', async () => {
  for (const name of ['Q4_K', 'Q6_K', 'Q5_0', 'F16']) {
    const type = ggmlTypeByName(name)!;
    const rows = 7;
    const rowValues = type.blockValues === 1 ? 40 : type.blockValues;
    const draw = gaussian(mulberry32(type.id + 11));
    const bytes = ggmlQuantize(
      type.id,
      Float32Array.from({ length: rows * rowValues }, () => draw()),
      rows,
      rowValues,
    );
    const g = new Graph('float32');
    const float = STORED[name as keyof typeof STORED];
    const stored = float
      ? g.weight('w', [rows, rowValues], float, { data: bytes })
      : g.weight('w', [rows, rowBytes(type, rowValues)!], 'uint8', { data: bytes });
    const ids = g.input('ids', [1, 'S'], 'int64');
    const y = ggmlWeight(gather(stored, ids), {
      type: name,
      rowValues,
      blockValues: type.blockValues,
      blockBytes: type.blockBytes,
    });
    assert.deepEqual(y.shape, [1, 'S', rowValues]);
    const session = await createSession(emitModel(g, [{ name: 'y', tensor: y }]), { threads: 1 });
    const picked = [4, 0, 4, 6];
    const out = await session.run({
      ids: new ort.Tensor('int64', BigInt64Array.from(picked.map(BigInt)), [1, picked.length]),
    });
    assert.deepEqual(out.y.dims, [1, picked.length, rowValues]);
    sameBits(out.y.data as Float32Array, inJs(name, bytes, picked.length, rowValues, picked), `${name} gathered rows`);
  }
});

test(
  'a backward pass through a GGUF weight widens it again (apart), leaving the forward widening to ' +
    'the forward pass',
  () => {
    const g = new Graph('float32');
    const type = ggmlTypeByName('Q4_0')!;
    const w = ggmlWeight(g.weight('w', [4, 18], 'uint8', { data: new Uint8Array(72) }), {
      type: 'Q4_0',
      rowValues: 32,
      blockValues: type.blockValues,
      blockBytes: type.blockBytes,
    });
    const x = g.input('x', [2, 32]);
    const y = reduceSum(linear(x, w), [-1], false);
    const [dx] = grad(y, [x], expand(g.scalar(1), [1, 2]));
    const widenings: string[] = [];
    const seen = new Set<number>();
    const walk = (t: typeof dx) => {
      if (!t || seen.has(t.id)) return;
      seen.add(t.id);
      if (t.op.name === 'GgmlWeight') widenings.push(t.inputs[0].op.name);
      t.inputs.forEach(walk);
    };
    walk(dx);
    // the gradient reads a widening of its own, over an `apart` of the stored bytes, not the forward one
    assert.deepEqual(widenings, ['Apart']);
  },
);
