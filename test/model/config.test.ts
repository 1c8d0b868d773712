// src/model/config.ts: each supported family's config.json (shaped like the real ones on the Hub, shrunk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, SUPPORTED_MODEL_TYPES } from '../../src/arch';
import type { ModelConfig } from '../../src/model/config';

function parsed(raw: unknown): ModelConfig {
  const r = parseConfig(raw);
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function error(raw: unknown, code: string, inMessage: string): void {
  const r = parseConfig(raw);
  assert.ok(!r.ok, 'expected an error');
  assert.equal(r.error.code, code, r.error.message);
  assert.ok(r.error.message.includes(inMessage), `"${r.error.message}" should mention "${inMessage}"`);
}

const llama = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 300,
  hidden_size: 64,
  intermediate_size: 172,
  num_hidden_layers: 2,
  num_attention_heads: 8,
  num_key_value_heads: 2,
  max_position_embeddings: 256,
  rms_norm_eps: 1e-5,
  rope_theta: 500000,
  rope_scaling: {
    rope_type: 'llama3',
    factor: 32,
    low_freq_factor: 1,
    high_freq_factor: 4,
    original_max_position_embeddings: 8192,
  },
  tie_word_embeddings: true,
  hidden_act: 'silu',
  bos_token_id: 1,
  eos_token_id: [2, 3],
};

test('llama (Llama-3 style: GQA, llama3 rope scaling, tied embeddings, list of eos ids)', () => {
  const c = parsed(llama);
  assert.equal(c.modelType, 'llama');
  assert.equal(c.architecture, 'LlamaForCausalLM');
  assert.deepEqual(
    [c.vocabSize, c.hiddenSize, c.numLayers, c.numHeads, c.numKvHeads, c.headDim, c.intermediateSize],
    [300, 64, 2, 8, 2, 8, 172],
  );
  assert.deepEqual(c.ropeScaling, {
    type: 'llama3',
    factor: 32,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositions: 8192,
  });
  assert.equal(c.ropeTheta, 500000);
  assert.equal(c.normEps, 1e-5);
  assert.equal(c.tieWordEmbeddings, true);
  assert.equal(c.attentionBias, false);
  assert.equal(c.slidingWindow, null);
  assert.equal(c.bosTokenId, 1);
  assert.deepEqual(c.eosTokenIds, [2, 3]);
});

test('llama: mlp_bias true is refused by name, false (as published) read', () => {
  error({ ...llama, mlp_bias: true }, 'unsupported-arch', 'mlp_bias true');
  assert.equal(parsed({ ...llama, mlp_bias: false }).modelType, 'llama');
});

test('llama defaults: kv heads = heads, no scaling, untied, explicit head_dim wins', () => {
  const { num_key_value_heads: _kv, rope_scaling: _rs, tie_word_embeddings: _t, ...plain } = llama;
  const c = parsed({ ...plain, head_dim: 16, eos_token_id: 2 });
  assert.equal(c.numKvHeads, 8);
  assert.equal(c.headDim, 16);
  assert.equal(c.ropeScaling, null);
  assert.equal(c.tieWordEmbeddings, false);
  assert.deepEqual(c.eosTokenIds, [2]);
});

test('mistral: sliding window', () => {
  const c = parsed({
    ...llama,
    model_type: 'mistral',
    architectures: ['MistralForCausalLM'],
    rope_scaling: null,
    sliding_window: 4096,
  });
  assert.equal(c.modelType, 'mistral');
  assert.equal(c.slidingWindow, 4096);
});

test('qwen2: q/k/v bias always; sliding window only when use_sliding_window', () => {
  const base = {
    ...llama,
    model_type: 'qwen2',
    architectures: ['Qwen2ForCausalLM'],
    rope_scaling: null,
    sliding_window: 32768,
  };
  const c = parsed({ ...base, use_sliding_window: false });
  assert.equal(c.attentionBias, true);
  assert.equal(c.slidingWindow, null);
  assert.equal(parsed({ ...base, use_sliding_window: true }).slidingWindow, 32768);
});

