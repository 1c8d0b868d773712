// The mixture-of-experts feed-forward block of mixtral and qwen3_moe, as their sparse MoE blocks compute it:
// router logits, softmax over all experts, the top perToken of them per token (renormalised where
// normalizeTopK), and each expert's SwiGLU run only on the tokens routed to it, its output weighted by the
// token's routing weight and added back at the token's place. Gradients flow through the routing weights and
// the routed rows, not through which experts were chosen (as PyTorch's autograd through torch.topk).
import {
  add,
  div,
  linear,
  mul,
  nonZeroIndices,
  putRows,
  reduceSum,
  reshape,
  slice,
  softmax,
  swiglu,
  takeRows,
  topKMask,
  where,
  type Tensor,
} from '../graph';
import { ok, type Result } from '../lensError';
import { badConfig, num, requirePositive, type Json, type MixtureOfExperts, type ModelConfig } from '../model/config';
import type { Dimension, ExpectedTensor } from './weightShapes';

/** Where a layer's router and experts are stored, by Hugging Face name. */
export interface ExpertNames {
  readonly router: string;
  gate(expert: number): string;
  up(expert: number): string;
  down(expert: number): string;
}

/** Layer `layer`'s router and experts, under the names the family's MixtureOfExperts.tensors gives. */
export function expertNames(moe: MixtureOfExperts, layer: number): ExpertNames {
  const p = `model.layers.${layer}.${moe.tensors.block}.`;
  const t = moe.tensors;
  return {
    router: `${p}gate.weight`,
    gate: (e) => `${p}experts.${e}.${t.gate}.weight`,
    up: (e) => `${p}experts.${e}.${t.up}.weight`,
    down: (e) => `${p}experts.${e}.${t.down}.weight`,
  };
}

/** The router's and every expert's tensors with the shapes config.json implies. */
export function expertShapes(config: ModelConfig, layer: number): ExpectedTensor[] {
  const moe = config.moe!;
  const names = expertNames(moe, layer);
  const D: Dimension = [config.hiddenSize, 'hidden_size'];
  const I: Dimension = [moe.intermediateSize, moe.fields.width];
  const experts = Array.from({ length: moe.experts }, (_, e) => [
    { name: names.gate(e), shape: [I, D] },
    { name: names.up(e), shape: [I, D] },
    { name: names.down(e), shape: [D, I] },
  ]);
  return [{ name: names.router, shape: [[moe.experts, moe.fields.experts], D] }, ...experts.flat()];
}

/** How a family's config.json describes its experts (its configuration file's keys and defaults). */
export interface ExpertsSpec {
  /** The expert count's key, another key transformers also reads for it, and its default. */
  readonly count: { readonly key: string; readonly alias?: string; readonly fallback: number };
  readonly perTokenFallback: number;
  /** Each expert's width: its own key (and default), or intermediate_size. */
  readonly width: { readonly key: string; readonly fallback: number } | 'intermediate_size';
  /** The chosen experts' weights renormalised to sum 1: always, or as norm_topk_prob says (default false). */
  readonly normalize: 'always' | 'norm_topk_prob';
  /** Dense layers by mlp_only_layers and decoder_sparse_step (qwen3_moe); without, every layer has experts. */
  readonly denseLayers: boolean;
  readonly tensors: MixtureOfExperts['tensors'];
}

/** The reader of a family's experts from its config.json (LlamaOptions.experts). */
export function readExperts(
  spec: ExpertsSpec,
): (cfg: Json, layers: number, intermediateSize: number) => Result<MixtureOfExperts> {
  return (cfg, layers, intermediateSize) => {
    const count =
      num(cfg, spec.count.key) ?? (spec.count.alias ? num(cfg, spec.count.alias) : undefined) ?? spec.count.fallback;
    const widthKey = spec.width === 'intermediate_size' ? 'intermediate_size' : spec.width.key;
    const sizes = requirePositive({
      [spec.count.key]: count,
      num_experts_per_tok: num(cfg, 'num_experts_per_tok', spec.perTokenFallback),
      [widthKey]: spec.width === 'intermediate_size' ? intermediateSize : num(cfg, spec.width.key, spec.width.fallback),
      ...(spec.denseLayers ? { decoder_sparse_step: num(cfg, 'decoder_sparse_step', 1) } : {}),
    });
    if (!sizes.ok) return sizes;
    const s = sizes.value;
    const experts = s[spec.count.key];
    if (s.num_experts_per_tok > experts)
      return badConfig(`num_experts_per_tok ${s.num_experts_per_tok} is more than the ${experts} experts`);
    const dense = spec.denseLayers ? (cfg.mlp_only_layers ?? []) : [];
    if (!Array.isArray(dense) || !dense.every((i) => Number.isInteger(i)))
      return badConfig('"mlp_only_layers" must be a list of layer indices');
    const step = spec.denseLayers ? s.decoder_sparse_step : 1;
    const sparse = Array.from({ length: layers }, (_, i) => i).filter(
      (i) => !dense.includes(i) && (i + 1) % step === 0,
    );
    return ok({
      experts,
      perToken: s.num_experts_per_tok,
      intermediateSize: s[widthKey],
      normalizeTopK: spec.normalize === 'always' || cfg.norm_topk_prob === true,
      layers: sparse,
      tensors: spec.tensors,
      fields: { experts: spec.count.key, width: widthKey },
    });
  };
}

/** The block's output for h (1, S, D). */
export function sparseFeedForward(
  h: Tensor,
  moe: MixtureOfExperts,
  names: ExpertNames,
  weight: (name: string) => Tensor,
): Tensor {
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
