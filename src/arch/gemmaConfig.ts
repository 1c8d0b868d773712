// config.json of the Gemma layout (src/arch/gemmaGraph.ts): Gemma 2 and Gemma 3 (text, and the language model of
// the multimodal checkpoints, whose families in src/arch/families/ pass its text_config).
import { fail, ok, type Result } from '../lensError';
import {
  badConfig,
  decoderSizes,
  gemmaRope,
  layerTypesFullLayers,
  num,
  optionalPositive,
  specialTokenIds,
  type Json,
  type ModelConfig,
} from '../model/config';

/**
 * Gemma 2 (configuration_gemma2.py): head_dim 256, query_pre_attn_scalar 256, soft caps 50 (attention) and 30
 * (logits), a sliding window of 4096 on every other layer from the first (or as layer_types says), GeGLU with
 * the tanh GELU, tied embeddings. Gemma 3 (configuration_gemma3.py, Gemma3TextConfig): the same without soft
 * caps by default, per-head q/k norms, five sliding layers to one global (sliding_window_pattern 6), and two
 * rotations: rope_theta 1e6 with rope_scaling on global layers, rope_local_base_freq 1e4 on sliding ones
 * (transformers 5 nests both in rope_parameters by layer type). The defaults are the configs' own, for keys a
 * config leaves out.
 */
export function parseGemmaConfig(
  cfg: Json,
  modelType: string,
  architecture: string,
  version: 2 | 3,
): Result<ModelConfig> {
  const gemma3 = version === 3;
  if (gemma3 && cfg.use_bidirectional_attention === true) {
    return fail(
      'unsupported-arch',
      'config.json: use_bidirectional_attention is not supported',
      'Instruction Lens explains causal language models; a Gemma 3 configured for bidirectional ' +
        'attention (an embedding model) is not one.',
    );
  }
  const sizes = decoderSizes(cfg);
  if (!sizes.ok) return sizes;
  const r = sizes.value;
  const headDim = num(cfg, 'head_dim', 256)!;
  const act = cfg.hidden_activation ?? cfg.hidden_act ?? 'gelu_pytorch_tanh';
  if (act !== 'gelu_pytorch_tanh')
    return badConfig(`hidden_activation "${String(act)}" is not supported for ${modelType} (only "gelu_pytorch_tanh")`);
  const rope = gemmaRope(cfg, gemma3);
  if (!rope.ok) return rope;
  const attnCap = optionalPositive(cfg, 'attn_logit_softcapping');
  if (!attnCap.ok) return attnCap;
  const finalCap =
    cfg.final_logit_softcapping === undefined && !gemma3 ? ok(30) : optionalPositive(cfg, 'final_logit_softcapping');
  if (!finalCap.ok) return finalCap;
  const window = num(cfg, 'sliding_window', 4096)!;
  const layers = r.numLayers;
  // without layer_types, gemma2 slides on layers 0, 2, 4, …; gemma3 on every layer whose (index + 1) is not a
  // multiple of the pattern
  const pattern = gemma3 ? num(cfg, 'sliding_window_pattern', 6)! : 2;
  const full =
    layerTypesFullLayers(cfg, layers) ??
    ok(Array.from({ length: layers }, (_, i) => i).filter((i) => (i + 1) % pattern === 0));
  if (!full.ok) return full;
  return ok({
    modelType,
    architecture,
    ...r,
    headDim,
    rotaryDim: headDim,
    fusedProjections: false,
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
    normOffset: 1,
    moe: null,
    attentionScale: 1 / Math.sqrt(num(cfg, 'query_pre_attn_scalar', 256)!),
    attnLogitSoftcap: cfg.attn_logit_softcapping === undefined && !gemma3 ? 50 : attnCap.value,
    finalLogitSoftcap: finalCap.value,
    ...specialTokenIds(cfg),
  });
}
