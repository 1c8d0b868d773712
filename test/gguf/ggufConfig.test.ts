// GGUF metadata read as the config.json of the same model: llama (GQA, linear rope scaling, tied), qwen2
// (biases), qwen3 (explicit head size), each parsed by its family to the ModelConfig that the equivalent
// config.json gives; and the settings not read yet refused by name. (The other families' metadata is checked
// end to end, against llama.cpp, in families.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../../src/arch';
import { openGguf } from '../../src/gguf/ggufFile';
import { ggufArchitecture } from '../../src/gguf/ggufConfig';
import { f32Bytes, gv, writeGguf, type GgufTensorSpec, type GgufValue } from '../helpers/ggufWriter';

const dir = mkdtempSync(join(tmpdir(), 'lens-ggufcfg-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const f32 = (name: string, ne: number[]): GgufTensorSpec => ({
  name,
  ne,
  type: 0,
  data: f32Bytes(new Float32Array(ne.reduce((a, b) => a * b, 1))),
});

async function architectureOf(metadata: Record<string, GgufValue>, tensors: GgufTensorSpec[]) {
  const p = join(dir, `c${n++}.gguf`);
  writeGguf(p, metadata, tensors);
  const g = await openGguf(p);
  assert.ok(g.ok, g.ok ? '' : g.error.message);
  return ggufArchitecture(g.value);
}

const core = (arch: string, extra: Record<string, GgufValue> = {}): Record<string, GgufValue> => ({
  'general.architecture': gv.str(arch),
  [`${arch}.block_count`]: gv.u32(2),
  [`${arch}.embedding_length`]: gv.u32(64),
  [`${arch}.feed_forward_length`]: gv.u32(96),
  [`${arch}.attention.head_count`]: gv.u32(4),
  [`${arch}.attention.head_count_kv`]: gv.u32(2),
  [`${arch}.attention.layer_norm_rms_epsilon`]: gv.f32(1e-5),
  [`${arch}.rope.freq_base`]: gv.f32(500000),
  [`${arch}.context_length`]: gv.u32(4096),
  'tokenizer.ggml.bos_token_id': gv.u32(1),
  'tokenizer.ggml.eos_token_id': gv.u32(2),
  ...extra,
});

test('llama: sizes, GQA, rope base, linear scaling, a tied head, stop ids as config.json would give them', async () => {
  const a = await architectureOf(
    core('llama', {
      'llama.rope.scaling.type': gv.str('linear'),
      'llama.rope.scaling.factor': gv.f32(2),
      'tokenizer.ggml.eot_token_id': gv.u32(3),
    }),
    [f32('token_embd.weight', [64, 50])],
  );
  assert.ok(a.ok, a.ok ? '' : a.error.message);
  assert.equal(a.value.permutedQueryKey, true);
  const fromGguf = parseConfig(a.value.config);
  const fromJson = parseConfig({
    model_type: 'llama',
    architectures: ['llama (GGUF)'],
    num_hidden_layers: 2,
    hidden_size: 64,
    intermediate_size: 96,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    rms_norm_eps: Math.fround(1e-5),
    rope_theta: 500000,
    max_position_embeddings: 4096,
    rope_scaling: { rope_type: 'linear', factor: 2 },
    vocab_size: 50,
    tie_word_embeddings: true,
    attention_bias: false,
    bos_token_id: 1,
    eos_token_id: [2, 3],
  });
  assert.ok(fromGguf.ok && fromJson.ok);
  assert.deepEqual(fromGguf.value, fromJson.value);
  assert.equal(fromGguf.value.tieWordEmbeddings, true);
  assert.deepEqual(fromGguf.value.eosTokenIds, [2, 3]);
});

test('qwen2 with its biases and an untied head; qwen3 with an explicit head size', async () => {
  const q2 = await architectureOf(core('qwen2'), [
    f32('token_embd.weight', [64, 50]),
    f32('output.weight', [64, 50]),
    f32('blk.0.attn_q.bias', [64]),
  ]);
  assert.ok(q2.ok);
  assert.equal(q2.value.permutedQueryKey, false);
  const c2 = parseConfig(q2.value.config);
  assert.ok(c2.ok, c2.ok ? '' : c2.error.message);
  assert.deepEqual(
    [c2.value.modelType, c2.value.tieWordEmbeddings, c2.value.vocabSize, c2.value.numKvHeads],
    ['qwen2', false, 50, 2],
  );
  const q3 = await architectureOf(
    core('qwen3', { 'qwen3.attention.key_length': gv.u32(24), 'qwen3.attention.value_length': gv.u32(24) }),
    [f32('token_embd.weight', [64, 50])],
  );
  assert.ok(q3.ok);
  const c3 = parseConfig(q3.value.config);
  assert.ok(c3.ok, c3.ok ? '' : c3.error.message);
  assert.deepEqual([c3.value.modelType, c3.value.headDim, c3.value.rotaryDim], ['qwen3', 24, 24]);
});

