// Gemma 2 and 3 (Gemma2ForCausalLM, Gemma3ForCausalLM, and the language model of Gemma3ForConditionalGeneration):
// RMSNorm scaled by (1 + w), token embeddings multiplied by √hidden, four norms per layer (before and after
// attention, before and after the feed-forward block), attention scores scaled by query_pre_attn_scalar^-1/2
// and soft-capped (cap · tanh(x / cap)) where the config says, a sliding window on the layers the config
// names, GeGLU with the tanh GELU, the tied embeddings as the head, the logits soft-capped where the config
// says. Gemma 3 adds an RMSNorm (1 + w) over each head's query and key before the rotation, and rotates its
// sliding layers with a base of their own (rope_local_base_freq). Weight names as in Hugging Face's
// Gemma2ForCausalLM. S new tokens, D width.
import { add, geluTanh, linear, linearRowBlocks, mul, rmsNorm, tanh, type Tensor } from '../graph';
import { layerWindow } from '../model/config';
import { attention, causalMask, extendCache, splitHeads } from './attention';
import type { Architecture, ArchitectureBuilder } from './architecture';
import { applyRope, inverseFrequencies, ropeTables } from './rope';
import { lmHeadName, rowBlocks } from './weights';
import { decoderDimensions, type WeightShapes } from './weightShapes';

/** The tensors of Gemma2ForCausalLM and the shapes config.json implies for them. */
export const gemmaWeightShapes: WeightShapes = (c) => {
  const { D, V, I, Q, KV } = decoderDimensions(c);
  const layers = Array.from({ length: c.numLayers }, (_, i) => {
    const p = `model.layers.${i}.`;
    return [
      { name: `${p}input_layernorm.weight`, shape: [D] },
      { name: `${p}self_attn.q_proj.weight`, shape: [Q, D] },
      { name: `${p}self_attn.k_proj.weight`, shape: [KV, D] },
      { name: `${p}self_attn.v_proj.weight`, shape: [KV, D] },
      ...(c.attentionBias
        ? [
            { name: `${p}self_attn.q_proj.bias`, shape: [Q] },
            { name: `${p}self_attn.k_proj.bias`, shape: [KV] },
            { name: `${p}self_attn.v_proj.bias`, shape: [KV] },
          ]
        : []),
      ...(c.qkNorm === 'head'
        ? [
            { name: `${p}self_attn.q_norm.weight`, shape: [[c.headDim, 'head_dim'] as const] },
            { name: `${p}self_attn.k_norm.weight`, shape: [[c.headDim, 'head_dim'] as const] },
          ]
        : []),
      { name: `${p}self_attn.o_proj.weight`, shape: [D, Q] },
      { name: `${p}post_attention_layernorm.weight`, shape: [D] },
      { name: `${p}pre_feedforward_layernorm.weight`, shape: [D] },
      { name: `${p}mlp.gate_proj.weight`, shape: [I, D] },
      { name: `${p}mlp.up_proj.weight`, shape: [I, D] },
      { name: `${p}mlp.down_proj.weight`, shape: [D, I] },
      { name: `${p}post_feedforward_layernorm.weight`, shape: [D] },
    ];
  });
  return [
    { name: 'model.embed_tokens.weight', shape: [V, D] },
    ...layers.flat(),
    { name: 'model.norm.weight', shape: [D] },
    { name: 'lm_head.weight', shape: [V, D], optional: true },
  ];
};

/** cap · tanh(x / cap), or x without a cap. */
const softcap = (x: Tensor, cap: number | null) => (cap === null ? x : mul(tanh(mul(x, 1 / cap)), cap));

export const buildGemma: ArchitectureBuilder = (config, weights): Architecture => {
  const { numHeads: H, numKvHeads: Hkv, headDim: Dh, normEps: eps } = config;
  const invFreq = inverseFrequencies(Dh, config.ropeTheta, config.ropeScaling);
  const localInvFreq = config.localRope
    ? inverseFrequencies(Dh, config.localRope.theta, config.localRope.scaling)
    : invFreq;
  const w = (name: string) => weights.get(name);
  const bias = (name: string) => (config.attentionBias ? w(name) : undefined);
  // Gemma's RMSNorm scales by (1 + w): transformers stores the offsets w, a GGUF file 1 + w (normOffset 0)
  const norm = (x: Tensor, name: string) =>
    rmsNorm(x, config.normOffset === 0 ? w(name) : add(w(name), config.normOffset), eps);
  const headName = lmHeadName(config, (n) => weights.has(n), 'model.embed_tokens.weight');

  return {
    config,
    // (1, S, D), unscaled: attribution is taken against these rows
    embed: (ids) => weights.rows('model.embed_tokens.weight', ids),
    embeddingTable: 'model.embed_tokens.weight',
    logits: (hidden) => softcap(linearRowBlocks(hidden, rowBlocks(weights, headName)), config.finalLogitSoftcap),
    forward({ embeds, positions, past, keyDim }) {
      const rope = ropeTables(positions, invFreq);
      const localRope = config.localRope ? ropeTables(positions, localInvFreq) : rope; // gemma3's sliding layers
      let x = mul(embeds, Math.sqrt(config.hiddenSize)); // (1, S, D)
      const masks = new Map<number | null, Tensor>();
      const fresh = [];
      const attentionProbs = [];
      for (let i = 0; i < config.numLayers; i++) {
        const p = `model.layers.${i}.`;
        const h = norm(x, `${p}input_layernorm.weight`);
        const rotation = config.fullAttentionLayers.includes(i) ? rope : localRope;
        // gemma3: each head's query and key normalised over its Dh values, then rotated
        const headNorm = (t: Tensor, name: string) =>
          config.qkNorm === 'head' ? norm(t, `${p}self_attn.${name}.weight`) : t;
        const q = applyRope(
          headNorm(
            splitHeads(linear(h, w(`${p}self_attn.q_proj.weight`), bias(`${p}self_attn.q_proj.bias`)), H, Dh),
            'q_norm',
          ),
          rotation,
        );
        const k = applyRope(
          headNorm(
            splitHeads(linear(h, w(`${p}self_attn.k_proj.weight`), bias(`${p}self_attn.k_proj.bias`)), Hkv, Dh),
            'k_norm',
          ),
          rotation,
        );
        const v = splitHeads(linear(h, w(`${p}self_attn.v_proj.weight`), bias(`${p}self_attn.v_proj.bias`)), Hkv, Dh);
        const kv = extendCache(past?.[i], { k, v }, keyDim); // (1, Hkv, K, Dh)
        const window = layerWindow(config, i);
        if (!masks.has(window)) masks.set(window, causalMask(positions, kv.k, keyDim, window));
        const { out, probs } = attention(q, kv, masks.get(window)!, {
          heads: H,
          kvHeads: Hkv,
          headDim: Dh,
          slidingWindow: window,
          scale: config.attentionScale,
          softcap: config.attnLogitSoftcap,
        });
        x = add(x, norm(linear(out, w(`${p}self_attn.o_proj.weight`)), `${p}post_attention_layernorm.weight`));
        const h2 = norm(x, `${p}pre_feedforward_layernorm.weight`);
        const gated = mul(geluTanh(linear(h2, w(`${p}mlp.gate_proj.weight`))), linear(h2, w(`${p}mlp.up_proj.weight`)));
        x = add(x, norm(linear(gated, w(`${p}mlp.down_proj.weight`)), `${p}post_feedforward_layernorm.weight`));
        fresh.push({ k, v });
        attentionProbs.push(probs);
      }
      return { hidden: norm(x, 'model.norm.weight'), fresh, attention: attentionProbs };
    },
  };
};
