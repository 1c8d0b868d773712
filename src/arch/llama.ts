// The Llama family (llama, mistral, qwen2, qwen3): RMSNorm, RoPE, grouped-query attention (qkv bias for
// qwen2; qwen3's RMSNorm over each head's query and key before the rotation), SwiGLU, tied or untied LM head,
// sliding windows on the layers the config names. Weight names as in Hugging Face's LlamaForCausalLM.
import { add, linear, linearRowBlocks, rmsNorm, swiglu, type Tensor } from '../graph';
import { layerWindow } from '../model/config';
import { attention, causalMask, extendCache, splitHeads } from './attention';
import type { Architecture, ArchitectureBuilder } from './architecture';
import { applyRope, inverseFrequencies, ropeTables } from './rope';
import { rowBlocks } from './weights';
import type { WeightShapes } from './weightShapes';

/** The tensors of LlamaForCausalLM (mistral, qwen2) and the shapes config.json implies for them. */
export const llamaWeightShapes: WeightShapes = (c) => {
  const D = [c.hiddenSize, 'hidden_size'] as const;
  const V = [c.vocabSize, 'vocab_size'] as const;
  const I = [c.intermediateSize, 'intermediate_size'] as const;
  const Q = [c.numHeads * c.headDim, 'num_attention_heads × head_dim'] as const;
  const KV = [c.numKvHeads * c.headDim, 'num_key_value_heads × head_dim'] as const;
  const layers = Array.from({ length: c.numLayers }, (_, i) => {
    const p = `model.layers.${i}.`;
    return [
      { name: `${p}input_layernorm.weight`, shape: [D] },
      { name: `${p}self_attn.q_proj.weight`, shape: [Q, D] },
      { name: `${p}self_attn.k_proj.weight`, shape: [KV, D] },
      { name: `${p}self_attn.v_proj.weight`, shape: [KV, D] },
      ...(c.attentionBias ? [{ name: `${p}self_attn.q_proj.bias`, shape: [Q] }, { name: `${p}self_attn.k_proj.bias`, shape: [KV] }, { name: `${p}self_attn.v_proj.bias`, shape: [KV] }] : []),
      ...(c.qkNorm ? [{ name: `${p}self_attn.q_norm.weight`, shape: [[c.headDim, 'head_dim'] as const] }, { name: `${p}self_attn.k_norm.weight`, shape: [[c.headDim, 'head_dim'] as const] }] : []),
      { name: `${p}self_attn.o_proj.weight`, shape: [D, Q] },
      { name: `${p}post_attention_layernorm.weight`, shape: [D] },
      { name: `${p}mlp.gate_proj.weight`, shape: [I, D] },
      { name: `${p}mlp.up_proj.weight`, shape: [I, D] },
      { name: `${p}mlp.down_proj.weight`, shape: [D, I] },
    ];
  });
  return [
    { name: 'model.embed_tokens.weight', shape: [V, D] },
    ...layers.flat(),
    { name: 'model.norm.weight', shape: [D] },
    { name: 'lm_head.weight', shape: [V, D], optional: c.tieWordEmbeddings },
  ];
};

export const buildLlama: ArchitectureBuilder = (config, weights): Architecture => {
  const { numHeads: H, numKvHeads: Hkv, headDim: Dh, normEps: eps } = config;
  const invFreq = inverseFrequencies(Dh, config.ropeTheta, config.ropeScaling);
  const w = (name: string) => weights.get(name);
  const bias = (name: string) => (config.attentionBias ? w(name) : undefined);
  const headName = config.tieWordEmbeddings || !weights.has('lm_head.weight') ? 'model.embed_tokens.weight' : 'lm_head.weight';

  return {
    config,
    embed: (ids) => weights.rows('model.embed_tokens.weight', ids), // (1, S, D)
    embeddingTable: 'model.embed_tokens.weight',
    logits: (hidden) => linearRowBlocks(hidden, rowBlocks(weights, headName)), // one widened block of the head at a time
    forward({ embeds, positions, past, keyDim }) {
      const rope = ropeTables(positions, invFreq);
      let x = embeds; // (1, S, D)
      const masks = new Map<number | null, Tensor>(); // one per window size
      const fresh = [];
      const attentionProbs = [];
      for (let i = 0; i < config.numLayers; i++) {
        const p = `model.layers.${i}.`;
        const h = rmsNorm(x, w(`${p}input_layernorm.weight`), eps);
        // qwen3: each head's query and key normalised over its Dh values, then rotated
        const headNorm = (t: Tensor, name: string) => (config.qkNorm ? rmsNorm(t, w(`${p}self_attn.${name}.weight`), eps) : t);
        const q = applyRope(headNorm(splitHeads(linear(h, w(`${p}self_attn.q_proj.weight`), bias(`${p}self_attn.q_proj.bias`)), H, Dh), 'q_norm'), rope);
        const k = applyRope(headNorm(splitHeads(linear(h, w(`${p}self_attn.k_proj.weight`), bias(`${p}self_attn.k_proj.bias`)), Hkv, Dh), 'k_norm'), rope);
        const v = splitHeads(linear(h, w(`${p}self_attn.v_proj.weight`), bias(`${p}self_attn.v_proj.bias`)), Hkv, Dh);
        const kv = extendCache(past?.[i], { k, v }, keyDim); // (1, Hkv, K, Dh)
        const window = layerWindow(config, i);
        if (!masks.has(window)) masks.set(window, causalMask(positions, kv.k, keyDim, window));
        const { out, probs } = attention(q, kv, masks.get(window)!, { heads: H, kvHeads: Hkv, headDim: Dh, slidingWindow: window });
        x = add(x, linear(out, w(`${p}self_attn.o_proj.weight`)));
        const h2 = rmsNorm(x, w(`${p}post_attention_layernorm.weight`), eps);
        const gated = swiglu(linear(h2, w(`${p}mlp.gate_proj.weight`)), linear(h2, w(`${p}mlp.up_proj.weight`)));
        x = add(x, linear(gated, w(`${p}mlp.down_proj.weight`)));
        fresh.push({ k, v });
        attentionProbs.push(probs);
      }
      return { hidden: rmsNorm(x, w('model.norm.weight'), eps), fresh, attention: attentionProbs };
    },
  };
};

