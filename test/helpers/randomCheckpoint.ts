// Writes a complete, tiny, random Hugging Face checkpoint folder for tests: config.json as
// transformers' save_pretrained writes it for the family, generation_config.json, the weights under their
// Hugging Face names in model.safetensors (or two shards with model.safetensors.index.json), and a small
// tokenizer. The weights come back too, as stored (rounded to the dtype), so a float64 reference reading
// them computes exactly what the checkpoint holds. Not a model of anything: the numbers are seeded noise,
// scaled so activations stay O(1), attention is neither uniform nor one-hot, and next-token
// probabilities spread from well below 1e-3 up to tenths.
//
// D hidden size, V vocab (the tokenizer's, rounded up), L layers, H heads, Hkv key/value heads,
// Dh head dim, I intermediate size, P max positions.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/arch';
import type { ModelConfig, RopeScaling } from '../../src/model/config';
import { roundTo, safetensorsBytes, type TensorToWrite } from './safetensorsWriter';
import { writeByteFallbackTokenizer, writeByteLevelBpeTokenizer, type WrittenTokenizer } from './tokenizerJson';
import { gaussian, mulberry32 } from './prng';

export type CheckpointFamily =
  'llama' | 'mistral' | 'qwen2' | 'qwen3' | 'olmo2' | 'phi3' | 'mixtral' | 'qwen3_moe' | 'gemma2' | 'gemma3' | 'gpt2';
export type CheckpointDtype = 'F32' | 'F16' | 'BF16';

export interface RandomCheckpointOptions {
  readonly family: CheckpointFamily;
  readonly dtype?: CheckpointDtype; // default F32
  readonly hiddenSize?: number; // default 32
  readonly numLayers?: number; // default 2
  readonly numHeads?: number; // default 4
  readonly numKvHeads?: number; // llama family; default numHeads (gpt2 has none)
  readonly headDim?: number; // llama family; default hiddenSize / numHeads, written as head_dim
  readonly intermediateSize?: number; // default 2 * hiddenSize (llama family), 4 * hiddenSize as n_inner null (gpt2)
  readonly maxPositions?: number; // default 64
  readonly ropeTheta?: number; // default 10000 (qwen2: 1000000)
  readonly ropeScaling?: RopeScaling | null; // written as HF rope_scaling with rope_type
  readonly tie?: boolean; // tie_word_embeddings; default false (llama family), true (gpt2)
  readonly attentionBias?: boolean; // llama only (qwen2 always has q/k/v bias, mistral never)
  // mistral; qwen3 (written with use_sliding_window true); default null (full causal attention)
  readonly slidingWindow?: number | null;
  readonly maxWindowLayers?: number; // qwen3 with slidingWindow: the first windowed layer (max_window_layers)
  readonly layerTypes?: readonly ('full_attention' | 'sliding_attention')[]; // qwen3, gemma2: written as layer_types
  readonly attnSoftcap?: number | null; // gemma2: attn_logit_softcapping (default 50)
  readonly finalSoftcap?: number | null; // gemma2: final_logit_softcapping (default 30)
  readonly queryPreAttnScalar?: number; // gemma2, gemma3 (default head_dim)
  readonly slidingWindowPattern?: number; // gemma3: sliding_window_pattern (default 6)
  readonly ropeLocalBaseFreq?: number; // gemma3: rope_local_base_freq (default 10000)
  readonly partialRotaryFactor?: number; // phi3: partial_rotary_factor (default 1)
  readonly experts?: number; // mixtral (num_local_experts), qwen3_moe (num_experts); default 4
  readonly expertsPerToken?: number; // mixtral, qwen3_moe: num_experts_per_tok; default 2
  readonly moeIntermediateSize?: number; // qwen3_moe: moe_intermediate_size; default hiddenSize
  readonly normTopkProb?: boolean; // qwen3_moe: norm_topk_prob; default true (as Qwen3-30B-A3B)
  readonly decoderSparseStep?: number; // qwen3_moe: decoder_sparse_step; default 1
  readonly mlpOnlyLayers?: readonly number[]; // qwen3_moe: mlp_only_layers; default []
  /**
   * gemma3: save as Gemma3ForConditionalGeneration does (text_config; weights under model.language_model.; a vision
   * tensor beside them).
   */
  readonly multimodal?: boolean;
  readonly normEps?: number; // rms_norm_eps / layer_norm_epsilon; default 1e-5 (qwen2: 1e-6)
  readonly seed?: number; // default 1
  readonly shard?: boolean; // two files + model.safetensors.index.json
  readonly prefix?: boolean; // gpt2: names under "transformer." as GPT2LMHeadModel saves them
  readonly gpt2MaskBuffers?: boolean; // gpt2: also store h.{i}.attn.bias (1, 1, P, P), as old checkpoints do
  readonly tokenizer?: 'byte-level' | 'byte-fallback'; // default byte-level (GPT-2 style)
  readonly vocabMultiple?: number; // model vocab = tokenizer vocab rounded up to this; default 8
}

