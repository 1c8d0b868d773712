// Every family's declared tensors and shapes against checkpoints written as Hugging Face writes them: all
// pass as written, and a config edited to disagree fails at the tensor it shapes, naming the config fields.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkWeightShapes, familyOf } from '../../src/arch';
import type { ModelConfig } from '../../src/model/config';
import { openWeights } from '../../src/model/safetensors';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';

const root = mkdtempSync(join(tmpdir(), 'lens-shapes-'));
after(() => rmSync(root, { recursive: true, force: true }));

const cases: [string, RandomCheckpointOptions][] = [
  ['llama GQA untied', { family: 'llama', numHeads: 4, numKvHeads: 2 }],
  ['llama tied, explicit head_dim', { family: 'llama', tie: true, headDim: 16 }],
  ['llama attention_bias', { family: 'llama', attentionBias: true }],
  ['mistral', { family: 'mistral', numKvHeads: 2, slidingWindow: 4 }],
  ['qwen2 (qkv bias)', { family: 'qwen2', numKvHeads: 2 }],
  ['qwen3 (q/k norm, head_dim 12)', { family: 'qwen3', numKvHeads: 2, headDim: 12 }],
  ['olmo2 (post norms, q/k norm over the projection)', { family: 'olmo2', numKvHeads: 2 }],
  ['gemma2 (four norms a layer, tied)', { family: 'gemma2', numKvHeads: 2, headDim: 12 }],
  ['phi3 (fused qkv and gate_up)', { family: 'phi3', numKvHeads: 2 }],
  ['gemma3 (q/k norms)', { family: 'gemma3', numKvHeads: 2, headDim: 12 }],
  [
    'gemma3 multimodal (language_model prefix, a vision tensor beside)',
    { family: 'gemma3', multimodal: true, numKvHeads: 2 },
  ],
  ['mixtral (router and experts in block_sparse_moe)', { family: 'mixtral', numKvHeads: 2, experts: 3 }],
  [
    'qwen3_moe (experts in mlp, a dense layer, moe_intermediate_size)',
    { family: 'qwen3_moe', numKvHeads: 2, headDim: 12, experts: 3, moeIntermediateSize: 20, mlpOnlyLayers: [1] },
  ],
  ['gpt2', { family: 'gpt2' }],
  ['gpt2 transformer. prefix, mask buffers', { family: 'gpt2', prefix: true, gpt2MaskBuffers: true }],
  ['llama sharded', { family: 'llama', shard: true }],
];

for (const [name, options] of cases) {
  test(`${name}: the stored tensors have the declared shapes`, () => {
    const ck = writeRandomCheckpoint(join(root, name.replace(/\W+/g, '-')), options);
    const store = openWeights(ck.dir);
    assert.ok(store.ok);
    const expected = familyOf(ck.config.modelType).weightShapes(ck.config);
    assert.deepEqual(checkWeightShapes(ck.config, store.value, expected), { ok: true, value: undefined });

    const edited = (changes: Partial<ModelConfig>): ModelConfig => ({ ...ck.config, ...changes });
    // mixtral's experts are intermediate_size wide: the parsed config carries it in moe as well
    const moe = ck.config.moe;
    const wider = edited({
      intermediateSize: ck.config.intermediateSize + 8,
      moe: moe && ck.config.modelType === 'mixtral' ? { ...moe, intermediateSize: moe.intermediateSize + 8 } : moe,
    });
    const r = checkWeightShapes(wider, store.value, familyOf(wider.modelType).weightShapes(wider));
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'shape-mismatch');
      const family = ck.config.modelType;
      const first: Partial<Record<string, RegExp>> = {
        gpt2: /h\.0\.mlp\.c_fc\.weight" has shape/,
        phi3: /layers\.0\.mlp\.gate_up_proj\.weight" has shape/,
        mixtral: /layers\.0\.block_sparse_moe\.experts\.0\.w1\.weight" has shape/,
        qwen3_moe: /layers\.1\.mlp\.gate_proj\.weight" has shape/, // the dense layer; the experts have their own width
      };
      assert.match(r.error.message, first[family] ?? /layers\.0\.mlp\.gate_proj\.weight" has shape/);
      const want =
        family === 'phi3'
          ? `${2 * (ck.config.intermediateSize + 8)} \\(2 × intermediate_size`
          : `${ck.config.intermediateSize + 8} \\((intermediate_size|n_inner)`;
      assert.match(r.error.message, new RegExp(want));
    }
    if (moe) {
      // every expert's tensors, and the router's, are declared
      const more = edited({ moe: { ...moe, experts: moe.experts + 1 } });
      const m = checkWeightShapes(more, store.value, familyOf(more.modelType).weightShapes(more));
      assert.ok(
        !m.ok && /gate\.weight" has shape/.test(m.error.message) && /num_(local_)?experts/.test(m.error.message),
        JSON.stringify(m),
      );
      const widerExperts = edited({ moe: { ...moe, intermediateSize: moe.intermediateSize + 4 } });
      const x = checkWeightShapes(
        widerExperts,
        store.value,
        familyOf(widerExperts.modelType).weightShapes(widerExperts),
      );
      assert.ok(
        !x.ok &&
          /experts\.0\.(w1|gate_proj)\.weight" has shape/.test(x.error.message) &&
          /(moe_)?intermediate_size/.test(x.error.message),
        JSON.stringify(x),
      );
    }
  });
}

test('a missing tensor is named; a missing optional one (the untied head of a tied model) is not an error', () => {
  const ck = writeRandomCheckpoint(join(root, 'tied'), { family: 'llama', tie: true });
  const store = openWeights(ck.dir);
  assert.ok(store.ok);
  const deeper = { ...ck.config, numLayers: ck.config.numLayers + 1 };
  const r = checkWeightShapes(deeper, store.value, familyOf('llama').weightShapes(deeper));
  assert.equal(r.ok, false);
  if (!r.ok)
    assert.match(
      r.error.message,
      new RegExp(`"model\\.layers\\.${ck.config.numLayers}\\.input_layernorm\\.weight" not found`),
    );
});
