// GPT-2: learned positions, pre-LayerNorm blocks, fused qkv in Conv1D layout ([in, out], y = x W + b),
// gelu_new MLP, LM head tied to the token embeddings. Weight names as in Hugging Face's GPT2Model.
import { add, gather, geluErf, geluTanh, layerNorm, linearRowBlocks, matmul, slice, type Tensor } from '../graph';
import { attention, causalMask, extendCache, splitHeads } from './attention';
import type { Architecture, ArchitectureBuilder } from './architecture';
import { lmHeadName, rowBlocks } from './weights';
import type { WeightShapes } from './weightShapes';

/** The tensors of GPT2LMHeadModel (Conv1D weights stored [in, out]) and the shapes config.json implies. */
export const gpt2WeightShapes: WeightShapes = (c) => {
  const D = [c.hiddenSize, 'n_embd'] as const;
  const V = [c.vocabSize, 'vocab_size'] as const;
  const I = [c.intermediateSize, 'n_inner (default 4 × n_embd)'] as const;
  const layerNorm = (name: string) => [
    { name: `${name}.weight`, shape: [D] },
    { name: `${name}.bias`, shape: [D] },
  ];
  const conv1d = (name: string, inputs: readonly [number, string], outputs: readonly [number, string]) => [
    { name: `${name}.weight`, shape: [inputs, outputs] },
    { name: `${name}.bias`, shape: [outputs] },
  ];
  const layers = Array.from({ length: c.numLayers }, (_, i) => {
    const p = `h.${i}.`;
    return [
      ...layerNorm(`${p}ln_1`),
      ...conv1d(`${p}attn.c_attn`, D, [3 * c.hiddenSize, '3 × n_embd']),
      ...conv1d(`${p}attn.c_proj`, D, D),
      ...layerNorm(`${p}ln_2`),
      ...conv1d(`${p}mlp.c_fc`, D, I),
      ...conv1d(`${p}mlp.c_proj`, I, D),
    ];
  });
  return [
    { name: 'wte.weight', shape: [V, D] },
    { name: 'wpe.weight', shape: [[c.maxPositions, 'n_positions'], D] },
    ...layers.flat(),
    ...layerNorm('ln_f'),
    { name: 'lm_head.weight', shape: [V, D], optional: true },
  ];
};

export const buildGpt2: ArchitectureBuilder = (config, weights): Architecture => {
  const { hiddenSize: D, numHeads: H, headDim: Dh, normEps: eps } = config;
  const w = (name: string) => weights.get(name);
  const conv1d = (x: Tensor, prefix: string) => add(matmul(x, w(`${prefix}.weight`)), w(`${prefix}.bias`));
  const ln = (x: Tensor, prefix: string) => layerNorm(x, w(`${prefix}.weight`), w(`${prefix}.bias`), eps);
  const gelu = config.hiddenAct === 'gelu' ? geluErf : geluTanh;

  return {
    config,
    embed: (ids) => weights.rows('wte.weight', ids),
    embeddingTable: 'wte.weight',
    logits: (hidden) =>
      linearRowBlocks(
        hidden,
        rowBlocks(
          weights,
          lmHeadName(config, (n) => weights.has(n), 'wte.weight'),
        ),
      ), // one widened block at a time
    forward({ embeds, positions, past, keyDim }) {
      let x = add(embeds, gather(w('wpe.weight'), positions)); // (1, S, D) + (S, D)
      let mask;
      const fresh = [];
      const attentionProbs = [];
      for (let i = 0; i < config.numLayers; i++) {
        const p = `h.${i}.`;
        const qkv = conv1d(ln(x, `${p}ln_1`), `${p}attn.c_attn`); // (1, S, 3D)
        const q = splitHeads(slice(qkv, -1, 0, D), H, Dh);
        const k = splitHeads(slice(qkv, -1, D, 2 * D), H, Dh);
        const v = splitHeads(slice(qkv, -1, 2 * D, 3 * D), H, Dh);
        const kv = extendCache(past?.[i], { k, v }, keyDim);
        mask ??= causalMask(positions, kv.k, keyDim, null);
        const { out, probs } = attention(q, kv, mask, { heads: H, kvHeads: H, headDim: Dh, slidingWindow: null });
        x = add(x, conv1d(out, `${p}attn.c_proj`));
        x = add(x, conv1d(gelu(conv1d(ln(x, `${p}ln_2`), `${p}mlp.c_fc`)), `${p}mlp.c_proj`));
        fresh.push({ k, v });
        attentionProbs.push(probs);
      }
      return { hidden: ln(x, 'ln_f'), fresh, attention: attentionProbs };
    },
  };
};