export interface RandomCheckpoint {
  readonly dir: string;
  readonly config: ModelConfig; // parseConfig(config.json)
  readonly configJson: Record<string, unknown>; // what config.json holds
  /** Every stored tensor by its name in the checkpoint, row-major, values exactly as stored. */
  readonly weights: Map<string, Float64Array>;
  readonly shapes: Map<string, readonly number[]>;
  readonly tokenizer: WrittenTokenizer;
  readonly files: readonly string[]; // the safetensors files written, relative to dir
}

const TORCH_DTYPE: Record<CheckpointDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };
const BYTES: Record<CheckpointDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const TRANSFORMERS_VERSION = '4.46.0';

// ---------------------------------------------------------------------------------------------------
// config.json

function ropeScalingJson(s: RopeScaling | null): Record<string, unknown> | null {
  if (s === null) return null;
  if (s.type === 'linear') return { factor: s.factor, rope_type: 'linear' };
  // as Phi-3.5 and Phi-4-mini configs write it (the original context at the config's top level)
  if (s.type === 'longrope') return { long_factor: s.longFactor, short_factor: s.shortFactor, type: 'longrope' };
  if (s.type === 'frequencyFactors')
    throw new Error('per-frequency factors come from GGUF files (rope_freqs.weight), not config.json');
  return {
    factor: s.factor,
    high_freq_factor: s.highFreqFactor,
    low_freq_factor: s.lowFreqFactor,
    original_max_position_embeddings: s.originalMaxPositions,
    rope_type: 'llama3',
  };
}

interface Sizes {
  D: number;
  L: number;
  H: number;
  Hkv: number;
  Dh: number;
  I: number;
  P: number;
  V: number;
}

