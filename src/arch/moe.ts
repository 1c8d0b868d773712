// The mixture-of-experts feed-forward block of mixtral and qwen3_moe, as their sparse MoE blocks compute it:
// router logits, softmax over all experts, the top perToken of them per token (renormalised where
// normalizeTopK), and each expert's SwiGLU run only on the tokens routed to it, its output weighted by the
// token's routing weight and added back at the token's place. Gradients flow through the routing weights and
// the routed rows, not through which experts were chosen (as PyTorch's autograd through torch.topk).
import { add, div, linear, mul, nonZeroIndices, putRows, reduceSum, reshape, slice, softmax, swiglu, takeRows, topKMask, where, type Tensor } from '../graph';
import type { MixtureOfExperts, ModelConfig } from '../model/config';
import type { Dimension, ExpectedTensor } from './weightShapes';

/** Where a layer's router and experts are stored, by Hugging Face name. */
export interface ExpertNames {
  readonly router: string;
  gate(expert: number): string;
  up(expert: number): string;
  down(expert: number): string;
}

/** Mixtral's block_sparse_moe (w1 gate, w3 up, w2 down) or Qwen3-MoE's mlp (gate_proj, up_proj, down_proj). */
export function expertNames(modelType: ModelConfig['modelType'], layer: number): ExpertNames {
  if (modelType === 'mixtral') {
    const p = `model.layers.${layer}.block_sparse_moe.`;
    return { router: `${p}gate.weight`, gate: (e) => `${p}experts.${e}.w1.weight`, up: (e) => `${p}experts.${e}.w3.weight`, down: (e) => `${p}experts.${e}.w2.weight` };
  }
  const p = `model.layers.${layer}.mlp.`;
  return { router: `${p}gate.weight`, gate: (e) => `${p}experts.${e}.gate_proj.weight`, up: (e) => `${p}experts.${e}.up_proj.weight`, down: (e) => `${p}experts.${e}.down_proj.weight` };
}

/** The router's and every expert's tensors with the shapes config.json implies. */
export function expertShapes(config: ModelConfig, layer: number): ExpectedTensor[] {
  const moe = config.moe!;
  const names = expertNames(config.modelType, layer);
  const D: Dimension = [config.hiddenSize, 'hidden_size'];
  const I: Dimension = [moe.intermediateSize, config.modelType === 'qwen3_moe' ? 'moe_intermediate_size' : 'intermediate_size'];
  const experts = Array.from({ length: moe.experts }, (_, e) => [
    { name: names.gate(e), shape: [I, D] },
    { name: names.up(e), shape: [I, D] },
    { name: names.down(e), shape: [D, I] },
  ]);
  return [{ name: names.router, shape: [[moe.experts, config.modelType === 'qwen3_moe' ? 'num_experts' : 'num_local_experts'], D] }, ...experts.flat()];
}

/** The block's output for h (1, S, D). */
export function sparseFeedForward(h: Tensor, moe: MixtureOfExperts, names: ExpertNames, weight: (name: string) => Tensor): Tensor {
  const logits = linear(h, weight(names.router)); // (1, S, E)
  const chosen = topKMask(logits, moe.perToken);
  const kept = where(chosen, softmax(logits), h.graph.scalar(0, logits.dtype));
  const routing = moe.normalizeTopK ? div(kept, reduceSum(kept, [-1], true)) : kept;
  const S = h.shape[1];
  let out: Tensor | null = null;
  for (let e = 0; e < moe.experts; e++) {
    // each token goes to perToken experts: on average an expert gets that share of the tokens (exact in sum)
    const tokens = nonZeroIndices(reshape(slice(chosen, -1, e, e + 1), [S]), moe.perToken / moe.experts);
    const x = takeRows(h, tokens, 1); // (1, n, D): only the tokens routed to expert e
    const y = linear(swiglu(linear(x, weight(names.gate(e))), linear(x, weight(names.up(e)))), weight(names.down(e)));
    const part = putRows(mul(y, takeRows(slice(routing, -1, e, e + 1), tokens, 1)), tokens, 1, h.shape);
    out = out ? add(out, part) : part;
  }
  return out!;
}
