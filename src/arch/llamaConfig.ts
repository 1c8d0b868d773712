// config.json of the llama layout (src/arch/llamaGraph.ts), read with the options a family declares: its head_dim
// default, its q/k norm, where its sliding window applies, its rope scaling, its mixture of experts. The
// families themselves are in src/arch/families/.
import { fail, ok, type Result } from '../lensError';
import {
  badConfig,
  decoderSizes,
  layerTypesFullLayers,
  num,
  parseLongropeScaling,
  parseRopeScaling,
  specialTokenIds,
  type Json,
  type MixtureOfExperts,
  type ModelConfig,
} from '../model/config';

/** What sets one llama-layout family apart, as its modeling and configuration files define it. */
export interface LlamaOptions {
  /** head_dim when the config has none; absent: hidden_size / num_attention_heads. */
  readonly headDim?: number;
  /** An RMSNorm of queries and keys: per head ('head', weights [head_dim]) or over the projection. */
  readonly qkNorm?: 'head' | 'projection';
  /** Norms after each sublayer instead of before (olmo2). */
  readonly postNorms?: boolean;
  /** q, k, v in one qkv_proj and gate, up in one gate_up_proj (phi3). */
  readonly fusedProjections?: boolean;
  /** q, k, v biases: always (qwen2) or where attention_bias says (the default). */
  readonly attentionBias?: 'always' | 'config';
  /**
   * Where sliding_window applies: on every layer; only with use_sliding_window and then on every layer; only
   * with use_sliding_window, on the layers from max_window_layers on (or as layer_types says); or never.
   */
  readonly window: 'every-layer' | 'flagged-every-layer' | 'flagged-from-max-window-layers' | 'none';
  /** rope_scaling may be longrope (also written su or yarn), as phi3 reads it. */
  readonly longrope?: boolean;
  /** The mixture of experts in place of the MLP, or none. */
  readonly experts?: (cfg: Json, layers: number, intermediateSize: number) => Result<MixtureOfExperts | null>;
}

export function parseLlamaConfig(
  cfg: Json,
  modelType: string,
  architecture: string,
  o: LlamaOptions,
): Result<ModelConfig> {
  const sizes = decoderSizes(cfg);
  if (!sizes.ok) return sizes;
  const r = sizes.value;
  const headDim = num(cfg, 'head_dim', o.headDim ?? r.hiddenSize / r.numHeads)!;
  if (!Number.isInteger(headDim))
    return badConfig(`hidden_size ${r.hiddenSize} is not divisible by num_attention_heads ${r.numHeads}`);
  const act = cfg.hidden_act ?? 'silu';
  if (act !== 'silu') return badConfig(`hidden_act "${String(act)}" is not supported for ${modelType} (only "silu")`);
  // LlamaConfig's mlp_bias adds biases to gate, up and down: not read, so refused rather than left out
  if (cfg.mlp_bias === true)
    return fail(
      'unsupported-arch',
      `config.json: mlp_bias true is not supported for ${modelType}`,
      'Only feed-forward blocks without biases are implemented (mlp_bias false, as published Llama ' +
        'checkpoints have it).',
    );
  const rotaryFactor = num(cfg, 'partial_rotary_factor', 1)!;
  const rotaryDim = Math.floor(headDim * rotaryFactor);
  if (!(rotaryFactor > 0 && rotaryFactor <= 1) || rotaryDim % 2 !== 0)
    return badConfig(
      `partial_rotary_factor ${rotaryFactor} of head_dim ${headDim} must give an even number of rotated dims`,
    );
  // transformers 5 writes rope_parameters (rope_type, rope_theta and the scaling's fields in one object)
  // where transformers 4 wrote rope_theta and rope_scaling
  const ropeParameters =
    typeof cfg.rope_parameters === 'object' && cfg.rope_parameters !== null ? (cfg.rope_parameters as Json) : null;
  const ropeScaling = ropeParameters
    ? (ropeParameters.rope_type ?? ropeParameters.type)
      ? ropeParameters
      : null
    : cfg.rope_scaling;
  const scaling = o.longrope
    ? parseLongropeScaling(cfg, ropeScaling, rotaryDim, num(cfg, 'max_position_embeddings', 4096)!)
    : parseRopeScaling(ropeScaling);
  if (!scaling.ok) return scaling;
  const window = num(cfg, 'sliding_window');
  const flagged = o.window === 'flagged-every-layer' || o.window === 'flagged-from-max-window-layers';
  const useWindow = o.window !== 'none' && (!flagged || cfg.use_sliding_window === true);
  const slidingWindow = useWindow && window !== undefined && window > 0 ? window : null;
  const full =
    slidingWindow !== null && o.window === 'flagged-from-max-window-layers'
      ? windowlessLayers(cfg, r.numLayers)
      : ok([]);
  if (!full.ok) return full;
  const moe = o.experts ? o.experts(cfg, r.numLayers, r.intermediateSize) : ok(null);
  if (!moe.ok) return moe;
  return ok({
    modelType,
    architecture,
    ...r,
    headDim,
    rotaryDim,
    fusedProjections: o.fusedProjections === true,
    maxPositions: num(cfg, 'max_position_embeddings', 2048)!,
    normEps: num(cfg, 'rms_norm_eps', 1e-6)!,
    ropeTheta: num(ropeParameters ?? {}, 'rope_theta') ?? num(cfg, 'rope_theta', 10000)!,
    ropeScaling: scaling.value,
    localRope: null,
    tieWordEmbeddings: cfg.tie_word_embeddings === true,
    attentionBias: o.attentionBias === 'always' || cfg.attention_bias === true,
    hiddenAct: 'silu',
    slidingWindow,
    fullAttentionLayers: full.value,
    qkNorm: o.qkNorm ?? null,
    postNorms: o.postNorms === true,
    normOffset: 0,
    moe: moe.value,
    attentionScale: 1 / Math.sqrt(headDim),
    attnLogitSoftcap: null,
    finalLogitSoftcap: null,
    ...specialTokenIds(cfg),
  });
}

/**
 * The layers Qwen2's and Qwen3's window skips: those below max_window_layers (their configs' default: 28),
 * or the ones `layer_types` (newer configs) names "full_attention".
 */
function windowlessLayers(cfg: Json, layers: number): Result<number[]> {
  const typed = layerTypesFullLayers(cfg, layers);
  if (typed !== null) return typed;
  const firstWindowed = num(cfg, 'max_window_layers', 28)!;
  return ok(Array.from({ length: Math.min(layers, firstWindowed) }, (_, i) => i));
}
