// Mixtral (modeling_mixtral.py, configuration_mixtral.py): mistral's attention, a mixture of experts in
// block_sparse_moe on every layer (w1 gate, w3 up, w2 down), the chosen experts' weights always renormalised.
import { readExperts } from '../moe';
import { llamaLayout } from './llamaLayout';

export const mixtral = llamaLayout(
  'mixtral',
  {
    models: 'Mixtral',
    notes:
      'as mistral, with a mixture of experts in place of each MLP (`num_local_experts`, ' +
      "`num_experts_per_tok`, `block_sparse_moe`): softmax over the router's logits, the top experts " +
      'renormalised, each expert run only on the tokens routed to it; gradients flow through the ' +
      'routing weights, not the choice',
    checked:
      '4 experts, 2 a token, a window of 3; generation with the KV cache; the FLOP estimate equals ' +
      "onnxruntime's profile",
  },
  {
    window: 'every-layer',
    experts: readExperts({
      count: { key: 'num_local_experts', fallback: 8 },
      perTokenFallback: 2,
      width: 'intermediate_size',
      normalize: 'always',
      denseLayers: false,
      tensors: { block: 'block_sparse_moe', gate: 'w1', up: 'w3', down: 'w2' },
    }),
  },
);
