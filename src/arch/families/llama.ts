// Llama 1, 2 and 3 (modeling_llama.py, configuration_llama.py).
import { llamaLayout } from './llamaLayout';

export const llama = llamaLayout(
  'llama',
  {
    models: 'Llama 1/2/3, TinyLlama, …',
    notes:
      'grouped-query attention, RoPE with `rope_theta`, `rope_scaling` of type `llama3` or `linear`, ' +
      'tied or untied head, optional `attention_bias`',
    checked:
      'GQA in f32; `llama3` rope scaling; tied in f16; batches and generation with the KV cache; the ' +
      "Llama 3 and Llama 2 tokenizers, Llama 3's template",
  },
  { window: 'none' },
);
