// src/runtime/checkpoint.ts on a tiny Llama checkpoint the test writes, and on folders missing a piece.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/runtime/checkpoint';
import { writeSafetensors, type TensorToWrite } from '../helpers/safetensorsWriter';
import { writeByteFallbackTokenizer } from '../helpers/tokenizerJson';

// V vocab, D width, F feed-forward width
const V = 293;
const D = 8;
const F = 12;

function writeTinyLlama(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lens-ckpt-'));
  const { vocabSize, bosId, eosId } = writeByteFallbackTokenizer(dir);
  assert.equal(vocabSize, V);
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: V,
    hidden_size: D,
    intermediate_size: F,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    tie_word_embeddings: true,
    bos_token_id: bosId,
    eos_token_id: eosId,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: bosId, eos_token_id: [eosId, 7] }));
  const t = (shape: number[]): TensorToWrite => ({
    dtype: 'BF16',
    shape,
    data: new Array(shape.reduce((a, b) => a * b, 1)).fill(0.5),
  });
  writeSafetensors(
    join(dir, 'model.safetensors'),
    new Map([
      ['model.embed_tokens.weight', t([V, D])],
      ['model.layers.0.self_attn.q_proj.weight', t([D, D])],
      ['model.layers.0.self_attn.k_proj.weight', t([D / 2, D])],
      ['model.layers.0.self_attn.v_proj.weight', t([D / 2, D])],
      ['model.layers.0.self_attn.o_proj.weight', t([D, D])],
      ['model.layers.0.mlp.gate_proj.weight', t([F, D])],
      ['model.layers.0.mlp.up_proj.weight', t([F, D])],
      ['model.layers.0.mlp.down_proj.weight', t([D, F])],
      ['model.layers.0.input_layernorm.weight', t([D])],
      ['model.layers.0.post_attention_layernorm.weight', t([D])],
      ['model.norm.weight', t([D])],
    ]),
  );
  return dir;
}

test('loads a complete checkpoint', async () => {
  const dir = writeTinyLlama();
  const r = await loadCheckpoint(dir);
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  const c = r.value;
  assert.equal(c.dir, dir);
  assert.equal(c.config.modelType, 'llama');
  assert.deepEqual(c.config.eosTokenIds, [2, 7]); // config.json's, then generation_config.json's new ones
  assert.equal(c.config.bosTokenId, 1);
  assert.equal(c.parameterCount, V * D + 2 * D * D + 2 * (D / 2) * D + 3 * F * D + 3 * D);
  assert.equal(c.weights.totalBytes, 2 * c.parameterCount);
  assert.deepEqual((await c.tokenizer.encode('the')).ids, [1, 275]);
  assert.ok(c.chatTemplate.ok);
  assert.equal(c.weights.readF32('model.norm.weight')[0], 0.5);
});

test('a checkpoint without a chat template still loads; the template is an error value', async () => {
  const dir = writeTinyLlama();
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>' }));
  const r = await loadCheckpoint(dir);
  assert.ok(r.ok);
  assert.ok(!r.value.chatTemplate.ok && r.value.chatTemplate.error.code === 'no-chat-template');
});

test('missing folder, file instead of folder, missing pieces', async () => {
  const gone = join(tmpdir(), 'lens-no-such-checkpoint');
  let r = await loadCheckpoint(gone);
  assert.ok(!r.ok && r.error.code === 'missing-file' && r.error.message.includes('no such directory'));

  const dir = writeTinyLlama();
  r = await loadCheckpoint(join(dir, 'config.json'));
  assert.ok(!r.ok && r.error.code === 'missing-file' && r.error.message.includes('not a checkpoint folder'));

  rmSync(join(dir, 'tokenizer.json'));
  r = await loadCheckpoint(dir);
  assert.ok(!r.ok && r.error.code === 'missing-file' && r.error.message.includes('tokenizer.json'));

  rmSync(join(dir, 'model.safetensors'));
  r = await loadCheckpoint(dir);
  assert.ok(!r.ok && r.error.code === 'missing-file' && r.error.message.includes('model.safetensors'));

  rmSync(join(dir, 'config.json'));
  r = await loadCheckpoint(dir);
  assert.ok(!r.ok && r.error.code === 'missing-file');
  assert.ok(r.error.message.includes('config.json') && r.error.message.includes(dir));
});

test('broken config.json and generation_config.json; unsupported family names the file', async () => {
  const dir = writeTinyLlama();
  writeFileSync(join(dir, 'generation_config.json'), '{');
  let r = await loadCheckpoint(dir);
  assert.ok(!r.ok && r.error.code === 'bad-config' && r.error.message.includes('generation_config.json'));

  writeFileSync(join(dir, 'config.json'), '{"model_type": "mamba"}');
  r = await loadCheckpoint(dir);
  assert.ok(!r.ok && r.error.code === 'unsupported-arch');
  assert.ok(r.error.message.includes(join(dir, 'config.json')) && r.error.message.includes('mamba'));
});