function configJsonFor(
  o: RandomCheckpointOptions,
  z: Sizes,
  tok: WrittenTokenizer,
  tie: boolean,
): Record<string, unknown> {
  const dtype = TORCH_DTYPE[o.dtype ?? 'F32'];
  if (o.family === 'gpt2') {
    const cfg: Record<string, unknown> = {
      activation_function: 'gelu_new',
      architectures: ['GPT2LMHeadModel'],
      attn_pdrop: 0.1,
      bos_token_id: tok.bosId,
      embd_pdrop: 0.1,
      eos_token_id: tok.eosId,
      initializer_range: 0.02,
      layer_norm_epsilon: o.normEps ?? 1e-5,
      model_type: 'gpt2',
      n_ctx: z.P,
      n_embd: z.D,
      n_head: z.H,
      n_inner: z.I === 4 * z.D ? null : z.I, // null means 4 * n_embd
      n_layer: z.L,
      n_positions: z.P,
      reorder_and_upcast_attn: false,
      resid_pdrop: 0.1,
      scale_attn_by_inverse_layer_idx: false,
      scale_attn_weights: true,
      summary_activation: null,
      summary_first_dropout: 0.1,
      summary_proj_to_labels: true,
      summary_type: 'cls_index',
      summary_use_proj: true,
      torch_dtype: dtype,
      transformers_version: TRANSFORMERS_VERSION,
      use_cache: true,
      vocab_size: z.V,
    };
    if (!tie) cfg.tie_word_embeddings = false; // the default (true) is not written by save_pretrained
    return cfg;
  }
  const common = {
    attention_dropout: 0.0,
    bos_token_id: tok.bosId,
    eos_token_id: tok.eosId,
    hidden_act: 'silu',
    hidden_size: z.D,
    initializer_range: 0.02,
    intermediate_size: z.I,
    max_position_embeddings: z.P,
    num_attention_heads: z.H,
    num_hidden_layers: z.L,
    num_key_value_heads: z.Hkv,
  };
  const tail = {
    tie_word_embeddings: tie,
    torch_dtype: dtype,
    transformers_version: TRANSFORMERS_VERSION,
    use_cache: true,
    vocab_size: z.V,
  };
  const ropeScaling = ropeScalingJson(o.ropeScaling ?? null);
  if (o.family === 'llama') {
    return {
      architectures: ['LlamaForCausalLM'],
      attention_bias: o.attentionBias ?? false,
      ...common,
      head_dim: z.Dh,
      mlp_bias: false,
      model_type: 'llama',
      pretraining_tp: 1,
      rms_norm_eps: o.normEps ?? 1e-5,
      rope_scaling: ropeScaling,
      rope_theta: o.ropeTheta ?? 10000.0,
      ...tail,
    };
  }
  if (o.family === 'mistral') {
    return {
      architectures: ['MistralForCausalLM'],
      ...common,
      head_dim: z.Dh,
      model_type: 'mistral',
      rms_norm_eps: o.normEps ?? 1e-5,
      rope_scaling: ropeScaling,
      rope_theta: o.ropeTheta ?? 10000.0,
      sliding_window: o.slidingWindow ?? null,
      ...tail,
    };
  }
  if (o.family === 'gemma3') {
    // as Gemma 3 text checkpoints are saved; with `multimodal`, inside text_config as the 4B-27B ones are
    const text = {
      architectures: ['Gemma3ForCausalLM'],
      attention_bias: false,
      attn_logit_softcapping: o.attnSoftcap ?? null,
      ...common,
      final_logit_softcapping: o.finalSoftcap ?? null,
      head_dim: z.Dh,
      hidden_activation: 'gelu_pytorch_tanh',
      ...(o.layerTypes ? { layer_types: o.layerTypes } : {}),
      model_type: 'gemma3_text',
      query_pre_attn_scalar: o.queryPreAttnScalar ?? z.Dh,
      rms_norm_eps: o.normEps ?? 1e-6,
      rope_local_base_freq: o.ropeLocalBaseFreq ?? 10000.0,
      rope_scaling: ropeScaling,
      rope_theta: o.ropeTheta ?? 1000000.0,
      sliding_window: o.slidingWindow ?? 512,
      sliding_window_pattern: o.slidingWindowPattern ?? 6,
      ...tail,
    };
    if (!o.multimodal) return text;
    const { architectures: _a, bos_token_id, eos_token_id, ...inner } = text;
    return {
      architectures: ['Gemma3ForConditionalGeneration'],
      bos_token_id,
      eos_token_id,
      model_type: 'gemma3',
      text_config: inner,
      vision_config: { model_type: 'siglip_vision_model' },
      torch_dtype: tail.torch_dtype,
      transformers_version: TRANSFORMERS_VERSION,
    };
  }
  if (o.family === 'gemma2') {
    // as Gemma 2 checkpoints are saved: both activation keys, tied, soft caps, a window on even layers
    return {
      architectures: ['Gemma2ForCausalLM'],
      attention_bias: false,
      attn_logit_softcapping: o.attnSoftcap === undefined ? 50.0 : o.attnSoftcap,
      ...common,
      final_logit_softcapping: o.finalSoftcap === undefined ? 30.0 : o.finalSoftcap,
      head_dim: z.Dh,
      hidden_act: 'gelu_pytorch_tanh',
      hidden_activation: 'gelu_pytorch_tanh',
      ...(o.layerTypes ? { layer_types: o.layerTypes } : {}),
      model_type: 'gemma2',
      query_pre_attn_scalar: o.queryPreAttnScalar ?? z.Dh,
      rms_norm_eps: o.normEps ?? 1e-6,
      rope_theta: o.ropeTheta ?? 10000.0,
      sliding_window: o.slidingWindow ?? 4096,
      ...tail,
    };
  }
  if (o.family === 'phi3') {
    // as Phi-3 / Phi-4-mini checkpoints are saved: fused projections, the window on every layer when set
    return {
      architectures: ['Phi3ForCausalLM'],
      attention_bias: false,
      ...common,
      embd_pdrop: 0.0,
      hidden_act: 'silu',
      model_type: 'phi3',
      original_max_position_embeddings: o.ropeScaling?.type === 'longrope' ? o.ropeScaling.originalMaxPositions : z.P,
      ...(o.partialRotaryFactor !== undefined ? { partial_rotary_factor: o.partialRotaryFactor } : {}),
      resid_pdrop: 0.0,
      rms_norm_eps: o.normEps ?? 1e-5,
      rope_scaling: ropeScaling,
      rope_theta: o.ropeTheta ?? 10000.0,
      sliding_window: o.slidingWindow ?? null,
      ...tail,
    };
  }
  if (o.family === 'mixtral') {
    // as Mixtral checkpoints are saved: mistral's attention, experts in block_sparse_moe
    return {
      architectures: ['MixtralForCausalLM'],
      ...common,
      head_dim: z.Dh,
      model_type: 'mixtral',
      num_experts_per_tok: o.expertsPerToken ?? 2,
      num_local_experts: o.experts ?? 4,
      output_router_logits: false,
      rms_norm_eps: o.normEps ?? 1e-5,
      rope_scaling: ropeScaling,
      rope_theta: o.ropeTheta ?? 1000000.0,
      router_aux_loss_coef: 0.02,
      router_jitter_noise: 0.0,
      sliding_window: o.slidingWindow ?? null,
      ...tail,
    };
  }
  if (o.family === 'qwen3_moe') {
    // as Qwen3-MoE checkpoints are saved: qwen3's attention, experts in mlp, a dense MLP on mlp_only_layers
    return {
      architectures: ['Qwen3MoeForCausalLM'],
      attention_bias: false,
      ...common,
      decoder_sparse_step: o.decoderSparseStep ?? 1,
      head_dim: z.Dh,
      max_window_layers: z.L,
      mlp_only_layers: o.mlpOnlyLayers ?? [],
      model_type: 'qwen3_moe',
      moe_intermediate_size: o.moeIntermediateSize ?? z.D,
      norm_topk_prob: o.normTopkProb ?? true,
      num_experts: o.experts ?? 4,
      num_experts_per_tok: o.expertsPerToken ?? 2,
      output_router_logits: false,
      rms_norm_eps: o.normEps ?? 1e-6,
      rope_scaling: ropeScaling,
      rope_theta: o.ropeTheta ?? 1000000.0,
      router_aux_loss_coef: 0.001,
      sliding_window: o.slidingWindow ?? null,
      use_sliding_window: o.slidingWindow != null,
      ...tail,
    };
  }
  if (o.family === 'olmo2') {
    // as OLMo 2 checkpoints are saved: no head_dim (hidden / heads), no attention bias, untied
    return {
      architectures: ['Olmo2ForCausalLM'],
      attention_bias: false,
      ...common,
      model_type: 'olmo2',
      rms_norm_eps: o.normEps ?? 1e-6,
      rope_scaling: ropeScaling,
      rope_theta: o.ropeTheta ?? 500000.0,
      ...tail,
    };
  }
  if (o.family === 'qwen3') {
    // as Qwen3 checkpoints are saved: explicit head_dim, no attention bias, the window off unless asked for
    return {
      architectures: ['Qwen3ForCausalLM'],
      attention_bias: false,
      ...common,
      head_dim: z.Dh,
      ...(o.layerTypes ? { layer_types: o.layerTypes } : {}),
      max_window_layers: o.maxWindowLayers ?? z.L,
      model_type: 'qwen3',
      rms_norm_eps: o.normEps ?? 1e-6,
      rope_scaling: ropeScaling,
      rope_theta: o.ropeTheta ?? 1000000.0,
      sliding_window: o.slidingWindow ?? null,
      use_sliding_window: o.slidingWindow != null,
      ...tail,
    };
  }
  // qwen2: the window is written but off (use_sliding_window false), as Qwen2 / Qwen2.5 checkpoints do
  return {
    architectures: ['Qwen2ForCausalLM'],
    ...common,
    max_window_layers: z.L,
    model_type: 'qwen2',
    rms_norm_eps: o.normEps ?? 1e-6,
    rope_scaling: ropeScaling,
    rope_theta: o.ropeTheta ?? 1000000.0,
    sliding_window: z.P,
    use_sliding_window: false,
    ...tail,
  };
}

