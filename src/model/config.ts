// config.json of a Hugging Face checkpoint, normalised into one shape for every supported family, and the
// readers of its fields that the families share (sizes, rope scaling, layer types). Which fields a family
// reads, and with which defaults, each family declares in src/arch/families/; everything else in config.json
// is ignored.
import { fail, ok, type Result } from '../lensError';

/** Llama-3 style frequency-dependent scaling, or plain linear position interpolation. */
export type RopeScaling =
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositions: number;
    }
  | { readonly type: 'linear'; readonly factor: number }
  /**
   * Phi-3's longrope: each rotated frequency divided by its factor, the short ones while the sequence (the
   * highest position + 1) is at most originalMaxPositions, the long ones beyond; cos and sin times attentionFactor.
   */
  | {
      readonly type: 'longrope';
      readonly shortFactor: readonly number[];
      readonly longFactor: readonly number[];
      readonly originalMaxPositions: number;
      readonly attentionFactor: number;
    }
  /**
   * Each rotated frequency divided by its own factor, as a GGUF file's rope_freqs.weight gives them (llama.cpp's
   * converter writes Llama 3.1's llama3 scaling so: 1 for short wavelengths, `factor` for long ones, between
   * them 1 / ((1 − smooth) / factor + smooth)).
   */
  | { readonly type: 'frequencyFactors'; readonly factors: readonly number[] };

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
  /** Where a layer's router and experts are stored: `model.layers.{i}.{block}.gate`, `…experts.{e}.{gate|up|down}`. */
  readonly tensors: { readonly block: string; readonly gate: string; readonly up: string; readonly down: string };
  /** The config.json fields the expert count and width come from, for messages. */
  readonly fields: { readonly experts: string; readonly width: string };
}

export interface ModelConfig {
  readonly modelType: string; // one a family in src/arch/families declares
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
  /**
   * gemma2: cap · tanh(x / cap) on the attention scores (attn_logit_softcapping) and on the logits
   * (final_logit_softcapping).
   */
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
  /** The norms scale by offset + w: 1 for Gemma (its weights are stored as offsets from 1), else 0. */
  readonly normOffset: 0 | 1;
  readonly moe: MixtureOfExperts | null;
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
}

export type Json = Record<string, unknown>;

export function num(cfg: Json, key: string, fallback?: number): number | undefined {
  const v = cfg[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return fallback;
}

export function ids(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

export const badConfig = (what: string) =>
  fail(
    'bad-config',
    `config.json: ${what}`,
    'Check that config.json comes from a Hugging Face checkpoint of a supported family.',
  );

export function requirePositive(values: Record<string, number | undefined>): Result<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || !Number.isInteger(v) || v <= 0) return badConfig(`"${k}" must be a positive integer`);
    out[k] = v;
  }
  return ok(out);
}

export type DecoderSizes = Pick<
  ModelConfig,
  'vocabSize' | 'hiddenSize' | 'numLayers' | 'numHeads' | 'numKvHeads' | 'intermediateSize'
>;

/** The sizes every decoder config of the llama and gemma layouts names, with grouped heads checked. */
export function decoderSizes(cfg: Json): Result<DecoderSizes> {
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
  const r = req.value;
  return ok({
    vocabSize: r.vocab_size,
    hiddenSize: r.hidden_size,
    numLayers: r.num_hidden_layers,
    numHeads,
    numKvHeads,
    intermediateSize: r.intermediate_size,
  });
}

/** BOS and EOS as config.json names them (eos_token_id: one id or a list). */
export function specialTokenIds(cfg: Json): Pick<ModelConfig, 'bosTokenId' | 'eosTokenIds'> {
  return { bosTokenId: num(cfg, 'bos_token_id') ?? null, eosTokenIds: ids(cfg.eos_token_id) };
}

/** The "full_attention" layers of `layer_types` (newer configs), or null where the config has no list. */
export function layerTypesFullLayers(cfg: Json, layers: number): Result<number[]> | null {
  const types = cfg.layer_types;
  if (!Array.isArray(types)) return null;
  if (types.length !== layers)
    return badConfig(`"layer_types" names ${types.length} layers, but num_hidden_layers is ${layers}`);
  const unknown = types.find((t) => t !== 'full_attention' && t !== 'sliding_attention');
  if (unknown !== undefined)
    return fail(
      'unsupported-arch',
      `config.json: layer type "${String(unknown)}" is not supported`,
      'Supported layer_types: full_attention, sliding_attention.',
    );
  return ok(types.flatMap((t, i) => (t === 'full_attention' ? [i] : [])));
}

