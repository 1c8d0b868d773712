// Hugging Face tensor names to llama.cpp's, per family, and the inverse of the llama converter's q/k row
// order. The names are those of llama.cpp's gguf-py tensor table (TENSOR_NAMES, TensorNameMap) as each
// family's converter applies it; the weights' values are unchanged by the converters apart from the q/k rows
// of llama-architecture files and Gemma's norms (stored as 1 + w, ggufConfig.ts).

/** Where a family's tensors sit in a GGUF file: the per-layer names, and the experts of a mixture. */
export interface TensorNaming {
  /** [GGUF name after "blk.N.", Hugging Face name after "model.layers.N."] */
  readonly layer: readonly (readonly [string, string])[];
  /** A mixture's experts: their Hugging Face block ("mlp", "block_sparse_moe") and projection names. */
  readonly experts: {
    readonly block: string;
    readonly gate: string;
    readonly up: string;
    readonly down: string;
  } | null;
}

const ATTENTION: readonly (readonly [string, string])[] = [
  ['attn_q.weight', 'self_attn.q_proj.weight'],
  ['attn_k.weight', 'self_attn.k_proj.weight'],
  ['attn_v.weight', 'self_attn.v_proj.weight'],
  ['attn_q.bias', 'self_attn.q_proj.bias'],
  ['attn_k.bias', 'self_attn.k_proj.bias'],
  ['attn_v.bias', 'self_attn.v_proj.bias'],
  ['attn_output.weight', 'self_attn.o_proj.weight'],
  ['attn_q_norm.weight', 'self_attn.q_norm.weight'],
  ['attn_k_norm.weight', 'self_attn.k_norm.weight'],
];
const MLP: readonly (readonly [string, string])[] = [
  ['ffn_gate.weight', 'mlp.gate_proj.weight'],
  ['ffn_up.weight', 'mlp.up_proj.weight'],
  ['ffn_down.weight', 'mlp.down_proj.weight'],
];
const PRE_NORMS: readonly (readonly [string, string])[] = [
  ['attn_norm.weight', 'input_layernorm.weight'],
  ['ffn_norm.weight', 'post_attention_layernorm.weight'],
];
// gemma2/3 and olmo2: a norm after each sublayer (for gemma, ffn_norm is the one before the MLP)
const POST_NORMS: readonly (readonly [string, string])[] = [
  ['post_attention_norm.weight', 'post_attention_layernorm.weight'],
  ['post_ffw_norm.weight', 'post_feedforward_layernorm.weight'],
];

const LLAMA: TensorNaming = { layer: [...PRE_NORMS, ...ATTENTION, ...MLP], experts: null };

