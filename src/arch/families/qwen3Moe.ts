// Qwen3-MoE (modeling_qwen3_moe.py, configuration_qwen3_moe.py): qwen3's attention, but head_dim falls back
// to hidden / heads (Qwen3MoeAttention) and the window, with use_sliding_window, covers every layer; experts
// in mlp (gate_proj, up_proj, down_proj of moe_intermediate_size), a dense MLP on mlp_only_layers and between
// decoder_sparse_steps, the chosen experts' weights renormalised where norm_topk_prob.
import { readExperts } from '../moe';
import { llamaLayout } from './llamaLayout';

export const qwen3Moe = llamaLayout(
  'qwen3_moe',
  {
    models: 'Qwen3-MoE (30B-A3B, 235B-A22B)',
    notes:
      "qwen3's attention (its window on every layer; `head_dim` falls back to hidden / heads) with " +
      'experts as mixtral (`num_experts`, `moe_intermediate_size`, renormalised by `norm_topk_prob`), ' +
      'a dense MLP on `mlp_only_layers` and between `decoder_sparse_step`s',
    checked:
      '5 experts, 3 a token, unnormalised, a dense layer, bf16; 1 a token, sparse step 2, f16; ' +
      'compare beside a dense qwen3',
  },
  {
    qkNorm: 'head',
    window: 'flagged-every-layer',
    experts: readExperts({
      count: { key: 'num_experts', alias: 'num_local_experts', fallback: 128 },
      perTokenFallback: 8,
      width: { key: 'moe_intermediate_size', fallback: 768 },
      normalize: 'norm_topk_prob',
      denseLayers: true,
      tensors: { block: 'mlp', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' },
    }),
  },
);
