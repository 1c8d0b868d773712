// Gemma 2 (modeling_gemma2.py, configuration_gemma2.py).
import type { Family } from '../family';
import { buildGemma, gemmaWeightShapes } from '../gemmaGraph';
import { parseGemmaConfig } from '../gemmaConfig';
import { llamaGlobalWeights } from '../globalWeights';

export const gemma2: Family = {
  modelTypes: ['gemma2'],
  readme: {
    models: 'Gemma 2',
    notes:
      'RMSNorm scaled by (1 + w), embeddings times √hidden, four norms a layer, scores scaled by ' +
      '`query_pre_attn_scalar`^-½ and soft-capped (`attn_logit_softcapping`), logits soft-capped ' +
      '(`final_logit_softcapping`), sliding windows on every other layer (or `layer_types`), GeGLU ' +
      'with the tanh GELU, tied head',
    checked: 'soft caps 1.0 and 2.0, a window of 3, `query_pre_attn_scalar` 20; bf16 with `layer_types`',
  },
  parseConfig: (cfg, modelType, architecture) => parseGemmaConfig(cfg, modelType, architecture, 2),
  build: buildGemma,
  weightShapes: gemmaWeightShapes,
  globalWeights: llamaGlobalWeights,
};
