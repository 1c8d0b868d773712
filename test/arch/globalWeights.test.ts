// The global methods' weight accessor against the checkpoint's tensors as the test wrote them: same values,
// in the documented layout, for the llama family (nn.Linear [out, in]) and gpt2 (Conv1D [in, out], fused qkv).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globalWeights } from '../../src/arch';
import { loadCheckpoint } from '../../src/runtime/checkpoint';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';

const at = (w: Float64Array, cols: number, r: number, c: number) => w[r * cols + c];

test('llama (GQA, untied): q/k rows, norm scale, W_down^T rows, embeddings', async () => {
  const ck = writeRandomCheckpoint(mkdtempSync(join(tmpdir(), 'gw-llama-')), {
    family: 'llama',
    hiddenSize: 16,
    numHeads: 4,
    numKvHeads: 2,
    numLayers: 2,
    dtype: 'BF16',
  });
  const loaded = await loadCheckpoint(ck.dir);
  assert.ok(loaded.ok);
  const g = globalWeights(loaded.value.config, loaded.value.weights);
  const { hiddenSize: D, intermediateSize: F, vocabSize: V } = ck.config;
  const qk = g.queryKey(1);
  const q = ck.weights.get('model.layers.1.self_attn.q_proj.weight')!;
  const k = ck.weights.get('model.layers.1.self_attn.k_proj.weight')!;
  assert.deepEqual([qk.wq.rows, qk.wq.cols, qk.wk.rows, qk.wk.cols], [16, D, 8, D]);
  assert.deepEqual([...qk.wq.data], [...q].map(Math.fround));
  assert.deepEqual([...qk.wk.data], [...k].map(Math.fround));
  assert.deepEqual([...qk.normScale], [...ck.weights.get('model.layers.1.input_layernorm.weight')!].map(Math.fround));
  const down = ck.weights.get('model.layers.0.mlp.down_proj.weight')!; // [D, F]
  const rows = g.downProjectionRows(0);
  assert.deepEqual([rows.rows, rows.cols], [F, D]);
  for (let i = 0; i < F; i++)
    for (let j = 0; j < D; j++) assert.equal(rows.data[i * D + j], Math.fround(at(down, F, j, i)));
  const stored = g.downProjection(0);
  assert.deepEqual([stored.rows, stored.cols], [D, F]);
  assert.deepEqual([...stored.data], [...down].map(Math.fround));
  const buffer = new Float32Array(D * F);
  assert.equal((await g.readDownProjection(0, buffer)).data, buffer, "read into the caller's buffer");
  assert.deepEqual([...buffer], [...down].map(Math.fround));
  await assert.rejects(g.readDownProjection(0, new Float32Array(3)), /3 values in the buffer/);
  assert.equal(g.inputEmbeddings().rows, V);
  assert.deepEqual([...g.outputEmbeddings().data], [...ck.weights.get('lm_head.weight')!].map(Math.fround));
  // a piece of the table, read into a buffer: rows 5..11 (bf16 widened)
  const piece = new Float32Array(7 * D).fill(NaN);
  await g.readOutputEmbeddingRows(5, piece);
  assert.deepEqual([...piece], [...ck.weights.get('lm_head.weight')!.subarray(5 * D, 12 * D)].map(Math.fround));
  await assert.rejects(g.readOutputEmbeddingRows(V - 2, piece), /rows \[\d+, \d+\) of \d+/);
  await assert.rejects(g.readOutputEmbeddingRows(0, new Float32Array(D + 1)), /not whole rows/);
});

test('gpt2 (prefixed names, tied): fused Conv1D qkv split and transposed, c_proj rows as stored', async () => {
  const ck = writeRandomCheckpoint(mkdtempSync(join(tmpdir(), 'gw-gpt2-')), {
    family: 'gpt2',
    hiddenSize: 16,
    numHeads: 4,
    numLayers: 2,
    prefix: true,
  });
  const loaded = await loadCheckpoint(ck.dir);
  assert.ok(loaded.ok);
  const g = globalWeights(loaded.value.config, loaded.value.weights);
  const D = 16;
  const qkv = ck.weights.get('transformer.h.1.attn.c_attn.weight')!; // [D, 3D]
  const qk = g.queryKey(1);
  for (let r = 0; r < D; r++) {
    for (let c = 0; c < D; c++) {
      assert.equal(qk.wq.data[r * D + c], Math.fround(at(qkv, 3 * D, c, r)));
      assert.equal(qk.wk.data[r * D + c], Math.fround(at(qkv, 3 * D, c, D + r)));
    }
  }
  const proj = ck.weights.get('transformer.h.0.mlp.c_proj.weight')!; // [F, D]
  assert.deepEqual([...g.downProjectionRows(0).data], [...proj].map(Math.fround));
  const down = g.downProjection(0); // [D, F]: c_proj transposed
  assert.deepEqual([down.rows, down.cols], [D, 4 * D]);
  for (let i = 0; i < 4 * D; i++)
    for (let j = 0; j < D; j++) assert.equal(down.data[j * 4 * D + i], Math.fround(at(proj, D, i, j)));
  const downBuffer = new Float32Array(4 * D * D);
  assert.equal((await g.readDownProjection(0, downBuffer)).data, downBuffer);
  assert.deepEqual([...downBuffer], [...down.data]);
  assert.deepEqual([...g.outputEmbeddings().data], [...g.inputEmbeddings().data]);
  // the tied table in pieces (f32: read straight into the buffer), the last piece short
  const V = ck.config.vocabSize;
  const whole = g.outputEmbeddings().data;
  const buffer = new Float32Array(100 * D);
  for (let first = 0; first < V; first += 100) {
    const rows = Math.min(100, V - first);
    await g.readOutputEmbeddingRows(first, buffer.subarray(0, rows * D));
    assert.deepEqual([...buffer.subarray(0, rows * D)], [...whole.subarray(first * D, (first + rows) * D)]);
  }
});

test('a missing tensor is a clear missing-tensor failure', async () => {
  const ck = writeRandomCheckpoint(mkdtempSync(join(tmpdir(), 'gw-miss-')), { family: 'llama', numLayers: 1 });
  const loaded = await loadCheckpoint(ck.dir);
  assert.ok(loaded.ok);
  assert.throws(
    () => globalWeights(loaded.value.config, loaded.value.weights).queryKey(5),
    (e: Error & { error?: { code: string } }) => e.error?.code === 'missing-tensor' && /layers\.5/.test(e.message),
  );
});