// ---------------------------------------------------------------------------------------------------
// weights: name, shape and how each is drawn, in the order HF's state_dict lists them

type Draw = { shape: number[]; std: number; mean?: number; fill?: (i: number) => number };

function llamaTensors(o: RandomCheckpointOptions, z: Sizes, tie: boolean): [string, Draw][] {
  const { D, L, H, Hkv, Dh, I, V } = z;
  const bias = o.family === 'qwen2' || (o.family === 'llama' && o.attentionBias === true);
  const out: [string, Draw][] = [];
  // the embedding doubles as the head when tied: logits = norm(x) . E_v have std ~2 either way
  out.push(['model.embed_tokens.weight', { shape: [V, D], std: 2 / Math.sqrt(D) }]);
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}.`;
    if (o.family !== 'olmo2' && o.family !== 'phi3')
      out.push([p + 'input_layernorm.weight', { shape: [D], mean: 1, std: 0.1 }]);
    if (o.family === 'phi3') {
      out.push([p + 'self_attn.o_proj.weight', { shape: [D, H * Dh], std: 0.5 / Math.sqrt(H * Dh) }]);
      out.push([p + 'self_attn.qkv_proj.weight', { shape: [(H + 2 * Hkv) * Dh, D], std: 1 / Math.sqrt(D) }]);
      out.push([p + 'mlp.gate_up_proj.weight', { shape: [2 * I, D], std: 1 / Math.sqrt(D) }]);
      out.push([p + 'mlp.down_proj.weight', { shape: [D, I], std: 0.5 / Math.sqrt(I) }]);
      out.push([p + 'input_layernorm.weight', { shape: [D], mean: 1, std: 0.1 }]);
      out.push([p + 'post_attention_layernorm.weight', { shape: [D], mean: 1, std: 0.1 }]);
      continue;
    }
    out.push([p + 'self_attn.q_proj.weight', { shape: [H * Dh, D], std: 1 / Math.sqrt(D) }]);
    if (bias) out.push([p + 'self_attn.q_proj.bias', { shape: [H * Dh], std: 0.1 }]);
    out.push([p + 'self_attn.k_proj.weight', { shape: [Hkv * Dh, D], std: 1 / Math.sqrt(D) }]);
    if (bias) out.push([p + 'self_attn.k_proj.bias', { shape: [Hkv * Dh], std: 0.1 }]);
    out.push([p + 'self_attn.v_proj.weight', { shape: [Hkv * Dh, D], std: 1 / Math.sqrt(D) }]);
    if (bias) out.push([p + 'self_attn.v_proj.bias', { shape: [Hkv * Dh], std: 0.1 }]);
    out.push([p + 'self_attn.o_proj.weight', { shape: [D, H * Dh], std: 0.5 / Math.sqrt(H * Dh) }]);
    if (o.family === 'qwen3' || o.family === 'qwen3_moe') {
      // per-head norms over head_dim, drawn away from 1 so that a missing or misplaced one shows
      out.push([p + 'self_attn.q_norm.weight', { shape: [Dh], mean: 1, std: 0.3 }]);
      out.push([p + 'self_attn.k_norm.weight', { shape: [Dh], mean: 1, std: 0.3 }]);
    }
    if (o.family === 'olmo2') {
      // norms over the whole query and key projections
      out.push([p + 'self_attn.q_norm.weight', { shape: [H * Dh], mean: 1, std: 0.3 }]);
      out.push([p + 'self_attn.k_norm.weight', { shape: [Hkv * Dh], mean: 1, std: 0.3 }]);
    }
    out.push([p + 'post_attention_layernorm.weight', { shape: [D], mean: 1, std: 0.1 }]);
    const experts = expertTensors(o, z, l);
    if (experts) {
      out.push(...experts);
      continue;
    }
    out.push([p + 'mlp.gate_proj.weight', { shape: [I, D], std: 1 / Math.sqrt(D) }]);
    out.push([p + 'mlp.up_proj.weight', { shape: [I, D], std: 1 / Math.sqrt(D) }]);
    out.push([p + 'mlp.down_proj.weight', { shape: [D, I], std: 0.5 / Math.sqrt(I) }]);
    if (o.family === 'olmo2') out.push([p + 'post_feedforward_layernorm.weight', { shape: [D], mean: 1, std: 0.1 }]);
  }
  out.push(['model.norm.weight', { shape: [D], mean: 1, std: 0.1 }]);
  if (!tie) out.push(['lm_head.weight', { shape: [V, D], std: 2 / Math.sqrt(D) }]);
  return out;
}

/** A mixture's router and experts on layer l, or null where the layer has a dense MLP. */
function expertTensors(o: RandomCheckpointOptions, z: Sizes, l: number): [string, Draw][] | null {
  if (o.family !== 'mixtral' && o.family !== 'qwen3_moe') return null;
  const qwen = o.family === 'qwen3_moe';
  if (qwen && ((o.mlpOnlyLayers ?? []).includes(l) || (l + 1) % (o.decoderSparseStep ?? 1) !== 0)) return null;
  const { D } = z;
  const E = o.experts ?? 4;
  const I = qwen ? (o.moeIntermediateSize ?? D) : z.I;
  const p = qwen ? `model.layers.${l}.mlp.` : `model.layers.${l}.block_sparse_moe.`;
  const [gate, up, down] = qwen ? ['gate_proj', 'up_proj', 'down_proj'] : ['w1', 'w3', 'w2'];
  // router logits of std ~2: the choice is clear, the weights far from uniform
  const out: [string, Draw][] = [[p + 'gate.weight', { shape: [E, D], std: 2 / Math.sqrt(D) }]];
  for (let e = 0; e < E; e++) {
    out.push([`${p}experts.${e}.${gate}.weight`, { shape: [I, D], std: 1 / Math.sqrt(D) }]);
    out.push([`${p}experts.${e}.${up}.weight`, { shape: [I, D], std: 1 / Math.sqrt(D) }]);
    out.push([`${p}experts.${e}.${down}.weight`, { shape: [D, I], std: 0.5 / Math.sqrt(I) }]);
  }
  return out;
}

function gemmaTensors(z: Sizes, tie: boolean, headNorms: boolean): [string, Draw][] {
  const { D, L, H, Hkv, Dh, I, V } = z;
  const out: [string, Draw][] = [];
  out.push(['model.embed_tokens.weight', { shape: [V, D], std: 2 / Math.sqrt(D) }]);
  // Gemma's norms scale by 1 + w: the stored weights are offsets around 0
  const norm = (name: string): [string, Draw] => [name, { shape: [D], std: 0.1 }];
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}.`;
    out.push([p + 'self_attn.q_proj.weight', { shape: [H * Dh, D], std: 1 / Math.sqrt(D) }]);
    out.push([p + 'self_attn.k_proj.weight', { shape: [Hkv * Dh, D], std: 1 / Math.sqrt(D) }]);
    out.push([p + 'self_attn.v_proj.weight', { shape: [Hkv * Dh, D], std: 1 / Math.sqrt(D) }]);
    out.push([p + 'self_attn.o_proj.weight', { shape: [D, H * Dh], std: 0.5 / Math.sqrt(H * Dh) }]);
    if (headNorms) {
      // gemma3's per-head norms, (1 + w) like the others, drawn wide so that a missing one shows
      out.push([p + 'self_attn.q_norm.weight', { shape: [Dh], std: 0.3 }]);
      out.push([p + 'self_attn.k_norm.weight', { shape: [Dh], std: 0.3 }]);
    }
    out.push([p + 'mlp.gate_proj.weight', { shape: [I, D], std: 1 / Math.sqrt(D) }]);
    out.push([p + 'mlp.up_proj.weight', { shape: [I, D], std: 1 / Math.sqrt(D) }]);
    out.push([p + 'mlp.down_proj.weight', { shape: [D, I], std: 0.5 / Math.sqrt(I) }]);
    out.push(norm(p + 'input_layernorm.weight'));
    out.push(norm(p + 'post_attention_layernorm.weight'));
    out.push(norm(p + 'pre_feedforward_layernorm.weight'));
    out.push(norm(p + 'post_feedforward_layernorm.weight'));
  }
  out.push(norm('model.norm.weight'));
  if (!tie) out.push(['lm_head.weight', { shape: [V, D], std: 2 / Math.sqrt(D) }]);
  return out;
}

