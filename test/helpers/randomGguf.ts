// Writes a small random model as a GGUF file, as llama.cpp's converter lays one out: llama.cpp's tensor names,
// each weight quantized by ggml itself (ggml_quantize_chunk) in the type asked for, the q/k rows of "llama"
// files interleaved per head, a tied head as a missing output.weight, a byte-level BPE vocabulary (the 256 byte
// tokens of GPT-2's alphabet, a few merges, control tokens). Returns the model's config (from the equivalent
// config.json) and its weights as the file holds them, dequantized by ggml and in Hugging Face's names and row
// order: the float64 reference runs on exactly these values.
import { parseConfig } from '../../src/arch';
import type { ModelConfig } from '../../src/model/config';
import { ggmlTypeByName } from '../../src/model/ggmlTypes';
import { ggufTensorName } from '../../src/gguf/tensorNames';
import { ggmlDequantize, ggmlQuantize } from './ggmlReference';
import { f32Bytes, gv, writeGguf, type GgufTensorSpec, type GgufValue } from './ggufWriter';
import { gaussian, mulberry32 } from './prng';
import { byteToUnicode } from './tokenizerJson';

export interface RandomGgufOptions {
  readonly arch: 'llama' | 'qwen2' | 'qwen3';
  readonly hiddenSize?: number; // default 256 (a K-quant row is 256 values)
  readonly numLayers?: number; // default 2
  readonly numHeads?: number; // default 4
  readonly numKvHeads?: number; // default 2
  readonly headDim?: number; // qwen3: explicit; default hidden / heads
  readonly intermediateSize?: number; // default 512
  readonly tie?: boolean;
  /**
   * ggml type name of each weight, by the end of its Hugging Face name ("q_proj.weight", "embed_tokens.weight",
   * "lm_head.weight", ...); default Q8_0 for matrices, F32 for 1-D.
   */
  readonly types?: Readonly<Record<string, string>>;
  readonly seed?: number;
  readonly chatTemplate?: string;
  /** general.name (llama.cpp sets some tokens' attributes by it); default "random <arch>". */
  readonly name?: string;
  /** rope_freqs.weight: a divisor per rotated frequency (Llama 3.1's llama3 scaling, as the converter writes it). */
  readonly ropeFactors?: readonly number[];
  /** A real vocabulary (test/helpers/realVocabulary.ts) with its pre-tokenizer, instead of the tiny byte one. */
  readonly vocabulary?: {
    readonly tokens: string[];
    readonly types: number[];
    readonly merges: string[];
    readonly pre: string;
    readonly bos?: number;
    readonly addBos: boolean;
    readonly model?: 'gpt2' | 'llama';
    readonly scores?: number[];
    readonly unk?: number;
    readonly eos?: number;
    readonly addSpacePrefix?: boolean;
  };
}

export interface RandomGguf {
  readonly config: ModelConfig;
  /** Hugging Face name -> the values the file holds, dequantized by ggml, in Hugging Face's row order. */
  readonly weights: ReadonlyMap<string, Float64Array>;
  /** ggml type name of each GGUF tensor. */
  readonly types: ReadonlyMap<string, string>;
  readonly tokens: readonly string[];
}

/** GPT-2's byte-to-character table (the test tokenizers' own). */
export const byteAlphabet = byteToUnicode;

// The converter's permutation is written here from its definition (reshape (heads, 2, d/2) and swap the two
// inner axes), apart from src/gguf's inverse, so that the float64 reference does not share the reader's mapping.
/**
 * The llama converter's q/k order (llama.py permute): HF row h·d + s·d/2 + i is stored at row h·d + 2i + s, for
 * a weight [rows, cols] or a bias [rows]; `inverse` takes the stored order back to Hugging Face's.
 */
export function permuteQueryKeyRows(values: Float32Array, rows: number, heads: number, inverse: boolean): Float32Array {
  const cols = values.length / rows;
  const d = rows / heads;
  const out = new Float32Array(values.length);
  for (let h = 0; h < heads; h++) {
    for (let s = 0; s < 2; s++) {
      for (let i = 0; i < d / 2; i++) {
        const hfRow = h * d + s * (d / 2) + i;
        const fileRow = h * d + 2 * i + s;
        const [from, to] = inverse ? [fileRow, hfRow] : [hfRow, fileRow];
        out.set(values.subarray(from * cols, (from + 1) * cols), to * cols);
      }
    }
  }
  return out;
}