test(
  'refused by name: an unknown or not yet read architecture, a missing key, bad per-frequency ' +
    'rope factors, a sliding window, other scalings',
  async () => {
    const embd = f32('token_embd.weight', [64, 50]);
    const cases: [Record<string, GgufValue>, GgufTensorSpec[], RegExp][] = [
      [core('mamba'), [embd], /GGUF architecture "mamba" is not supported/],
      [core('qwen2moe'), [embd], /GGUF architecture "qwen2moe" is not supported/],
      [
        core('olmo2', { 'olmo2.attention.sliding_window': gv.u32(4096) }),
        [embd],
        /a sliding window .* is not read from olmo2 GGUF files/,
      ],
      [
        core('phi3'),
        [embd, f32('rope_factors_long.weight', [8])],
        /rope_factors_short.weight is missing beside its pair/,
      ],
      [
        core('phi3', { 'phi3.rope.scaling.original_context_length': gv.u32(64) }),
        [embd, f32('rope_factors_long.weight', [8]), f32('rope_factors_short.weight', [3])],
        /rope_factors_short.weight is F32 \[3\], not 8 F32 values/,
      ],
      [
        core('gemma3', {
          'gemma3.attention.sliding_window': gv.u32(512),
          'gemma3.attention.sliding_window_pattern': { type: 'array', of: 'bool', value: [true] },
        }),
        [embd],
        /sliding_window_pattern" must be a number or one boolean per layer/,
      ],
      [
        core('qwen3moe', { 'qwen3moe.expert_count': gv.u32(4) }),
        [embd],
        /"qwen3moe.expert_used_count" or "qwen3moe.expert_count" is missing/,
      ],
      [
        { ...core('llama'), 'llama.embedding_length': gv.str('64') },
        [embd],
        /metadata "llama.embedding_length" is missing or not a number/,
      ],
      [
        (({ 'llama.attention.layer_norm_rms_epsilon': _, ...rest }) => rest)(core('llama')),
        [embd],
        /"llama.attention.layer_norm_rms_epsilon" is missing/,
      ],
      [{ 'llama.block_count': gv.u32(1) }, [embd], /"general.architecture" is missing/],
      [core('llama'), [embd, f32('rope_freqs.weight', [5])], /rope_freqs.weight is F32 \[5\], not 8 F32 values/],
      [
        core('llama', { 'llama.rope.scaling.type': gv.str('linear'), 'llama.rope.scaling.factor': gv.f32(2) }),
        [embd, f32('rope_freqs.weight', [8])],
        /both rope_freqs.weight and llama.rope.scaling.type "linear"/,
      ],
      [core('llama', { 'llama.attention.sliding_window': gv.u32(4096) }), [embd], /a sliding window/],
      [
        core('llama', { 'llama.rope.scaling.type': gv.str('yarn'), 'llama.rope.scaling.factor': gv.f32(4) }),
        [embd],
        /rope scaling "yarn" is not read/,
      ],
      [
        core('llama', { 'llama.rope.dimension_count': gv.u32(8) }),
        [embd],
        /rope.dimension_count is 8, not the head size 16/,
      ],
      [core('llama'), [f32('output.weight', [64, 50])], /"token_embd.weight" not found/],
    ];
    for (const [metadata, tensors, pattern] of cases) {
      const a = await architectureOf(metadata, tensors);
      assert.ok(!a.ok, String(pattern));
      assert.match(a.error.message, pattern);
    }
  },
);

test('gemma as llama.cpp runs it: the 27B attention scale, an Ollama-style window pattern, no window', async () => {
  const embd = f32('token_embd.weight', [64, 50]);
  // gemma2 with 46 layers is the 27B model: scores scaled by (hidden / heads)^-1/2, not head_dim^-1/2
  const g27 = await architectureOf(
    core('gemma2', {
      'gemma2.block_count': gv.u32(46),
      'gemma2.attention.key_length': gv.u32(32),
      'gemma2.attention.value_length': gv.u32(32),
    }),
    [embd],
  );
  assert.ok(g27.ok, g27.ok ? '' : g27.error.message);
  const c27 = parseConfig(g27.value.config);
  assert.ok(c27.ok, c27.ok ? '' : c27.error.message);
  assert.equal(c27.value.attentionScale, 1 / Math.sqrt(64 / 4));
  assert.deepEqual(
    c27.value.fullAttentionLayers,
    Array.from({ length: 23 }, (_, i) => 2 * i + 1),
  );
  assert.equal(g27.value.normsHoldOffset, true);
  // Ollama's gemma3: one boolean per layer (true: sliding) and its own key for the local rotation base
  const pattern = [true, false, true, true];
  const o = await architectureOf(
    core('gemma3', {
      'gemma3.block_count': gv.u32(4),
      'gemma3.attention.sliding_window': gv.u32(512),
      'gemma3.attention.sliding_window_pattern': { type: 'array', of: 'bool', value: pattern },
      'gemma3.rope.local.freq_base': gv.f32(20000),
    }),
    [embd],
  );
  assert.ok(o.ok, o.ok ? '' : o.error.message);
  const co = parseConfig(o.value.config);
  assert.ok(co.ok, co.ok ? '' : co.error.message);
  assert.deepEqual(
    [co.value.fullAttentionLayers, co.value.slidingWindow, co.value.localRope?.theta],
    [[1], 512, 20000],
  );
  // gemma3 without a window: every layer global
  const none = await architectureOf(core('gemma3', { 'gemma3.block_count': gv.u32(4) }), [embd]);
  assert.ok(none.ok);
  const cn = parseConfig(none.value.config);
  assert.ok(cn.ok, cn.ok ? '' : cn.error.message);
  assert.deepEqual([cn.value.fullAttentionLayers, cn.value.slidingWindow], [[0, 1, 2, 3], null]);
});
