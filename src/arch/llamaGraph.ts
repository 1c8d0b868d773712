// The Llama family (llama, mistral, qwen2, qwen3, olmo2, phi3, and the mixtures of experts mixtral and
// qwen3_moe, src/arch/moe.ts): RMSNorm, RoPE, grouped-query attention (qkv
// bias for qwen2; an RMSNorm of queries and keys before the rotation, per head for qwen3, over the whole
// projection for olmo2), SwiGLU, tied or untied LM head, sliding windows on the layers the config names,
// olmo2's norms after each sublayer instead of before, phi3's fused qkv_proj and gate_up_proj and its partial
// rotation. Weight names as in Hugging Face's LlamaForCausalLM (Phi3ForCausalLM for the fused ones).
import { add, dimOf, linear, linearRowBlocks, rmsNorm, slice, swiglu, type Tensor } from '../graph';
import { layerWindow } from '../model/config';
import { attention, causalMask, extendCache, splitHeads } from './attention';
import type { Architecture, ArchitectureBuilder } from './architecture';
import { expertNames, expertShapes, sparseFeedForward } from './moe';
import { applyRope, ropeFor } from './rope';
import { lmHeadName, rowBlocks } from './weights';
import { decoderDimensions, type WeightShapes } from './weightShapes';

/**
 * The tensors of LlamaForCausalLM (mistral, qwen2, qwen3, olmo2, phi3, mixtral, qwen3_moe) and the shapes config.json
 * implies for them.
 */
