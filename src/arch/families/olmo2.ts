// OLMo 2 (modeling_olmo2.py): norms after each sublayer, q/k norm over the whole projection.
import { llamaLayout } from './llamaLayout';

export const olmo2 = llamaLayout(
  'olmo2',
  {
    models: 'OLMo 2',
    notes:
      "as llama, but each sublayer's output is normalised before the residual add " +
      '(`post_attention_layernorm`, `post_feedforward_layernorm`) and its input is not; queries and ' +
      'keys normalised over the whole projection (`q_norm`, `k_norm`)',
    checked: 'post norms, q/k norm over the projection, f16',
  },
  { qkNorm: 'projection', postNorms: true, window: 'none' },
);
