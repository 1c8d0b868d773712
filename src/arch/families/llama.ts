// Llama 1, 2 and 3 (modeling_llama.py, configuration_llama.py).
import { llamaLayout } from './llamaLayout';

export const llama = llamaLayout(
  'llama',
  {
    models: 'Llama 1/2/3, TinyLlama, …',
    notes: 'grouped-query attention, RoPE with `rope_theta`, `rope_scaling` of type `llama3` or `linear`, tied or untied head, optional `attention_bias`',
  },
  { window: 'none' },
);
