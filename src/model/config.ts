// config.json of a Hugging Face checkpoint, normalised into one shape for every supported family.
// It reads only the fields the architectures in src/arch use; everything else in config.json is ignored.
import { fail, ok, type Result } from '../lensError';

export const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3', 'olmo2', 'phi3', 'mixtral', 'qwen3_moe', 'gemma2', 'gemma3_text', 'gemma3', 'gpt2'] as const;
export type ModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

/** Llama-3 style frequency-dependent scaling, or plain linear position interpolation. */
export type RopeScaling =
  | { readonly type: 'llama3'; readonly factor: number; readonly lowFreqFactor: number; readonly highFreqFactor: number; readonly originalMaxPositions: number }
  | { readonly type: 'linear'; readonly factor: number }
  /**
   * Phi-3's longrope: each rotated frequency divided by its factor, the short ones while the sequence (the
   * highest position + 1) is at most originalMaxPositions, the long ones beyond; cos and sin times attentionFactor.
   */
  | { readonly type: 'longrope'; readonly shortFactor: readonly number[]; readonly longFactor: readonly number[]; readonly originalMaxPositions: number; readonly attentionFactor: number };

/**
 * A mixture of experts in place of the feed-forward block (mixtral, qwen3_moe): a router picks each token's
 * `perToken` experts by the softmax of its logits; their outputs are summed, weighted by those probabilities,
 * renormalised over the chosen ones where `normalizeTopK` (always for mixtral, qwen3_moe's norm_topk_prob).
 */
export interface MixtureOfExperts {
  readonly experts: number;
  readonly perToken: number;
  /** Each expert's intermediate size (qwen3_moe: moe_intermediate_size; mixtral: intermediate_size). */
  readonly intermediateSize: number;
  readonly normalizeTopK: boolean;
  /** The layers with experts; the others (qwen3_moe's mlp_only_layers, decoder_sparse_step) have a dense MLP. */
  readonly layers: readonly number[];
}

export interface ModelConfig {
  readonly modelType: ModelType;
  readonly architecture: string; // architectures[0], e.g. "LlamaForCausalLM"
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  /** The leading dims of each head that are rotated (phi3: head_dim · partial_rotary_factor); the rest pass. */
  readonly rotaryDim: number;
  /** phi3: q, k, v in one qkv_proj and gate, up in one gate_up_proj. */
  readonly fusedProjections: boolean;
  readonly intermediateSize: number;
  readonly maxPositions: number;
  readonly normEps: number;
  readonly ropeTheta: number; // unused by gpt2
  readonly ropeScaling: RopeScaling | null;
  /** gemma3: the rotation of the sliding-window layers (rope_local_base_freq, unscaled); null: as every other layer. */
  readonly localRope: { readonly theta: number; readonly scaling: RopeScaling | null } | null;
  readonly tieWordEmbeddings: boolean;
  readonly attentionBias: boolean; // bias on q, k, v (qwen2 always; llama when attention_bias)
  readonly hiddenAct: 'silu' | 'gelu_new' | 'gelu' | 'gelu_pytorch_tanh';
  /** The attention scores' scale: 1/sqrt(head_dim), or gemma2's query_pre_attn_scalar^-1/2. */
  readonly attentionScale: number;
  /** gemma2: cap · tanh(x / cap) on the attention scores (attn_logit_softcapping) and on the logits (final_logit_softcapping). */
  readonly attnLogitSoftcap: number | null;
  readonly finalLogitSoftcap: number | null;
  readonly slidingWindow: number | null; // mistral, qwen2/qwen3 with use_sliding_window; null = full causal attention
  /** Layers the sliding window does not apply to (qwen2/qwen3: below max_window_layers, or by layer_types). */
  readonly fullAttentionLayers: readonly number[];
  /**
   * An RMSNorm of the queries and keys before the rotation: 'head' over each head's head_dim values (qwen3,
   * weights [head_dim]); 'projection' over the whole projection (olmo2, weights [heads * head_dim]); or none.
   */
  readonly qkNorm: 'head' | 'projection' | null;
  /** olmo2: each sublayer's output is normalised before it joins the residual stream, and its input is not. */
  readonly postNorms: boolean;
  readonly moe: MixtureOfExperts | null;
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
}

