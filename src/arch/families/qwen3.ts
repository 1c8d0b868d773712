// Qwen3, dense (modeling_qwen3.py, configuration_qwen3.py): per-head q/k RMSNorm, head_dim 128 by default.
import { llamaLayout } from './llamaLayout';

export const qwen3 = llamaLayout(
  'qwen3',
  {
    models: 'Qwen3 (dense)',
    notes:
      "as llama, plus an RMSNorm over each head's query and key (`q_norm`, `k_norm`) before the " +
      'rotation; explicit `head_dim` (128 when absent); `attention_bias`; sliding windows as qwen2',
    checked:
      'q/k norm, `head_dim` 12, a window on layer 1 only; tied in bf16 with `layer_types`; the Qwen3 ' +
      'tokenizer and template',
  },
  { headDim: 128, qkNorm: 'head', window: 'flagged-from-max-window-layers' },
);