/** The window of layer `i`: the sliding window, or null where the layer attends to every earlier position. */
export function layerWindow(
  config: Pick<ModelConfig, 'slidingWindow' | 'fullAttentionLayers'>,
  i: number,
): number | null {
  return config.slidingWindow !== null && !config.fullAttentionLayers.includes(i) ? config.slidingWindow : null;
}

/**
 * Phi3Config's rope_scaling: "su" and "yarn" are longrope there (transformers renames them), and longrope is
 * read as _compute_longrope_parameters reads it: factors for each of the rotary_dim / 2 frequencies, the
 * original context from original_max_position_embeddings, and, unless the config gives attention_factor,
 * sqrt(1 + ln(max / original) / ln(original)) when max_position_embeddings exceeds it (else 1).
 */
export function parseLongropeScaling(
  cfg: Json,
  raw: unknown,
  rotaryDim: number,
  maxPositions: number,
): Result<RopeScaling | null> {
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
  const original =
    num(cfg, 'original_max_position_embeddings') ?? num(s, 'original_max_position_embeddings') ?? maxPositions;
  const factor =
    num(cfg, 'original_max_position_embeddings') !== undefined ? maxPositions / original : num(s, 'factor', 1)!;
  const attentionFactor =
    num(s, 'attention_factor') ?? (factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original)));
  return ok({
    type: 'longrope',
    shortFactor: short.value,
    longFactor: long.value,
    originalMaxPositions: original,
    attentionFactor,
  });
}

export function parseRopeScaling(raw: unknown): Result<RopeScaling | null> {
  if (raw === undefined || raw === null) return ok(null);
  if (typeof raw !== 'object') return badConfig('"rope_scaling" must be an object or null');
  const s = raw as Json;
  const type = s.rope_type ?? s.type;
  if (type === 'default') return ok(null);
  if (type !== 'linear' && type !== 'llama3') {
    return fail(
      'unsupported-arch',
      `config.json: rope_scaling type "${String(type)}" is not supported`,
      'Supported rope_scaling types: llama3, linear, and longrope for phi3 (or none).',
    );
  }
  const factor = num(s, 'factor');
  if (factor === undefined || factor <= 0) return badConfig('"rope_scaling.factor" must be a positive number');
  if (type === 'linear') return ok({ type: 'linear', factor });
  const low = num(s, 'low_freq_factor');
  const high = num(s, 'high_freq_factor');
  const orig = num(s, 'original_max_position_embeddings');
  if (low === undefined || high === undefined || orig === undefined) {
    return badConfig(
      'llama3 "rope_scaling" needs low_freq_factor, high_freq_factor and original_max_position_embeddings',
    );
  }
  return ok({ type: 'llama3', factor, lowFreqFactor: low, highFreqFactor: high, originalMaxPositions: orig });
}

export type Rope = { readonly theta: number; readonly scaling: RopeScaling | null };

/**
 * Gemma's rotations: the global one (rope_theta, rope_scaling) and, for gemma3, the sliding layers' own
 * (rope_local_base_freq, unscaled). transformers 5 writes rope_parameters instead: one object, or (gemma3)
 * one per layer type, each with its rope_theta and scaling.
 */
export function gemmaRope(cfg: Json, gemma3: boolean): Result<{ global: Rope; local: Rope | null }> {
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
    return global.ok
      ? ok({
          global: global.value,
          local: gemma3 ? { theta: num(cfg, 'rope_local_base_freq', 10000)!, scaling: null } : null,
        })
      : global;
  }
  const scaling = parseRopeScaling(cfg.rope_scaling);
  if (!scaling.ok) return scaling;
  const global = { theta: num(cfg, 'rope_theta', gemma3 ? 1e6 : 10000)!, scaling: scaling.value };
  return ok({ global, local: gemma3 ? { theta: num(cfg, 'rope_local_base_freq', 10000)!, scaling: null } : null });
}

/** A positive number or null (a soft cap, say); anything else is an error naming the key. */
export function optionalPositive(cfg: Json, key: string): Result<number | null> {
  const v = cfg[key];
  if (v === undefined || v === null) return ok(null);
  if (typeof v !== 'number' || !(v > 0)) return badConfig(`"${key}" must be a positive number or null`);
  return ok(v);
}