test('qwen2/qwen3: the window applies from max_window_layers on (default 28), or where layer_types says', () => {
  const base = {
    ...llama,
    num_hidden_layers: 4,
    model_type: 'qwen2',
    architectures: ['Qwen2ForCausalLM'],
    rope_scaling: null,
    sliding_window: 64,
    use_sliding_window: true,
  };
  assert.deepEqual(parsed({ ...base, max_window_layers: 2 }).fullAttentionLayers, [0, 1]);
  assert.deepEqual(
    parsed(base).fullAttentionLayers,
    [0, 1, 2, 3],
    'max_window_layers 28 by default: no layer of 4 is windowed',
  );
  const typed = parsed({
    ...base,
    layer_types: ['sliding_attention', 'full_attention', 'sliding_attention', 'full_attention'],
  });
  assert.deepEqual(typed.fullAttentionLayers, [1, 3]);
  assert.deepEqual(
    parsed({ ...base, use_sliding_window: false, max_window_layers: 0 }).fullAttentionLayers,
    [],
    'no window, no list',
  );
  const wrongLength = parseConfig({ ...base, layer_types: ['full_attention'] });
  assert.ok(
    !wrongLength.ok && /"layer_types" names 1 layers, but num_hidden_layers is 4/.test(wrongLength.error.message),
  );
  const unknown = parseConfig({
    ...base,
    layer_types: ['full_attention', 'chunked_attention', 'full_attention', 'full_attention'],
  });
  assert.ok(
    !unknown.ok && unknown.error.code === 'unsupported-arch' && /"chunked_attention"/.test(unknown.error.message),
  );
});

test('qwen3: per-head q/k norm, head_dim 128 by default, attention_bias read, no bias by default', () => {
  const base = { ...llama, model_type: 'qwen3', architectures: ['Qwen3ForCausalLM'], rope_scaling: null };
  const { head_dim: _, ...withoutHeadDim } = base as Record<string, unknown>;
  const c = parsed(withoutHeadDim);
  assert.equal(c.modelType, 'qwen3');
  assert.equal(c.headDim, 128);
  assert.equal(c.attentionBias, false);
  assert.equal(parsed({ ...base, head_dim: 64, attention_bias: true }).attentionBias, true);
  assert.equal(parsed({ ...base, head_dim: 64 }).headDim, 64);
  assert.equal(c.qkNorm, 'head');
  assert.equal(parsed({ ...llama, rope_scaling: null }).qkNorm, null);
});

test('olmo2: norms after the sublayers, q/k norm over the whole projection', () => {
  const c = parsed({ ...llama, model_type: 'olmo2', architectures: ['Olmo2ForCausalLM'], rope_scaling: null });
  assert.equal(c.postNorms, true);
  assert.equal(c.qkNorm, 'projection');
  assert.equal(c.attentionBias, false);
  assert.equal(parsed({ ...llama, rope_scaling: null }).postNorms, false);
});

test("mixtral: MixtralConfig's defaults (8 experts, 2 a token, always renormalised), the window on every layer", () => {
  const base = {
    ...llama,
    model_type: 'mixtral',
    architectures: ['MixtralForCausalLM'],
    rope_scaling: null,
    num_hidden_layers: 3,
  };
  const c = parsed(base);
  assert.deepEqual(c.moe, {
    experts: 8,
    perToken: 2,
    intermediateSize: 172,
    normalizeTopK: true,
    layers: [0, 1, 2],
    tensors: { block: 'block_sparse_moe', gate: 'w1', up: 'w3', down: 'w2' },
    fields: { experts: 'num_local_experts', width: 'intermediate_size' },
  });
  assert.equal(c.qkNorm, null);
  assert.equal(c.headDim, 8);
  const w = parsed({ ...base, num_local_experts: 4, num_experts_per_tok: 1, sliding_window: 16 });
  assert.deepEqual([w.moe?.experts, w.moe?.perToken, w.slidingWindow, w.fullAttentionLayers], [4, 1, 16, []]);
  error(
    { ...base, num_local_experts: 2, num_experts_per_tok: 3 },
    'bad-config',
    'num_experts_per_tok 3 is more than the 2 experts',
  );
  error({ ...base, num_local_experts: 0 }, 'bad-config', 'num_local_experts');
});