type Json = Record<string, unknown>;

function num(cfg: Json, key: string, fallback?: number): number | undefined {
  const v = cfg[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return fallback;
}

function ids(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

const badConfig = (what: string) =>
  fail('bad-config', `config.json: ${what}`, 'Check that config.json comes from a Hugging Face checkpoint of a supported family.');

export function parseConfig(raw: unknown): Result<ModelConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return badConfig('the file is not a JSON object');
  const cfg = raw as Json;
  const modelType = cfg.model_type;
  if (typeof modelType !== 'string') return badConfig('"model_type" is missing');
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    return fail(
      'unsupported-arch',
      `config.json: model_type "${modelType}" is not supported`,
      `Supported: ${SUPPORTED_MODEL_TYPES.join(', ')}. Families live in src/arch/.`,
    );
  }
  const architecture = Array.isArray(cfg.architectures) && typeof cfg.architectures[0] === 'string' ? cfg.architectures[0] : modelType;
  if (modelType === 'gpt2') return parseGpt2(cfg, architecture);
  if (modelType === 'gemma2' || modelType === 'gemma3_text') return parseGemma(cfg, modelType, architecture);
  if (modelType === 'gemma3') {
    // the multimodal checkpoint: its language model is configured in text_config (its weights under
    // language_model., src/model/weightNames.ts)
    const text = cfg.text_config;
    if (typeof text !== 'object' || text === null) return badConfig('model_type "gemma3" has no "text_config" object');
    const t = text as Json;
    return parseGemma({ ...t, bos_token_id: t.bos_token_id ?? cfg.bos_token_id, eos_token_id: t.eos_token_id ?? cfg.eos_token_id }, 'gemma3', architecture);
  }
  return parseLlamaFamily(cfg, modelType as ModelType, architecture);
}

function requirePositive(values: Record<string, number | undefined>): Result<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || !Number.isInteger(v) || v <= 0) return badConfig(`"${k}" must be a positive integer`);
    out[k] = v;
  }
  return ok(out);
}

