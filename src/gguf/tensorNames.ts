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