export const llamaWeightShapes: WeightShapes = (c) => {
  const { D, V, I, Q, KV } = decoderDimensions(c);
  const layers = Array.from({ length: c.numLayers }, (_, i) => {
    const p = `model.layers.${i}.`;
    const qkNorms =
      c.qkNorm === 'head'
        ? [
            { name: `${p}self_attn.q_norm.weight`, shape: [[c.headDim, 'head_dim'] as const] },
            { name: `${p}self_attn.k_norm.weight`, shape: [[c.headDim, 'head_dim'] as const] },
          ]
        : c.qkNorm === 'projection'
          ? [
              { name: `${p}self_attn.q_norm.weight`, shape: [Q] },
              { name: `${p}self_attn.k_norm.weight`, shape: [KV] },
            ]
          : [];
    const QKV = [
      c.numHeads * c.headDim + 2 * c.numKvHeads * c.headDim,
      '(num_attention_heads + 2 × num_key_value_heads) × head_dim',
    ] as const;
    const projections = c.fusedProjections
      ? [{ name: `${p}self_attn.qkv_proj.weight`, shape: [QKV, D] }]
      : [
          { name: `${p}self_attn.q_proj.weight`, shape: [Q, D] },
          { name: `${p}self_attn.k_proj.weight`, shape: [KV, D] },
          { name: `${p}self_attn.v_proj.weight`, shape: [KV, D] },
        ];
    const mlp = c.moe?.layers.includes(i)
      ? expertShapes(c, i)
      : c.fusedProjections
        ? [
            {
              name: `${p}mlp.gate_up_proj.weight`,
              shape: [[2 * c.intermediateSize, '2 × intermediate_size'] as const, D],
            },
            { name: `${p}mlp.down_proj.weight`, shape: [D, I] },
          ]
        : [
            { name: `${p}mlp.gate_proj.weight`, shape: [I, D] },
            { name: `${p}mlp.up_proj.weight`, shape: [I, D] },
            { name: `${p}mlp.down_proj.weight`, shape: [D, I] },
          ];
    return [
      ...(c.postNorms ? [] : [{ name: `${p}input_layernorm.weight`, shape: [D] }]),
      ...projections,
      ...(c.attentionBias
        ? [
            { name: `${p}self_attn.q_proj.bias`, shape: [Q] },
            { name: `${p}self_attn.k_proj.bias`, shape: [KV] },
            { name: `${p}self_attn.v_proj.bias`, shape: [KV] },
          ]
        : []),
      ...qkNorms,
      { name: `${p}self_attn.o_proj.weight`, shape: [D, Q] },
      { name: `${p}post_attention_layernorm.weight`, shape: [D] },
      ...(c.postNorms ? [{ name: `${p}post_feedforward_layernorm.weight`, shape: [D] }] : []),
      ...mlp,
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
  const { intermediateSize: I } = config;
  const w = (name: string) => weights.get(name);
  const bias = (name: string) => (config.attentionBias ? w(name) : undefined);
  const headName = lmHeadName(config, (n) => weights.has(n), 'model.embed_tokens.weight');

  /** The layer's MLP: its experts (mixtral, qwen3_moe), phi3's fused gate and up (gate first), or SwiGLU. */
  const feedForward = (h: Tensor, i: number): Tensor => {
    const p = `model.layers.${i}.mlp.`;
    if (config.moe?.layers.includes(i)) return sparseFeedForward(h, config.moe, expertNames(config.moe, i), w);
    const gateUp = config.fusedProjections ? linear(h, w(`${p}gate_up_proj.weight`)) : null; // (1, S, 2I)
    const gated = gateUp
      ? swiglu(slice(gateUp, -1, 0, I), slice(gateUp, -1, I, 2 * I))
      : swiglu(linear(h, w(`${p}gate_proj.weight`)), linear(h, w(`${p}up_proj.weight`)));
    return linear(gated, w(`${p}down_proj.weight`));
  };

  return {
    config,
    embed: (ids) => weights.rows('model.embed_tokens.weight', ids), // (1, S, D)
    embeddingTable: 'model.embed_tokens.weight',
    // one widened block of the head at a time
    logits: (hidden) => linearRowBlocks(hidden, rowBlocks(weights, headName)),
    forward({ embeds, positions, past, keyDim, ropeLength }) {
      // the sequence so far: the cached positions and the new ones (what transformers' dynamic longrope reads)
      const length = () => ropeLength ?? (past ? add(dimOf(past[0].k, 2), dimOf(embeds, 1)) : dimOf(embeds, 1));
      const rope = ropeFor(positions, config.rotaryDim, config.ropeTheta, config.ropeScaling, length);
      let x = embeds; // (1, S, D)
      const masks = new Map<number | null, Tensor>(); // one per window size
      const fresh = [];
      const attentionProbs = [];
      for (let i = 0; i < config.numLayers; i++) {
        const p = `model.layers.${i}.`;
        // olmo2 normalises each sublayer's output instead of its input
        const norm = (t: Tensor, name: string, after: boolean) =>
          config.postNorms === after ? rmsNorm(t, w(`${p}${name}.weight`), eps) : t;
        const h = norm(x, 'input_layernorm', false);
        // phi3: q, k and v side by side in one product
        // (1, S, (H + 2 Hkv) Dh)
        const qkv = config.fusedProjections ? linear(h, w(`${p}self_attn.qkv_proj.weight`)) : null;
        const project = (proj: 'q' | 'k' | 'v') => {
          if (qkv === null)
            return linear(h, w(`${p}self_attn.${proj}_proj.weight`), bias(`${p}self_attn.${proj}_proj.bias`));
          const [from, size] =
            proj === 'q' ? [0, H * Dh] : proj === 'k' ? [H * Dh, Hkv * Dh] : [(H + Hkv) * Dh, Hkv * Dh];
          return slice(qkv, -1, from, from + size);
        };
        // queries and keys: normalised over the whole projection (olmo2) or per head (qwen3), then rotated
        const qk = (proj: 'q' | 'k', heads: number) => {
          const name = `${p}self_attn.${proj}_norm.weight`;
          const projected = project(proj); // (1, S, heads*Dh)
          const split = splitHeads(
            config.qkNorm === 'projection' ? rmsNorm(projected, w(name), eps) : projected,
            heads,
            Dh,
          ); // (1, heads, S, Dh)
          return applyRope(config.qkNorm === 'head' ? rmsNorm(split, w(name), eps) : split, rope);
        };
        const q = qk('q', H);
        const k = qk('k', Hkv);
        const v = splitHeads(project('v'), Hkv, Dh);
        const kv = extendCache(past?.[i], { k, v }, keyDim); // (1, Hkv, K, Dh)
        const window = layerWindow(config, i);
        if (!masks.has(window)) masks.set(window, causalMask(positions, kv.k, keyDim, window));
        const { out, probs } = attention(q, kv, masks.get(window)!, {
          heads: H,
          kvHeads: Hkv,
          headDim: Dh,
          slidingWindow: window,
        });
        x = add(x, norm(linear(out, w(`${p}self_attn.o_proj.weight`)), 'post_attention_layernorm', true));
        const h2 = norm(x, 'post_attention_layernorm', false);
        x = add(x, norm(feedForward(h2, i), 'post_feedforward_layernorm', true));
        fresh.push({ k, v });
        attentionProbs.push(probs);
      }
      return { hidden: rmsNorm(x, w('model.norm.weight'), eps), fresh, attention: attentionProbs };
    },
  };
};
