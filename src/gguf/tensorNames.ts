// Hugging Face tensor names to llama.cpp's, for the llama-layout families read from GGUF (llama, qwen2,
// qwen3), and the inverse of the llama converter's q/k row order. The names are those of llama.cpp's
// gguf-py tensor table (TENSOR_NAMES, TensorNameMap); the weights' values are unchanged by the converter
// apart from the q/k rows of llama-architecture files.

const LAYER: ReadonlyArray<readonly [RegExp, string]> = [
  [/^input_layernorm\.weight$/, 'attn_norm.weight'],
  [/^post_attention_layernorm\.weight$/, 'ffn_norm.weight'],
  [/^self_attn\.([qkv])_proj\.(weight|bias)$/, 'attn_$1.$2'],
  [/^self_attn\.o_proj\.weight$/, 'attn_output.weight'],
  [/^self_attn\.([qk])_norm\.weight$/, 'attn_$1_norm.weight'],
  [/^mlp\.(gate|up|down)_proj\.weight$/, 'ffn_$1.weight'],
];

/** The GGUF name of a Hugging Face tensor name (with or without the "model." prefix), if it has one. */
export function ggufTensorName(hfName: string): string | undefined {
  const name = hfName.replace(/^model\./, '');
  if (name === 'embed_tokens.weight') return 'token_embd.weight';
  if (name === 'norm.weight') return 'output_norm.weight';
  if (name === 'lm_head.weight') return 'output.weight';
  const layer = /^layers\.(\d+)\.(.+)$/.exec(name);
  if (!layer) return undefined;
  for (const [pattern, replacement] of LAYER) if (pattern.test(layer[2])) return `blk.${layer[1]}.${layer[2].replace(pattern, replacement)}`;
  return undefined;
}

const LAYER_BACK: ReadonlyArray<readonly [RegExp, string]> = [
  [/^attn_norm\.weight$/, 'input_layernorm.weight'],
  [/^ffn_norm\.weight$/, 'post_attention_layernorm.weight'],
  [/^attn_([qkv])\.(weight|bias)$/, 'self_attn.$1_proj.$2'],
  [/^attn_output\.weight$/, 'self_attn.o_proj.weight'],
  [/^attn_([qk])_norm\.weight$/, 'self_attn.$1_norm.weight'],
  [/^ffn_(gate|up|down)\.weight$/, 'mlp.$1_proj.weight'],
];

/** The Hugging Face name (with the "model." prefix where transformers has it) of a GGUF tensor, if it has one. */
export function hfTensorName(ggufName: string): string | undefined {
  if (ggufName === 'token_embd.weight') return 'model.embed_tokens.weight';
  if (ggufName === 'output_norm.weight') return 'model.norm.weight';
  if (ggufName === 'output.weight') return 'lm_head.weight';
  const layer = /^blk\.(\d+)\.(.+)$/.exec(ggufName);
  if (!layer) return undefined;
  for (const [pattern, replacement] of LAYER_BACK) if (pattern.test(layer[2])) return `model.layers.${layer[1]}.${layer[2].replace(pattern, replacement)}`;
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
  if (!Number.isInteger(d) || d % 2 !== 0) throw new Error(`unpermutedRows: ${rows} rows in ${heads} heads is not an even head size`);
  const order = new Int32Array(rows);
  for (let h = 0; h < heads; h++) {
    for (let s = 0; s < 2; s++) for (let i = 0; i < d / 2; i++) order[h * d + s * (d / 2) + i] = h * d + 2 * i + s;
  }
  return order;
}