function gpt2Tensors(o: RandomCheckpointOptions, z: Sizes, tie: boolean): [string, Draw][] {
  const { D, L, I, P, V } = z;
  const pre = o.prefix ? 'transformer.' : '';
  const out: [string, Draw][] = [];
  out.push([pre + 'wte.weight', { shape: [V, D], std: 2 / Math.sqrt(D) }]);
  out.push([pre + 'wpe.weight', { shape: [P, D], std: 0.2 }]);
  for (let l = 0; l < L; l++) {
    const p = `${pre}h.${l}.`;
    out.push([p + 'ln_1.weight', { shape: [D], mean: 1, std: 0.1 }]);
    out.push([p + 'ln_1.bias', { shape: [D], std: 0.05 }]);
    if (o.gpt2MaskBuffers) {
      out.push([p + 'attn.bias', { shape: [1, 1, P, P], std: 0, fill: (i) => (i % P <= Math.floor(i / P) ? 1 : 0) }]);
    }
    out.push([p + 'attn.c_attn.weight', { shape: [D, 3 * D], std: 1 / Math.sqrt(D) }]); // Conv1D: (in, out)
    out.push([p + 'attn.c_attn.bias', { shape: [3 * D], std: 0.05 }]);
    out.push([p + 'attn.c_proj.weight', { shape: [D, D], std: 0.5 / Math.sqrt(D) }]);
    out.push([p + 'attn.c_proj.bias', { shape: [D], std: 0.05 }]);
    out.push([p + 'ln_2.weight', { shape: [D], mean: 1, std: 0.1 }]);
    out.push([p + 'ln_2.bias', { shape: [D], std: 0.05 }]);
    out.push([p + 'mlp.c_fc.weight', { shape: [D, I], std: 1 / Math.sqrt(D) }]);
    out.push([p + 'mlp.c_fc.bias', { shape: [I], std: 0.05 }]);
    out.push([p + 'mlp.c_proj.weight', { shape: [I, D], std: 0.5 / Math.sqrt(I) }]);
    out.push([p + 'mlp.c_proj.bias', { shape: [D], std: 0.05 }]);
  }
  out.push([pre + 'ln_f.weight', { shape: [D], mean: 1, std: 0.1 }]);
  out.push([pre + 'ln_f.bias', { shape: [D], std: 0.05 }]);
  if (!tie) out.push(['lm_head.weight', { shape: [V, D], std: 2 / Math.sqrt(D) }]);
  return out;
}