/** The sizes every decoder config of the llama and gemma layouts names, with grouped heads checked. */
function decoderSizes(cfg: Json): Result<Record<string, number> & { numHeads: number; numKvHeads: number }> {
  const req = requirePositive({
    vocab_size: num(cfg, 'vocab_size'),
    hidden_size: num(cfg, 'hidden_size'),
    num_hidden_layers: num(cfg, 'num_hidden_layers'),
    num_attention_heads: num(cfg, 'num_attention_heads'),
    intermediate_size: num(cfg, 'intermediate_size'),
  });
  if (!req.ok) return req;
  const numHeads = req.value.num_attention_heads;
  const numKvHeads = num(cfg, 'num_key_value_heads', numHeads)!;
  if (!Number.isInteger(numKvHeads) || numKvHeads <= 0 || numHeads % numKvHeads !== 0) {
    return badConfig(`num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  }
  return ok({ ...req.value, numHeads, numKvHeads });
}

function parseLlamaFamily(cfg: Json, modelType: ModelType, architecture: string): Result<ModelConfig> {
  const sizes = decoderSizes(cfg);
  if (!sizes.ok) return sizes;
  const r = sizes.value;
  const { numHeads, numKvHeads } = r;
  // Qwen3Config's own default is 128; the others (qwen3_moe too) derive it from the width
  const headDim = num(cfg, 'head_dim', modelType === 'qwen3' ? 128 : r.hidden_size / numHeads)!;
  if (!Number.isInteger(headDim)) return badConfig(`hidden_size ${r.hidden_size} is not divisible by num_attention_heads ${numHeads}`);
  const act = cfg.hidden_act ?? 'silu';
  if (act !== 'silu') return badConfig(`hidden_act "${String(act)}" is not supported for ${modelType} (only "silu")`);
  const rotaryFactor = num(cfg, 'partial_rotary_factor', 1)!;
  const rotaryDim = Math.floor(headDim * rotaryFactor);
  if (!(rotaryFactor > 0 && rotaryFactor <= 1) || rotaryDim % 2 !== 0) return badConfig(`partial_rotary_factor ${rotaryFactor} of head_dim ${headDim} must give an even number of rotated dims`);
  // transformers 5 writes rope_parameters (rope_type, rope_theta and the scaling's fields in one object)
  // where transformers 4 wrote rope_theta and rope_scaling
  const ropeParameters = typeof cfg.rope_parameters === 'object' && cfg.rope_parameters !== null ? (cfg.rope_parameters as Json) : null;
  const ropeScaling = ropeParameters ? (ropeParameters.rope_type ?? ropeParameters.type ? ropeParameters : null) : cfg.rope_scaling;
  const scaling = modelType === 'phi3' ? parsePhi3RopeScaling(cfg, ropeScaling, rotaryDim, num(cfg, 'max_position_embeddings', 4096)!) : parseRopeScaling(ropeScaling);
  if (!scaling.ok) return scaling;
  const window = num(cfg, 'sliding_window');
  // mistral, mixtral and phi3 window every layer when sliding_window is set; the qwens only with use_sliding_window
  const useWindow = modelType === 'mistral' || modelType === 'mixtral' || modelType === 'phi3' || (modelType.startsWith('qwen') && cfg.use_sliding_window === true);
  const slidingWindow = useWindow && window !== undefined && window > 0 ? window : null;
  const full = fullAttentionLayers(cfg, modelType, r.num_hidden_layers, slidingWindow);
  if (!full.ok) return full;
  const moe = mixtureOfExperts(cfg, modelType, r.num_hidden_layers, r.intermediate_size);
  if (!moe.ok) return moe;
  return ok({
    modelType,
    architecture,
    vocabSize: r.vocab_size,
    hiddenSize: r.hidden_size,
    numLayers: r.num_hidden_layers,
    numHeads,
    numKvHeads,
    headDim,
    rotaryDim,
    fusedProjections: modelType === 'phi3',
    intermediateSize: r.intermediate_size,
    maxPositions: num(cfg, 'max_position_embeddings', 2048)!,
    normEps: num(cfg, 'rms_norm_eps', 1e-6)!,
    ropeTheta: num(ropeParameters ?? {}, 'rope_theta') ?? num(cfg, 'rope_theta', 10000)!,
    ropeScaling: scaling.value,
    localRope: null,
    tieWordEmbeddings: cfg.tie_word_embeddings === true,
    attentionBias: modelType === 'qwen2' || cfg.attention_bias === true,
    hiddenAct: 'silu',
    slidingWindow,
    fullAttentionLayers: full.value,
    qkNorm: modelType === 'qwen3' || modelType === 'qwen3_moe' ? 'head' : modelType === 'olmo2' ? 'projection' : null,
    postNorms: modelType === 'olmo2',
    moe: moe.value,
    attentionScale: 1 / Math.sqrt(headDim),
    attnLogitSoftcap: null,
    finalLogitSoftcap: null,
    bosTokenId: num(cfg, 'bos_token_id') ?? null,
    eosTokenIds: ids(cfg.eos_token_id),
  });
}

/**
 * The layers a sliding window skips. Mistral windows every layer. Qwen2 and Qwen3 window the layers from
 * max_window_layers on (their configs' default: 28), or those that `layer_types` (newer configs) names
 * "sliding_attention".
 */
function fullAttentionLayers(cfg: Json, modelType: ModelType, layers: number, window: number | null): Result<number[]> {
  // Qwen3MoeAttention windows every layer (its config has no max_window_layers)
  if (window === null || modelType === 'mistral' || modelType === 'mixtral' || modelType === 'phi3' || modelType === 'qwen3_moe') return ok([]);
  const typed = layerTypesFullLayers(cfg, layers);
  if (typed !== null) return typed;
  const firstWindowed = num(cfg, 'max_window_layers', 28)!;
  return ok(Array.from({ length: Math.min(layers, firstWindowed) }, (_, i) => i));
}

/**
 * Mixtral's experts on every layer (num_local_experts, intermediate_size each, always renormalised); Qwen3-MoE's
 * on layer i where i is not in mlp_only_layers and (i + 1) is a multiple of decoder_sparse_step (num_experts,
 * or num_local_experts as transformers 5 also reads it; moe_intermediate_size; norm_topk_prob).
 */
function mixtureOfExperts(cfg: Json, modelType: ModelType, layers: number, intermediateSize: number): Result<MixtureOfExperts | null> {
  if (modelType !== 'mixtral' && modelType !== 'qwen3_moe') return ok(null);
  const qwen = modelType === 'qwen3_moe';
  const sizes = requirePositive({
    [qwen ? 'num_experts' : 'num_local_experts']: qwen ? (num(cfg, 'num_experts') ?? num(cfg, 'num_local_experts', 128)) : num(cfg, 'num_local_experts', 8),
    num_experts_per_tok: num(cfg, 'num_experts_per_tok', qwen ? 8 : 2),
    ...(qwen ? { moe_intermediate_size: num(cfg, 'moe_intermediate_size', 768), decoder_sparse_step: num(cfg, 'decoder_sparse_step', 1) } : {}),
  });
  if (!sizes.ok) return sizes;
  const s = sizes.value;
  const experts = qwen ? s.num_experts : s.num_local_experts;
  if (s.num_experts_per_tok > experts) return badConfig(`num_experts_per_tok ${s.num_experts_per_tok} is more than the ${experts} experts`);
  const dense = cfg.mlp_only_layers ?? [];
  if (!Array.isArray(dense) || !dense.every((i) => Number.isInteger(i))) return badConfig('"mlp_only_layers" must be a list of layer indices');
  const step = qwen ? s.decoder_sparse_step : 1;
  const sparse = Array.from({ length: layers }, (_, i) => i).filter((i) => !(qwen && dense.includes(i)) && (i + 1) % step === 0);
  return ok({ experts, perToken: s.num_experts_per_tok, intermediateSize: qwen ? s.moe_intermediate_size : intermediateSize, normalizeTopK: qwen ? cfg.norm_topk_prob === true : true, layers: sparse });
}

/** The "full_attention" layers of `layer_types` (newer configs), or null where the config has no list. */
function layerTypesFullLayers(cfg: Json, layers: number): Result<number[]> | null {
  const types = cfg.layer_types;
  if (!Array.isArray(types)) return null;
  if (types.length !== layers) return badConfig(`"layer_types" names ${types.length} layers, but num_hidden_layers is ${layers}`);
  const unknown = types.find((t) => t !== 'full_attention' && t !== 'sliding_attention');
  if (unknown !== undefined) return fail('unsupported-arch', `config.json: layer type "${String(unknown)}" is not supported`, 'Supported layer_types: full_attention, sliding_attention.');
  return ok(types.flatMap((t, i) => (t === 'full_attention' ? [i] : [])));
}

/** The window of layer `i`: the sliding window, or null where the layer attends to every earlier position. */
export function layerWindow(config: Pick<ModelConfig, 'slidingWindow' | 'fullAttentionLayers'>, i: number): number | null {
  return config.slidingWindow !== null && !config.fullAttentionLayers.includes(i) ? config.slidingWindow : null;
}

/**
 * Phi3Config's rope_scaling: "su" and "yarn" are longrope there (transformers renames them), and longrope is
 * read as _compute_longrope_parameters reads it: factors for each of the rotary_dim / 2 frequencies, the
 * original context from original_max_position_embeddings, and, unless the config gives attention_factor,
 * sqrt(1 + ln(max / original) / ln(original)) when max_position_embeddings exceeds it (else 1).
 */
function parsePhi3RopeScaling(cfg: Json, raw: unknown, rotaryDim: number, maxPositions: number): Result<RopeScaling | null> {
  if (raw === null || raw === undefined || typeof raw !== 'object') return parseRopeScaling(raw);
  const s = raw as Json;
  const type = s.rope_type ?? s.type;
  if (type !== 'longrope' && type !== 'su' && type !== 'yarn') return parseRopeScaling(raw);
  const factors = (key: string): Result<number[]> => {
    const f = s[key];
    if (!Array.isArray(f) || f.length !== rotaryDim / 2 || !f.every((x) => typeof x === 'number' && x > 0)) {
      return badConfig(`"rope_scaling.${key}" must hold ${rotaryDim / 2} positive numbers (one per rotated frequency)`);
    }
    return ok(f as number[]);
  };
  const short = factors('short_factor');
  if (!short.ok) return short;
  const long = factors('long_factor');
  if (!long.ok) return long;
  const original = num(cfg, 'original_max_position_embeddings') ?? num(s, 'original_max_position_embeddings') ?? maxPositions;
  const factor = num(cfg, 'original_max_position_embeddings') !== undefined ? maxPositions / original : num(s, 'factor', 1)!;
  const attentionFactor = num(s, 'attention_factor') ?? (factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original)));
  return ok({ type: 'longrope', shortFactor: short.value, longFactor: long.value, originalMaxPositions: original, attentionFactor });
}

function parseRopeScaling(raw: unknown): Result<RopeScaling | null> {
  if (raw === undefined || raw === null) return ok(null);
  if (typeof raw !== 'object') return badConfig('"rope_scaling" must be an object or null');
  const s = raw as Json;
  const type = s.rope_type ?? s.type;
  if (type === 'default') return ok(null);
  if (type !== 'linear' && type !== 'llama3') {
    return fail('unsupported-arch', `config.json: rope_scaling type "${String(type)}" is not supported`, 'Supported rope_scaling types: llama3, linear, and longrope for phi3 (or none).');
  }
  const factor = num(s, 'factor');
  if (factor === undefined || factor <= 0) return badConfig('"rope_scaling.factor" must be a positive number');
  if (type === 'linear') return ok({ type: 'linear', factor });
  const low = num(s, 'low_freq_factor');
  const high = num(s, 'high_freq_factor');
  const orig = num(s, 'original_max_position_embeddings');
  if (low === undefined || high === undefined || orig === undefined) {
    return badConfig('llama3 "rope_scaling" needs low_freq_factor, high_freq_factor and original_max_position_embeddings');
  }
  return ok({ type: 'llama3', factor, lowFreqFactor: low, highFreqFactor: high, originalMaxPositions: orig });
}

type Rope = { readonly theta: number; readonly scaling: RopeScaling | null };

/**
 * Gemma's rotations: the global one (rope_theta, rope_scaling) and, for gemma3, the sliding layers' own
 * (rope_local_base_freq, unscaled). transformers 5 writes rope_parameters instead: one object, or (gemma3)
 * one per layer type, each with its rope_theta and scaling.
 */
function gemmaRope(cfg: Json, gemma3: boolean): Result<{ global: Rope; local: Rope | null }> {
  const params = cfg.rope_parameters;
  const one = (raw: unknown, fallbackTheta: number): Result<Rope> => {
    const o = (raw ?? {}) as Json;
    const scaling = parseRopeScaling(o.rope_type === undefined && o.type === undefined ? null : o);
    return scaling.ok ? ok({ theta: num(o, 'rope_theta', fallbackTheta)!, scaling: scaling.value }) : scaling;
  };
  if (typeof params === 'object' && params !== null) {
    const p = params as Json;
    if ('full_attention' in p || 'sliding_attention' in p) {
      const global = one(p.full_attention, gemma3 ? 1e6 : 10000);
      const local = one(p.sliding_attention, 10000);
      if (!global.ok) return global;
      if (!local.ok) return local;
      return ok({ global: global.value, local: gemma3 ? local.value : null });
    }
    const global = one(p, gemma3 ? 1e6 : 10000);
    return global.ok ? ok({ global: global.value, local: gemma3 ? { theta: num(cfg, 'rope_local_base_freq', 10000)!, scaling: null } : null }) : global;
  }
  const scaling = parseRopeScaling(cfg.rope_scaling);
  if (!scaling.ok) return scaling;
  const global = { theta: num(cfg, 'rope_theta', gemma3 ? 1e6 : 10000)!, scaling: scaling.value };
  return ok({ global, local: gemma3 ? { theta: num(cfg, 'rope_local_base_freq', 10000)!, scaling: null } : null });
}

/** A positive number or null (a soft cap, say); anything else is an error naming the key. */
function optionalPositive(cfg: Json, key: string): Result<number | null> {
  const v = cfg[key];
  if (v === undefined || v === null) return ok(null);
  if (typeof v !== 'number' || !(v > 0)) return badConfig(`"${key}" must be a positive number or null`);
  return ok(v);
}

/**
 * Gemma 2 (configuration_gemma2.py): head_dim 256, query_pre_attn_scalar 256, soft caps 50 (attention) and 30
 * (logits), a sliding window of 4096 on every other layer from the first (or as layer_types says), GeGLU with
 * the tanh GELU, tied embeddings. Gemma 3 (configuration_gemma3.py, Gemma3TextConfig): the same without soft
 * caps by default, per-head q/k norms, five sliding layers to one global (sliding_window_pattern 6), and two
 * rotations: rope_theta 1e6 with rope_scaling on global layers, rope_local_base_freq 1e4 on sliding ones
 * (transformers 5 nests both in rope_parameters by layer type). The defaults are the configs' own, for keys a
 * config leaves out.
 */
function parseGemma(cfg: Json, modelType: 'gemma2' | 'gemma3_text' | 'gemma3', architecture: string): Result<ModelConfig> {
  const gemma3 = modelType !== 'gemma2';
  if (gemma3 && cfg.use_bidirectional_attention === true) {
    return fail('unsupported-arch', 'config.json: use_bidirectional_attention is not supported', 'Instruction Lens explains causal language models; a Gemma 3 configured for bidirectional attention (an embedding model) is not one.');
  }
  const sizes = decoderSizes(cfg);
  if (!sizes.ok) return sizes;
  const r = sizes.value;
  const { numHeads, numKvHeads } = r;
  const headDim = num(cfg, 'head_dim', 256)!;
  const act = cfg.hidden_activation ?? cfg.hidden_act ?? 'gelu_pytorch_tanh';
  if (act !== 'gelu_pytorch_tanh') return badConfig(`hidden_activation "${String(act)}" is not supported for ${modelType} (only "gelu_pytorch_tanh")`);
  const rope = gemmaRope(cfg, gemma3);
  if (!rope.ok) return rope;
  const attnCap = optionalPositive(cfg, 'attn_logit_softcapping');
  if (!attnCap.ok) return attnCap;
  const finalCap = cfg.final_logit_softcapping === undefined && !gemma3 ? ok(30) : optionalPositive(cfg, 'final_logit_softcapping');
  if (!finalCap.ok) return finalCap;
  const window = num(cfg, 'sliding_window', 4096)!;
  const layers = r.num_hidden_layers;
  // without layer_types, gemma2 slides on layers 0, 2, 4, …; gemma3 on every layer whose (index + 1) is not a
  // multiple of the pattern
  const pattern = gemma3 ? num(cfg, 'sliding_window_pattern', 6)! : 2;
  const full = layerTypesFullLayers(cfg, layers) ?? ok(Array.from({ length: layers }, (_, i) => i).filter((i) => (i + 1) % pattern === 0));
  if (!full.ok) return full;
  return ok({
    modelType,
    architecture,
    vocabSize: r.vocab_size,
    hiddenSize: r.hidden_size,
    numLayers: layers,
    numHeads,
    numKvHeads,
    headDim,
    rotaryDim: headDim,
    fusedProjections: false,
    intermediateSize: r.intermediate_size,
    maxPositions: num(cfg, 'max_position_embeddings', gemma3 ? 131072 : 8192)!,
    normEps: num(cfg, 'rms_norm_eps', 1e-6)!,
    ropeTheta: rope.value.global.theta,
    ropeScaling: rope.value.global.scaling,
    localRope: rope.value.local,
    tieWordEmbeddings: cfg.tie_word_embeddings !== false,
    attentionBias: cfg.attention_bias === true,
    hiddenAct: 'gelu_pytorch_tanh',
    slidingWindow: window > 0 ? window : null,
    fullAttentionLayers: full.value,
    qkNorm: gemma3 ? 'head' : null,
    postNorms: false,
    moe: null,
    attentionScale: 1 / Math.sqrt(num(cfg, 'query_pre_attn_scalar', 256)!),
    attnLogitSoftcap: cfg.attn_logit_softcapping === undefined && !gemma3 ? 50 : attnCap.value,
    finalLogitSoftcap: finalCap.value,
    bosTokenId: num(cfg, 'bos_token_id') ?? null,
    eosTokenIds: ids(cfg.eos_token_id),
  });
}

function parseGpt2(cfg: Json, architecture: string): Result<ModelConfig> {
  const req = requirePositive({
    vocab_size: num(cfg, 'vocab_size'),
    n_embd: num(cfg, 'n_embd'),
    n_layer: num(cfg, 'n_layer'),
    n_head: num(cfg, 'n_head'),
    n_positions: num(cfg, 'n_positions', num(cfg, 'n_ctx')),
  });
  if (!req.ok) return req;
  const r = req.value;
  if (r.n_embd % r.n_head !== 0) return badConfig(`n_embd ${r.n_embd} is not divisible by n_head ${r.n_head}`);
  const act = cfg.activation_function ?? 'gelu_new';
  if (act !== 'gelu_new' && act !== 'gelu') return badConfig(`activation_function "${String(act)}" is not supported (gelu_new, gelu)`);
  return ok({
    modelType: 'gpt2',
    architecture,
    vocabSize: r.vocab_size,
    hiddenSize: r.n_embd,
    numLayers: r.n_layer,
    numHeads: r.n_head,
    numKvHeads: r.n_head,
    headDim: r.n_embd / r.n_head,
    rotaryDim: r.n_embd / r.n_head,
    fusedProjections: false,
    intermediateSize: num(cfg, 'n_inner') ?? 4 * r.n_embd,
    maxPositions: r.n_positions,
    normEps: num(cfg, 'layer_norm_epsilon', 1e-5)!,
    ropeTheta: 0,
    ropeScaling: null,
    localRope: null,
    tieWordEmbeddings: cfg.tie_word_embeddings !== false,
    attentionBias: true,
    hiddenAct: act as 'gelu_new' | 'gelu',
    slidingWindow: null,
    fullAttentionLayers: [],
    qkNorm: null,
    postNorms: false,
    moe: null,
    attentionScale: 1 / Math.sqrt(r.n_embd / r.n_head),
    attnLogitSoftcap: null,
    finalLogitSoftcap: null,
    bosTokenId: num(cfg, 'bos_token_id') ?? null,
    eosTokenIds: ids(cfg.eos_token_id),
  });
}