test(
  "qwen3_moe: Qwen3MoeConfig's defaults, norm_topk_prob, mlp_only_layers and decoder_sparse_step, " + 'the window',
  () => {
    const base = {
      ...llama,
      model_type: 'qwen3_moe',
      architectures: ['Qwen3MoeForCausalLM'],
      rope_scaling: null,
      num_hidden_layers: 6,
    };
    const c = parsed(base);
    const qwenMoe = {
      tensors: { block: 'mlp', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' },
      fields: { experts: 'num_experts', width: 'moe_intermediate_size' },
    };
    assert.deepEqual(c.moe, {
      experts: 128,
      perToken: 8,
      intermediateSize: 768,
      normalizeTopK: false,
      layers: [0, 1, 2, 3, 4, 5],
      ...qwenMoe,
    });
    assert.equal(c.qkNorm, 'head');
    assert.equal(c.headDim, 8, 'Qwen3MoeAttention falls back to hidden / heads, unlike Qwen3Config');
    assert.equal(c.slidingWindow, null);
    const s = parsed({
      ...base,
      num_experts: 16,
      num_experts_per_tok: 4,
      moe_intermediate_size: 32,
      norm_topk_prob: true,
      decoder_sparse_step: 2,
      mlp_only_layers: [3],
      use_sliding_window: true,
      sliding_window: 8,
      max_window_layers: 2,
    });
    assert.deepEqual(s.moe, {
      experts: 16,
      perToken: 4,
      intermediateSize: 32,
      normalizeTopK: true,
      layers: [1, 5],
      ...qwenMoe,
    });
    // Qwen3MoeAttention windows every layer: max_window_layers is not read
    assert.deepEqual([s.slidingWindow, s.fullAttentionLayers], [8, []]);
    // transformers 5 also reads num_local_experts
    assert.equal(parsed({ ...base, num_local_experts: 32 }).moe?.experts, 32);
    error({ ...base, mlp_only_layers: 'all' }, 'bad-config', 'mlp_only_layers');
    error({ ...base, decoder_sparse_step: 0 }, 'bad-config', 'decoder_sparse_step');
  },
);

test(
  "gemma2: Gemma2Config's defaults, soft caps, query_pre_attn_scalar, a window on every other " + 'layer from layer 0',
  () => {
    const base = {
      architectures: ['Gemma2ForCausalLM'],
      model_type: 'gemma2',
      vocab_size: 300,
      hidden_size: 64,
      intermediate_size: 128,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 2,
    };
    const c = parsed(base);
    assert.equal(c.headDim, 256);
    assert.equal(c.attentionScale, 1 / 16, 'query_pre_attn_scalar 256');
    assert.equal(c.attnLogitSoftcap, 50);
    assert.equal(c.finalLogitSoftcap, 30);
    assert.equal(c.slidingWindow, 4096);
    assert.deepEqual(c.fullAttentionLayers, [1, 3]);
    assert.equal(c.tieWordEmbeddings, true);
    assert.equal(c.hiddenAct, 'gelu_pytorch_tanh');
    const set = parsed({
      ...base,
      head_dim: 16,
      query_pre_attn_scalar: 64,
      attn_logit_softcapping: null,
      final_logit_softcapping: 5,
      sliding_window: 8,
      layer_types: ['full_attention', 'full_attention', 'sliding_attention', 'full_attention'],
    });
    assert.equal(set.attentionScale, 1 / 8);
    assert.equal(set.attnLogitSoftcap, null);
    assert.equal(set.finalLogitSoftcap, 5);
    assert.deepEqual(set.fullAttentionLayers, [0, 1, 3]);
    const act = parseConfig({ ...base, hidden_activation: 'relu' });
    assert.ok(!act.ok && /hidden_activation "relu" is not supported for gemma2/.test(act.error.message));
    const badCap = parseConfig({ ...base, final_logit_softcapping: -1 });
    assert.ok(!badCap.ok && /"final_logit_softcapping" must be a positive number or null/.test(badCap.error.message));
  },
);

test('transformers 5 layout: rope_parameters instead of rope_theta and rope_scaling', () => {
  const { rope_theta: _t, rope_scaling: _s, ...v5 } = { ...llama } as Record<string, unknown>;
  const l = parsed({
    ...v5,
    rope_parameters: {
      rope_type: 'llama3',
      rope_theta: 500000,
      factor: 8,
      low_freq_factor: 1,
      high_freq_factor: 4,
      original_max_position_embeddings: 8192,
    },
  });
  assert.equal(l.ropeTheta, 500000);
  assert.deepEqual(l.ropeScaling, {
    type: 'llama3',
    factor: 8,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositions: 8192,
  });
  const q = parsed({
    ...v5,
    model_type: 'qwen3',
    architectures: ['Qwen3ForCausalLM'],
    head_dim: 16,
    rope_parameters: { rope_type: 'default', rope_theta: 1000000 },
  });
  assert.equal(q.ropeTheta, 1000000);
  assert.equal(q.ropeScaling, null);
  assert.equal(
    parsed({ ...v5, rope_parameters: { rope_theta: 7 } }).ropeTheta,
    7,
    'no rope_type: the default rotation',
  );
  const bad = parseConfig({ ...v5, rope_parameters: { rope_type: 'dynamic', rope_theta: 1e4, factor: 2 } });
  assert.ok(!bad.ok && /rope_scaling type "dynamic" is not supported/.test(bad.error.message));
  const phi = parsed({
    ...v5,
    model_type: 'phi3',
    architectures: ['Phi3ForCausalLM'],
    max_position_embeddings: 131072,
    original_max_position_embeddings: 4096,
    rope_parameters: {
      rope_type: 'longrope',
      rope_theta: 10000,
      short_factor: [1, 1, 1, 1],
      long_factor: [2, 2, 2, 2],
    },
  });
  assert.equal(phi.ropeScaling?.type, 'longrope');
});

test(
  'phi3: fused projections, partial_rotary_factor, the window on every layer, longrope (and its ' +
    'su / yarn aliases)',
  () => {
    const base = {
      ...llama,
      model_type: 'phi3',
      architectures: ['Phi3ForCausalLM'],
      rope_scaling: null,
      num_hidden_layers: 3,
      sliding_window: 2047,
      original_max_position_embeddings: 4096,
    };
    const c = parsed(base);
    assert.equal(c.fusedProjections, true);
    assert.equal(c.rotaryDim, c.headDim);
    assert.equal(c.slidingWindow, 2047);
    assert.deepEqual(c.fullAttentionLayers, []);
    assert.equal(parsed({ ...base, partial_rotary_factor: 0.75 }).rotaryDim, (c.headDim * 3) / 4);
    const odd = parseConfig({ ...base, partial_rotary_factor: 3 / c.headDim }); // 3 rotated dims: not pairs
    assert.ok(!odd.ok && /must give an even number of rotated dims/.test(odd.error.message));
    const half = c.rotaryDim / 2;
    const factors = {
      short_factor: Array.from({ length: half }, (_, i) => 1 + i),
      long_factor: Array.from({ length: half }, (_, i) => 2 + i),
    };
    // Phi-3.5-mini: max 131072 over an original 4096 -> attention factor sqrt(1 + ln 32 / ln 4096)
    for (const type of ['longrope', 'su', 'yarn']) {
      const lr = parsed({ ...base, max_position_embeddings: 131072, rope_scaling: { type, ...factors } });
      assert.deepEqual(lr.ropeScaling, {
        type: 'longrope',
        shortFactor: factors.short_factor,
        longFactor: factors.long_factor,
        originalMaxPositions: 4096,
        attentionFactor: Math.sqrt(1 + Math.log(32) / Math.log(4096)),
      });
    }
    const given = parsed({ ...base, rope_scaling: { rope_type: 'longrope', attention_factor: 1.2, ...factors } });
    assert.equal(given.ropeScaling?.type === 'longrope' && given.ropeScaling.attentionFactor, 1.2);
    const within = parsed({ ...base, max_position_embeddings: 4096, rope_scaling: { type: 'longrope', ...factors } });
    assert.equal(
      within.ropeScaling?.type === 'longrope' && within.ropeScaling.attentionFactor,
      1,
      'no extension: factor 1',
    );
    const short = parseConfig({
      ...base,
      rope_scaling: { type: 'longrope', short_factor: [1], long_factor: factors.long_factor },
    });
    assert.ok(
      !short.ok &&
        new RegExp(`"rope_scaling.short_factor" must hold ${half} positive numbers`).test(short.error.message),
    );
    // yarn is longrope for phi3 only; elsewhere it is YaRN, which is refused by name
    const yarn = parseConfig({ ...llama, rope_scaling: { rope_type: 'yarn', factor: 4 } });
    assert.ok(
      !yarn.ok &&
        yarn.error.code === 'unsupported-arch' &&
        /rope_scaling type "yarn" is not supported/.test(yarn.error.message),
    );
  },
);

test(
  "gemma3: Gemma3TextConfig's defaults, the multimodal text_config, transformers 5's " +
    'rope_parameters, bidirectional refused',
  () => {
    const text = {
      model_type: 'gemma3_text',
      architectures: ['Gemma3ForCausalLM'],
      vocab_size: 300,
      hidden_size: 64,
      intermediate_size: 128,
      num_hidden_layers: 12,
      num_attention_heads: 4,
      num_key_value_heads: 1,
    };
    const c = parsed(text);
    assert.equal(c.qkNorm, 'head');
    assert.equal(c.attnLogitSoftcap, null);
    assert.equal(c.finalLogitSoftcap, null);
    assert.deepEqual(c.fullAttentionLayers, [5, 11], 'sliding_window_pattern 6: every sixth layer is global');
    assert.equal(c.ropeTheta, 1e6);
    assert.deepEqual(c.localRope, { theta: 10000, scaling: null });
    assert.equal(c.maxPositions, 131072);
    const scaled = parsed({ ...text, rope_scaling: { rope_type: 'linear', factor: 8 }, rope_local_base_freq: 5000 });
    assert.deepEqual(scaled.ropeScaling, { type: 'linear', factor: 8 });
    assert.deepEqual(scaled.localRope, { theta: 5000, scaling: null });
    // transformers 5: rope_parameters by layer type, no top-level rope_theta
    const v5 = parsed({
      ...text,
      rope_parameters: {
        full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1e6 },
        sliding_attention: { rope_type: 'default', rope_theta: 1e4 },
      },
    });
    assert.deepEqual(
      [v5.ropeTheta, v5.ropeScaling, v5.localRope],
      [1e6, { type: 'linear', factor: 8 }, { theta: 1e4, scaling: null }],
    );
    const unknownRope = parseConfig({
      ...text,
      rope_parameters: {
        full_attention: { rope_type: 'dynamic', factor: 2, rope_theta: 1e6 },
        sliding_attention: { rope_type: 'default', rope_theta: 1e4 },
      },
    });
    assert.ok(!unknownRope.ok && /rope_scaling type "dynamic" is not supported/.test(unknownRope.error.message));
    // the multimodal checkpoint: its text model in text_config, the token ids at the top
    const { model_type: _m, architectures: _a, ...inner } = text;
    const mm = parsed({
      model_type: 'gemma3',
      architectures: ['Gemma3ForConditionalGeneration'],
      eos_token_id: [1, 106],
      text_config: inner,
      vision_config: {},
    });
    assert.equal(mm.modelType, 'gemma3');
    assert.equal(mm.architecture, 'Gemma3ForConditionalGeneration');
    assert.deepEqual(mm.eosTokenIds, [1, 106]);
    assert.equal(mm.hiddenSize, 64);
    const noText = parseConfig({ model_type: 'gemma3' });
    assert.ok(!noText.ok && /no "text_config"/.test(noText.error.message));
    const bidirectional = parseConfig({ ...text, use_bidirectional_attention: true });
    assert.ok(
      !bidirectional.ok &&
        bidirectional.error.code === 'unsupported-arch' &&
        /use_bidirectional_attention/.test(bidirectional.error.message),
    );
  },
);

