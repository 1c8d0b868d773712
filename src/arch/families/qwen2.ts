// Qwen2 and Qwen2.5 (modeling_qwen2.py): llama with q, k, v biases, the window only with use_sliding_window.
import { llamaLayout } from './llamaLayout';

export const qwen2 = llamaLayout(
  'qwen2',
  {
    models: 'Qwen2, Qwen2.5',
    notes:
      'as llama, with q/k/v bias; `use_sliding_window` on the layers from `max_window_layers` on (or ' +
      'as `layer_types` says)',
    checked: 'q/k/v bias in bf16',
  },
  { attentionBias: 'always', window: 'flagged-from-max-window-layers' },
);