// ---------------------------------------------------------------------------------------------------

export function writeRandomCheckpoint(dir: string, options: RandomCheckpointOptions): RandomCheckpoint {
  const o = options;
  const dtype = o.dtype ?? 'F32';
  mkdirSync(dir, { recursive: true });

  // the tokenizer first: it fixes the vocab
  const tokenizer =
    (o.tokenizer ?? 'byte-level') === 'byte-level' ? writeByteLevelBpeTokenizer(dir) : writeByteFallbackTokenizer(dir);
  const multiple = o.vocabMultiple ?? 8;
  const D = o.hiddenSize ?? 32;
  const H = o.numHeads ?? 4;
  const gpt2 = o.family === 'gpt2';
  const z: Sizes = {
    D,
    L: o.numLayers ?? 2,
    H,
    Hkv: gpt2 ? H : (o.numKvHeads ?? H),
    Dh: gpt2 ? D / H : (o.headDim ?? D / H),
    I: o.intermediateSize ?? (gpt2 ? 4 * D : 2 * D),
    P: o.maxPositions ?? 64,
    V: Math.ceil(tokenizer.vocabSize / multiple) * multiple, // ids past the tokenizer's are never produced
  };
  if (!Number.isInteger(z.Dh) || z.Dh % 2 !== 0)
    throw new Error(`randomCheckpoint: head dim ${z.Dh} must be an even integer`);
  if (H % z.Hkv !== 0) throw new Error(`randomCheckpoint: ${H} heads are not a multiple of ${z.Hkv} key/value heads`);
  const gemma = o.family === 'gemma2' || o.family === 'gemma3';
  const moe = o.family === 'mixtral' || o.family === 'qwen3_moe';
  if (
    o.slidingWindow != null &&
    o.family !== 'mistral' &&
    o.family !== 'qwen3' &&
    o.family !== 'phi3' &&
    !gemma &&
    !moe
  )
    throw new Error('randomCheckpoint: slidingWindow is a mistral, qwen3, phi3, mixture or gemma option');
  if ((o.experts !== undefined || o.expertsPerToken !== undefined) && !moe)
    throw new Error('randomCheckpoint: experts and expertsPerToken are mixtral and qwen3_moe options');
  if (
    (o.moeIntermediateSize !== undefined ||
      o.normTopkProb !== undefined ||
      o.decoderSparseStep !== undefined ||
      o.mlpOnlyLayers !== undefined) &&
    o.family !== 'qwen3_moe'
  )
    throw new Error(
      'randomCheckpoint: moeIntermediateSize, normTopkProb, decoderSparseStep and mlpOnlyLayers are qwen3_moe options',
    );
  if (o.headDim !== undefined && (o.family === 'olmo2' || o.family === 'phi3'))
    throw new Error('randomCheckpoint: olmo2 and phi3 configs have no head_dim (hidden / heads)');
  if (o.partialRotaryFactor !== undefined && o.family !== 'phi3')
    throw new Error('randomCheckpoint: partialRotaryFactor is a phi3 option');
  if (o.maxWindowLayers !== undefined && o.family !== 'qwen3')
    throw new Error('randomCheckpoint: maxWindowLayers is a qwen3 option');
  if (o.layerTypes !== undefined && o.family !== 'qwen3' && !gemma)
    throw new Error('randomCheckpoint: layerTypes is a qwen3 or gemma option');
  if ((o.attnSoftcap !== undefined || o.finalSoftcap !== undefined || o.queryPreAttnScalar !== undefined) && !gemma)
    throw new Error('randomCheckpoint: soft caps and queryPreAttnScalar are gemma options');
  if (
    (o.slidingWindowPattern !== undefined || o.ropeLocalBaseFreq !== undefined || o.multimodal !== undefined) &&
    o.family !== 'gemma3'
  )
    throw new Error('randomCheckpoint: slidingWindowPattern, ropeLocalBaseFreq and multimodal are gemma3 options');
  if (o.attentionBias !== undefined && o.family !== 'llama')
    throw new Error('randomCheckpoint: attentionBias is a llama option');
  if (o.prefix && !gpt2) throw new Error('randomCheckpoint: prefix is a gpt2 option');
  const tie = o.tie ?? (gpt2 || gemma);

  // config.json and generation_config.json
  const configJson = configJsonFor(o, z, tokenizer, tie);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(configJson, null, 2) + '\n');
  const generation = {
    _from_model_config: true,
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
    transformers_version: TRANSFORMERS_VERSION,
  };
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify(generation, null, 2) + '\n');
  const parsed = parseConfig(configJson);
  if (!parsed.ok) throw new Error(`randomCheckpoint: the written config.json does not parse: ${parsed.error.message}`);

  // draw every tensor, rounded to the dtype, in state_dict order
  const normal = gaussian(mulberry32(o.seed ?? 1));
  const weights = new Map<string, Float64Array>();
  const shapes = new Map<string, readonly number[]>();
  for (const [name, draw] of gpt2
    ? gpt2Tensors(o, z, tie)
    : gemma
      ? gemmaTensors(z, tie, o.family === 'gemma3')
      : llamaTensors(o, z, tie)) {
    const n = draw.shape.reduce((a, b) => a * b, 1);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++)
      values[i] = roundTo(dtype, draw.fill ? draw.fill(i) : (draw.mean ?? 0) + draw.std * normal());
    weights.set(name, values);
    shapes.set(name, draw.shape);
  }

  // the multimodal Gemma 3 keeps its language model under model.language_model., beside a vision tower
  // (one tensor of it stands for all: the engine must ignore it); `weights` keeps the plain names
  const stored = (name: string) =>
    o.multimodal && !name.startsWith('model.multi_modal_projector.')
      ? name.replace(/^model\./, 'model.language_model.')
      : name;
  if (o.multimodal) {
    const vision = 'model.multi_modal_projector.mm_input_projection_weight';
    weights.set(vision, new Float64Array(8 * z.D).fill(0.5));
    shapes.set(vision, [8, z.D]);
  }

  // one file, or two shards split at half the bytes with an index, as save_pretrained names them
  const names = [...weights.keys()];
  const groups: string[][] = [names];
  if (o.shard) {
    const bytes = (name: string) => weights.get(name)!.length * BYTES[dtype];
    const total = names.reduce((s, name) => s + bytes(name), 0);
    let acc = 0;
    let cut = 0; // names[0..cut) go to the first shard; both shards keep at least one tensor
    while (cut < names.length - 1 && (cut === 0 || acc < total / 2)) acc += bytes(names[cut++]);
    groups.splice(0, 1, names.slice(0, cut), names.slice(cut));
  }
  const files =
    groups.length === 1
      ? ['model.safetensors']
      : groups.map(
          (_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(groups.length).padStart(5, '0')}.safetensors`,
        );
  const weightMap: Record<string, string> = {};
  groups.forEach((group, i) => {
    const tensors = new Map<string, TensorToWrite>();
    for (const name of group) {
      tensors.set(stored(name), { dtype, shape: shapes.get(name)!, data: weights.get(name)! });
      weightMap[stored(name)] = files[i];
    }
    writeFileSync(join(dir, files[i]), safetensorsBytes(tensors, { format: 'pt' }));
  });
  if (groups.length > 1) {
    // tensor bytes, headers excluded
    const totalSize = names.reduce((s, name) => s + weights.get(name)!.length * BYTES[dtype], 0);
    const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: { total_size: totalSize }, weight_map: sorted }, null, 2) + '\n',
    );
  }

  return { dir, config: parsed.value, configJson, weights, shapes, tokenizer, files };
}