test('gpt2: its own key names and defaults', () => {
  const c = parsed({
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: 278,
    n_embd: 32,
    n_layer: 2,
    n_head: 4,
    n_positions: 128,
    layer_norm_epsilon: 1e-5,
    activation_function: 'gelu_new',
    bos_token_id: 276,
    eos_token_id: 277,
  });
  assert.deepEqual(
    [c.hiddenSize, c.numLayers, c.numHeads, c.numKvHeads, c.headDim, c.intermediateSize, c.maxPositions],
    [32, 2, 4, 4, 8, 128, 128],
  );
  assert.equal(c.hiddenAct, 'gelu_new');
  assert.equal(c.tieWordEmbeddings, true);
  assert.equal(c.attentionBias, true);
  assert.deepEqual(c.eosTokenIds, [277]);
});

test('unsupported model_type names the supported ones', () => {
  const r = parseConfig({ ...llama, model_type: 'mamba' });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'unsupported-arch');
  assert.ok(r.error.message.includes('"mamba"'));
  for (const t of SUPPORTED_MODEL_TYPES) assert.ok(r.error.hint.includes(t), `hint should name ${t}`);
});

test('bad configs', () => {
  error([1], 'bad-config', 'not a JSON object');
  error({ ...llama, model_type: undefined }, 'bad-config', 'model_type');
  error({ ...llama, hidden_size: 0 }, 'bad-config', 'hidden_size');
  error({ ...llama, hidden_size: 60 }, 'bad-config', 'not divisible');
  error({ ...llama, num_key_value_heads: 3 }, 'bad-config', 'num_key_value_heads');
  error({ ...llama, hidden_act: 'gelu' }, 'bad-config', 'hidden_act');
  error({ ...llama, rope_scaling: { rope_type: 'yarn', factor: 4 } }, 'unsupported-arch', 'yarn');
  error({ ...llama, rope_scaling: { rope_type: 'llama3', factor: 8 } }, 'bad-config', 'low_freq_factor');
});
