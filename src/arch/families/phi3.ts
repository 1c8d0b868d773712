// Phi-3, Phi-3.5 and Phi-4-mini (modeling_phi3.py): fused projections, partial rotation, longrope.
import { llamaLayout } from './llamaLayout';

export const phi3 = llamaLayout(
  'phi3',
  {
    models: 'Phi-3, Phi-3.5, Phi-4-mini',
    notes:
      'as llama, with q, k, v in one `qkv_proj` and gate, up in one `gate_up_proj`; ' +
      '`partial_rotary_factor` (the leading dims of each head rotated); `sliding_window` on every ' +
      'layer; `longrope` scaling (also written `su` or `yarn`): short factors while the sequence fits ' +
      '`original_max_position_embeddings`, long ones beyond, cos and sin times the attention factor. ' +
      "An explanation's batches rotate as its whole sequence does",
    checked:
      'fused projections, half of each head rotated, a window of 3; longrope beyond the original ' +
      'context (in batches and generation too)',
  },
  { fusedProjections: true, window: 'every-layer', longrope: true },
);
