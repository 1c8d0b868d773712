// Gemma 3 (modeling_gemma3.py, configuration_gemma3.py): gemma3_text, and the language model of the
// multimodal gemma3 checkpoints, configured in text_config (its weights under a language_model prefix,
// src/model/weightNames.ts; the vision tower is never read).
import { badConfig, type Json } from '../../model/config';
import type { Family } from '../family';
import { buildGemma, gemmaWeightShapes } from '../gemmaGraph';
import { parseGemmaConfig } from '../gemmaConfig';
import { llamaGlobalWeights } from '../globalWeights';

export const gemma3: Family = {
  modelTypes: ['gemma3_text', 'gemma3'],
  readme: {
    models:
      'Gemma 3 (1B text; the language model of the 4B–27B multimodal checkpoints, read from ' +
      '`text_config` and the `language_model` weights, the vision tower ignored)',
    notes:
      "as gemma2 without soft caps by default, plus (1 + w) RMSNorm over each head's query and key; " +
      'five sliding layers to one global (`sliding_window_pattern`, or `layer_types`); global layers ' +
      'rotate with `rope_theta` and `rope_scaling`, sliding ones with `rope_local_base_freq`; ' +
      '`rope_parameters` (transformers 5) read too; `use_bidirectional_attention` refused',
    checked:
      'two rotation bases with a scaled global one, pattern 2; the multimodal layout in bf16; the ' +
      'Gemma 3 tokenizer and template',
  },
  parseConfig(cfg, modelType, architecture) {
    if (modelType === 'gemma3_text') return parseGemmaConfig(cfg, modelType, architecture, 3);
    const text = cfg.text_config;
    if (typeof text !== 'object' || text === null) return badConfig('model_type "gemma3" has no "text_config" object');
    const t = text as Json;
    return parseGemmaConfig(
      { ...t, bos_token_id: t.bos_token_id ?? cfg.bos_token_id, eos_token_id: t.eos_token_id ?? cfg.eos_token_id },
      modelType,
      architecture,
      3,
    );
  },
  build: buildGemma,
  weightShapes: gemmaWeightShapes,
  globalWeights: llamaGlobalWeights,
};