/** The naming of the family with this Hugging Face model_type (one that ggufConfig.ts produces). */
export function tensorNaming(modelType: string): TensorNaming {
  switch (modelType) {
    case 'gemma2':
    case 'gemma3_text':
      return {
        layer: [
          ['attn_norm.weight', 'input_layernorm.weight'],
          ['ffn_norm.weight', 'pre_feedforward_layernorm.weight'],
          ...POST_NORMS,
          ...ATTENTION,
          ...MLP,
        ],
        experts: null,
      };
    case 'olmo2':
      return { layer: [...POST_NORMS, ...ATTENTION, ...MLP], experts: null };
    case 'phi3':
      // Phi-3's fused projections keep their rows: q, k, v in attn_qkv; gate then up in ffn_up
      return {
        layer: [
          ...PRE_NORMS,
          ['attn_qkv.weight', 'self_attn.qkv_proj.weight'],
          ['attn_output.weight', 'self_attn.o_proj.weight'],
          ['ffn_up.weight', 'mlp.gate_up_proj.weight'],
          ['ffn_down.weight', 'mlp.down_proj.weight'],
        ],
        experts: null,
      };
    case 'mixtral':
      return {
        layer: [...PRE_NORMS, ...ATTENTION, ['ffn_gate_inp.weight', 'block_sparse_moe.gate.weight']],
        experts: { block: 'block_sparse_moe', gate: 'w1', up: 'w3', down: 'w2' },
      };
    case 'qwen3_moe':
      return {
        layer: [...PRE_NORMS, ...ATTENTION, ['ffn_gate_inp.weight', 'mlp.gate.weight'], ...MLP],
        experts: { block: 'mlp', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' },
      };
    default:
      return LLAMA;
  }
}

const GLOBAL: readonly (readonly [string, string])[] = [
  ['token_embd.weight', 'model.embed_tokens.weight'],
  ['output_norm.weight', 'model.norm.weight'],
  ['output.weight', 'lm_head.weight'],
];

/** The GGUF name of a Hugging Face tensor name (with or without the "model." prefix), if it has one. */
export function ggufTensorName(hfName: string, naming: TensorNaming = LLAMA): string | undefined {
  const name = hfName.startsWith('model.') ? hfName : hfName === 'lm_head.weight' ? hfName : `model.${hfName}`;
  for (const [gguf, hf] of GLOBAL) if (hf === name) return gguf;
  const layer = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
  if (!layer) return undefined;
  const [, i, rest] = layer;
  for (const [gguf, hf] of naming.layer) if (hf === rest) return `blk.${i}.${gguf}`;
  const e = naming.experts;
  const expert = e
    ? new RegExp(`^${e.block}\\.experts\\.(\\d+)\\.(${e.gate}|${e.up}|${e.down})\\.weight$`).exec(rest)
    : null;
  if (e && expert) {
    const which = expert[2] === e.gate ? 'gate' : expert[2] === e.up ? 'up' : 'down';
    return `blk.${i}.ffn_${which}_exps.weight`;
  }
  return undefined;
}

/**
 * The Hugging Face name (with the "model." prefix where transformers has it) of a GGUF tensor, if it has one:
 * for a mixture's stacked experts (blk.N.ffn_gate_exps.weight, one [out, in] matrix per expert), a function
 * of the expert; for the per-expert tensors of early Mixtral files (blk.N.ffn_gate.E.weight), that expert's.
 */
export function hfTensorName(
  ggufName: string,
  naming: TensorNaming = LLAMA,
): string | ((expert: number) => string) | undefined {
  for (const [gguf, hf] of GLOBAL) if (gguf === ggufName) return hf;
  const layer = /^blk\.(\d+)\.(.+)$/.exec(ggufName);
  if (!layer) return undefined;
  const [, i, rest] = layer;
  for (const [gguf, hf] of naming.layer) if (gguf === rest) return `model.layers.${i}.${hf}`;
  const e = naming.experts;
  if (!e) return undefined;
  const projection = (which: string) => (which === 'gate' ? e.gate : which === 'up' ? e.up : e.down);
  const stacked = /^ffn_(gate|up|down)_exps\.weight$/.exec(rest);
  if (stacked)
    return (expert: number) => `model.layers.${i}.${e.block}.experts.${expert}.${projection(stacked[1])}.weight`;
  const single = /^ffn_(gate|up|down)\.(\d+)\.weight$/.exec(rest);
  if (single) return `model.layers.${i}.${e.block}.experts.${single[2]}.${projection(single[1])}.weight`;
  return undefined;
}

/**
 * For each Hugging Face row of a q or k projection (or its bias) of `rows` rows in `heads` heads, the row of
 * the GGUF tensor that holds it. The llama converter stores HF row h·d + s·d/2 + i (d the head size, i < d/2,
 * s ∈ {0, 1}) as row h·d + 2i + s, so that llama.cpp's rotation of adjacent pairs equals Hugging Face's
 * rotation of halves.
 */
export function unpermutedRows(rows: number, heads: number): Int32Array {
  const d = rows / heads;
  if (!Number.isInteger(d) || d % 2 !== 0)
    throw new Error(`unpermutedRows: ${rows} rows in ${heads} heads is not an even head size`);
  const order = new Int32Array(rows);
  for (let h = 0; h < heads; h++) {
    for (let s = 0; s < 2; s++) for (let i = 0; i < d / 2; i++) order[h * d + s * (d / 2) + i] = h * d + 2 * i + s;
  }
  return order;
}