export function writeRandomGguf(path: string, o: RandomGgufOptions): RandomGguf {
  const D = o.hiddenSize ?? 256;
  const L = o.numLayers ?? 2;
  const H = o.numHeads ?? 4;
  const Hkv = o.numKvHeads ?? 2;
  const Dh = o.headDim ?? D / H;
  const F = o.intermediateSize ?? 512;
  const alphabet = byteAlphabet();
  const tinyMerges = ['Ġ t', 'Ġ a', 'h e', 'i n', 'Ġt he', 'e r'];
  const merges = o.vocabulary?.merges ?? tinyMerges;
  const tokens = o.vocabulary?.tokens ?? [
    ...alphabet,
    ...tinyMerges.map((m) => m.replace(' ', '')),
    '<|bos|>',
    '<|eot|>',
    '<|user|>',
  ];
  const V = tokens.length;
  const types = o.vocabulary?.types ?? new Array(V).fill(1);
  if (!o.vocabulary) {
    types[V - 3] = 3;
    types[V - 2] = 3;
    types[V - 1] = 3;
  }
  const bos = o.vocabulary ? o.vocabulary.bos : V - 3;
  const addBos = o.vocabulary ? o.vocabulary.addBos : o.arch === 'llama';
  const draw = gaussian(mulberry32(o.seed ?? 1));
  const shapes = new Map<string, number[]>();
  shapes.set('model.embed_tokens.weight', [V, D]);
  if (!o.tie) shapes.set('lm_head.weight', [V, D]);
  shapes.set('model.norm.weight', [D]);
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}.`;
    shapes.set(`${p}input_layernorm.weight`, [D]);
    shapes.set(`${p}post_attention_layernorm.weight`, [D]);
    shapes.set(`${p}self_attn.q_proj.weight`, [H * Dh, D]);
    shapes.set(`${p}self_attn.k_proj.weight`, [Hkv * Dh, D]);
    shapes.set(`${p}self_attn.v_proj.weight`, [Hkv * Dh, D]);
    shapes.set(`${p}self_attn.o_proj.weight`, [D, H * Dh]);
    if (o.arch === 'qwen2')
      for (const x of ['q', 'k', 'v']) shapes.set(`${p}self_attn.${x}_proj.bias`, [(x === 'q' ? H : Hkv) * Dh]);
    if (o.arch === 'qwen3') for (const x of ['q', 'k']) shapes.set(`${p}self_attn.${x}_norm.weight`, [Dh]);
    shapes.set(`${p}mlp.gate_proj.weight`, [F, D]);
    shapes.set(`${p}mlp.up_proj.weight`, [F, D]);
    shapes.set(`${p}mlp.down_proj.weight`, [D, F]);
  }
  const tensors: GgufTensorSpec[] = [];
  const weights = new Map<string, Float64Array>();
  const typeOf = new Map<string, string>();
  for (const [name, shape] of shapes) {
    const count = shape.reduce((a, b) => a * b, 1);
    const isNorm = shape.length === 1 && name.endsWith('norm.weight');
    const scale = isNorm ? 0.1 : shape.length === 1 ? 0.05 : 1 / Math.sqrt(shape[1]);
    let values: Float32Array = Float32Array.from({ length: count }, () => (isNorm ? 1 : 0) + scale * draw());
    const suffix = Object.keys(o.types ?? {}).find((s) => name.endsWith(s));
    const typeName = (suffix && o.types![suffix]) || (shape.length === 1 ? 'F32' : 'Q8_0');
    const type = ggmlTypeByName(typeName);
    if (!type) throw new Error(`randomGguf: type ${typeName}`);
    const rows = shape.length === 1 ? 1 : shape[0];
    const cols = count / rows;
    const heads =
      o.arch === 'llama' && /self_attn\.q_proj/.test(name)
        ? H
        : o.arch === 'llama' && /self_attn\.k_proj/.test(name)
          ? Hkv
          : 0;
    if (heads > 0) values = permuteQueryKeyRows(values, shape[0], heads, false);
    const data = type.name === 'F32' ? f32Bytes(values) : ggmlQuantize(type.id, values, rows, cols);
    const held = type.name === 'F32' ? values : ggmlDequantize(type.id, data, count);
    const hfOrder = heads > 0 ? permuteQueryKeyRows(held, shape[0], heads, true) : held;
    weights.set(name, Float64Array.from(hfOrder));
    const ggufName = ggufTensorName(name)!;
    typeOf.set(ggufName, type.name);
    tensors.push({ name: ggufName, ne: [...shape].reverse(), type: type.id, data });
  }
  const a = o.arch;
  const metadata: Record<string, GgufValue> = {
    'general.architecture': gv.str(a),
    'general.name': gv.str(o.name ?? `random ${a}`),
    [`${a}.block_count`]: gv.u32(L),
    [`${a}.embedding_length`]: gv.u32(D),
    [`${a}.feed_forward_length`]: gv.u32(F),
    [`${a}.attention.head_count`]: gv.u32(H),
    [`${a}.attention.head_count_kv`]: gv.u32(Hkv),
    [`${a}.attention.layer_norm_rms_epsilon`]: gv.f32(1e-5),
    [`${a}.rope.freq_base`]: gv.f32(10000),
    [`${a}.context_length`]: gv.u32(256),
    ...(o.headDim ? { [`${a}.attention.key_length`]: gv.u32(Dh), [`${a}.attention.value_length`]: gv.u32(Dh) } : {}),
    'tokenizer.ggml.model': gv.str(o.vocabulary?.model ?? 'gpt2'),
    ...(o.vocabulary?.model === 'llama'
      ? {
          'tokenizer.ggml.scores': gv.f32s(o.vocabulary.scores ?? []),
          'tokenizer.ggml.unknown_token_id': gv.u32(o.vocabulary.unk ?? 0),
          'tokenizer.ggml.eos_token_id': gv.u32(o.vocabulary.eos ?? 2),
          ...(o.vocabulary.addSpacePrefix === false ? { 'tokenizer.ggml.add_space_prefix': gv.bool(false) } : {}),
        }
      : {
          'tokenizer.ggml.pre': gv.str(o.vocabulary?.pre ?? (a === 'llama' ? 'llama-bpe' : 'qwen2')),
          'tokenizer.ggml.merges': gv.strings(merges),
        }),
    'tokenizer.ggml.tokens': gv.strings(tokens),
    'tokenizer.ggml.token_type': gv.i32s(types),
    ...(bos !== undefined ? { 'tokenizer.ggml.bos_token_id': gv.u32(bos) } : {}),
    ...(o.vocabulary ? {} : { 'tokenizer.ggml.eos_token_id': gv.u32(V - 2) }),
    'tokenizer.ggml.add_bos_token': gv.bool(addBos),
    ...(o.chatTemplate ? { 'tokenizer.chat_template': gv.str(o.chatTemplate) } : {}),
  };
  if (o.ropeFactors)
    tensors.push({
      name: 'rope_freqs.weight',
      ne: [o.ropeFactors.length],
      type: 0,
      data: f32Bytes(Float32Array.from(o.ropeFactors)),
    });
  writeGguf(path, metadata, tensors);
  const config = parseConfig({
    model_type: a,
    architectures: [`${a} (GGUF)`],
    num_hidden_layers: L,
    hidden_size: D,
    intermediate_size: F,
    num_attention_heads: H,
    num_key_value_heads: Hkv,
    ...(o.headDim ? { head_dim: Dh } : {}),
    rms_norm_eps: Math.fround(1e-5),
    rope_theta: 10000,
    max_position_embeddings: 256,
    vocab_size: V,
    tie_word_embeddings: o.tie === true,
    ...(a === 'qwen2' ? {} : { attention_bias: false }),
    ...(bos !== undefined ? { bos_token_id: bos } : {}),
    ...(o.vocabulary ? {} : { eos_token_id: [V - 2] }),
  });
  if (!config.ok) throw new Error(config.error.message);
  const withFactors = o.ropeFactors
    ? {
        ...config.value,
        ropeScaling: { type: 'frequencyFactors' as const, factors: Array.from(Float32Array.from(o.ropeFactors)) },
      }
    : config.value;
  return { config: withFactors, weights, types: typeOf, tokens };
}
