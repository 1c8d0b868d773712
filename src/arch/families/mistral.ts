// Mistral (modeling_mistral.py): llama with a sliding window on every layer.
import { llamaLayout } from './llamaLayout';

export const mistral = llamaLayout(
  'mistral',
  { models: 'Mistral', notes: 'as llama, plus `sliding_window`', checked: 'a window of 3 on every layer' },
  { window: 'every-layer' },
);
