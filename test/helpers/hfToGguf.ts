// Converts a random Hugging Face checkpoint (test/helpers/randomCheckpoint.ts) to a GGUF file as llama.cpp's
// converter (convert_hf_to_gguf.py and its conversion/ package) does for the family: its architecture name
// and keys, llama.cpp's tensor names, the q/k rows of llama-architecture files interleaved per head, Gemma's
// norms stored as 1 + w, a mixture's experts stacked into one tensor per projection, Phi-3's LongRoPE factors
// as tensors, the byte-level vocabulary as tokens and merges. Each weight is quantized by ggml itself in the
// type asked for. The names and transforms are written here from the converter's definitions, apart from
// src/gguf's, so that a reader that gets them wrong disagrees with llama.cpp and with the float64 reference.
//
// Returns the file's values dequantized by ggml, under their Hugging Face names and in Hugging Face's row
// order (Gemma's norms as the file holds them, 1 + w), and the ModelConfig the file implies for a reader
// that runs it as llama.cpp does (Gemma's norm offset already in the weights; Phi-3 without its window).
import { readFileSync } from 'node:fs';
import { ggmlTypeByName } from '../../src/model/ggmlTypes';
import type { ModelConfig } from '../../src/model/config';
import { ggmlDequantize, ggmlQuantize } from './ggmlReference';
import { f32Bytes, gv, writeGguf, type GgufTensorSpec, type GgufValue } from './ggufWriter';
import type { RandomCheckpoint } from './randomCheckpoint';
import { permuteQueryKeyRows } from './randomGguf';

export interface HfToGgufOptions {
  /** ggml type name of each weight by the end of its Hugging Face name; default F32. 1-D tensors stay F32. */
  readonly types?: Readonly<Record<string, string>>;
}

export interface ConvertedGguf {
  readonly arch: string;
  readonly weights: ReadonlyMap<string, Float64Array>;
  readonly config: ModelConfig;
}

const ARCH: Readonly<Record<string, string>> = {
  llama: 'llama',
  mistral: 'llama',
  mixtral: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  qwen3_moe: 'qwen3moe',
  gemma2: 'gemma2',
  gemma3_text: 'gemma3',
  phi3: 'phi3',
  olmo2: 'olmo2',
};

/** llama.cpp's name of a Hugging Face tensor (TensorNameMap), or of the stacked tensor an expert goes into. */
function ggufName(family: string, hf: string): { name: string; expert?: number } {
  const global: Record<string, string> = {
    'model.embed_tokens.weight': 'token_embd.weight',
    'model.norm.weight': 'output_norm.weight',
    'lm_head.weight': 'output.weight',
  };
  if (global[hf]) return { name: global[hf] };
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hf);
  if (!m) throw new Error(`hfToGguf: no GGUF name for ${hf}`);
  const [, l, rest] = m;
  const postNorms = family.startsWith('gemma') || family === 'olmo2';
  const expert = /^(?:mlp|block_sparse_moe)\.experts\.(\d+)\.(\w+)\.weight$/.exec(rest);
  if (expert) {
    const which = { w1: 'gate', gate_proj: 'gate', w3: 'up', up_proj: 'up', w2: 'down', down_proj: 'down' }[expert[2]];
    return { name: `blk.${l}.ffn_${which}_exps.weight`, expert: Number(expert[1]) };
  }
  const table: [RegExp, string][] = [
    [/^input_layernorm\.weight$/, 'attn_norm.weight'],
    [/^post_attention_layernorm\.weight$/, postNorms ? 'post_attention_norm.weight' : 'ffn_norm.weight'],
    [/^pre_feedforward_layernorm\.weight$/, 'ffn_norm.weight'],
    [/^post_feedforward_layernorm\.weight$/, 'post_ffw_norm.weight'],
    [/^self_attn\.([qkv])_proj\.(weight|bias)$/, 'attn_$1.$2'],
    [/^self_attn\.qkv_proj\.weight$/, 'attn_qkv.weight'],
    [/^self_attn\.o_proj\.weight$/, 'attn_output.weight'],
    [/^self_attn\.([qk])_norm\.weight$/, 'attn_$1_norm.weight'],
    [/^mlp\.gate_up_proj\.weight$/, 'ffn_up.weight'],
    [/^mlp\.(gate|up|down)_proj\.weight$/, 'ffn_$1.weight'],
    [/^(?:mlp|block_sparse_moe)\.gate\.weight$/, 'ffn_gate_inp.weight'],
  ];
  for (const [pattern, name] of table)
    if (pattern.test(rest)) return { name: `blk.${l}.${rest.replace(pattern, name)}` };
  throw new Error(`hfToGguf: no GGUF name for ${hf}`);
}

export function convertToGguf(ck: RandomCheckpoint, path: string, o: HfToGgufOptions = {}): ConvertedGguf {
  const c = ck.config;
  const family = c.modelType;
  const arch = ARCH[family];
  if (!arch) throw new Error(`hfToGguf: ${family} is not converted`);
  const gemma = family.startsWith('gemma');
  const permuted = arch === 'llama';
  const held = new Map<string, Float64Array>();
  const stacks = new Map<string, { ne: number[]; type: number; parts: Uint8Array[] }>();
  const tensors: GgufTensorSpec[] = [];
  for (const [hf, stored] of ck.weights) {
    const shape = ck.shapes.get(hf)!;
    const rows = shape.length === 1 ? 1 : shape[0];
    let values: Float32Array = Float32Array.from(stored);
    // Gemma's converters add the RMSNorm's 1 to every norm weight (norm_shift), q/k norms included
    if (gemma && hf.endsWith('norm.weight')) values = values.map((v) => v + 1);
    const heads =
      permuted && /self_attn\.q_proj/.test(hf)
        ? c.numHeads
        : permuted && /self_attn\.k_proj/.test(hf)
          ? c.numKvHeads
          : 0;
    if (heads) values = permuteQueryKeyRows(values, shape[0], heads, false);
    const suffix = Object.keys(o.types ?? {}).find((s) => hf.endsWith(s));
    const typeName = shape.length === 1 ? 'F32' : (suffix && o.types![suffix]) || 'F32';
    const type = ggmlTypeByName(typeName)!;
    const data = type.name === 'F32' ? f32Bytes(values) : ggmlQuantize(type.id, values, rows, values.length / rows);
    const back = type.name === 'F32' ? values : ggmlDequantize(type.id, data, values.length);
    held.set(hf, Float64Array.from(heads ? permuteQueryKeyRows(back, shape[0], heads, true) : back));
    const { name, expert } = ggufName(family, hf);
    if (expert === undefined) {
      tensors.push({ name, ne: [...shape].reverse(), type: type.id, data });
      continue;
    }
    const stack = stacks.get(name) ?? { ne: [...shape].reverse(), type: type.id, parts: [] };
    if (stack.parts.length !== expert) throw new Error(`hfToGguf: expert ${expert} of ${name} out of order`);
    stack.parts.push(data);
    stacks.set(name, stack);
  }
  for (const [name, s] of stacks) {
    const data = new Uint8Array(s.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of s.parts) {
      data.set(p, at);
      at += p.length;
    }
    tensors.push({ name, ne: [...s.ne, s.parts.length], type: s.type, data });
  }

  const json = ck.configJson.text_config ? (ck.configJson.text_config as Record<string, unknown>) : ck.configJson;
  const k = (name: string) => `${arch}.${name}`;
  const metadata: Record<string, GgufValue> = {
    'general.architecture': gv.str(arch),
    // not the family's name: llama.cpp sets Phi-3's special-token attributes by it, naming tokens this vocabulary lacks
    'general.name': gv.str('tiny random model'),
    [k('block_count')]: gv.u32(c.numLayers),
    [k('context_length')]: gv.u32(c.maxPositions),
    [k('embedding_length')]: gv.u32(c.hiddenSize),
    [k('feed_forward_length')]: gv.u32(c.intermediateSize),
    [k('attention.head_count')]: gv.u32(c.numHeads),
    [k('attention.head_count_kv')]: gv.u32(c.numKvHeads),
    [k('attention.layer_norm_rms_epsilon')]: gv.f32(c.normEps),
    [k('rope.freq_base')]: gv.f32(c.ropeTheta),
    ...vocabulary(ck),
  };
  if (json.head_dim !== undefined) {
    metadata[k('attention.key_length')] = gv.u32(c.headDim);
    metadata[k('attention.value_length')] = gv.u32(c.headDim);
  }
  if (c.ropeScaling?.type === 'linear') {
    metadata[k('rope.scaling.type')] = gv.str('linear');
    metadata[k('rope.scaling.factor')] = gv.f32(c.ropeScaling.factor);
  }
  let expected: ModelConfig = { ...c, architecture: `${arch} (GGUF)`, normEps: Math.fround(c.normEps) };
  if (gemma) {
    if (c.attnLogitSoftcap !== null) metadata[k('attn_logit_softcapping')] = gv.f32(c.attnLogitSoftcap);
    if (c.finalLogitSoftcap !== null) metadata[k('final_logit_softcapping')] = gv.f32(c.finalLogitSoftcap);
    metadata[k('attention.sliding_window')] = gv.u32(c.slidingWindow ?? 0);
    // convert_hf_to_gguf leaves the pattern to llama.cpp's default (2, gemma3 6); a file may carry it
    const pattern = family === 'gemma3_text' ? Number(json.sliding_window_pattern ?? 6) : 2;
    if (pattern !== (family === 'gemma3_text' ? 6 : 2))
      metadata[k('attention.sliding_window_pattern')] = gv.u32(pattern);
    if (c.localRope && c.localRope.theta !== 10000) metadata[k('rope.freq_base_swa')] = gv.f32(c.localRope.theta);
    expected = {
      ...expected,
      normOffset: 0,
      attnLogitSoftcap: c.attnLogitSoftcap === null ? null : Math.fround(c.attnLogitSoftcap),
      finalLogitSoftcap: c.finalLogitSoftcap === null ? null : Math.fround(c.finalLogitSoftcap),
    };
  }
  if (family === 'phi3') {
    metadata[k('rope.dimension_count')] = gv.u32(c.rotaryDim);
    metadata[k('attention.sliding_window')] = gv.u32(c.slidingWindow ?? 0);
    const s = c.ropeScaling;
    if (s?.type === 'longrope') {
      metadata[k('rope.scaling.original_context_length')] = gv.u32(s.originalMaxPositions);
      metadata[k('rope.scaling.attn_factor')] = gv.f32(s.attentionFactor);
      tensors.push({
        name: 'rope_factors_long.weight',
        ne: [s.longFactor.length],
        type: 0,
        data: f32Bytes(Float32Array.from(s.longFactor)),
      });
      tensors.push({
        name: 'rope_factors_short.weight',
        ne: [s.shortFactor.length],
        type: 0,
        data: f32Bytes(Float32Array.from(s.shortFactor)),
      });
      const f32 = (xs: readonly number[]) => xs.map((x) => Math.fround(x));
      expected = {
        ...expected,
        ropeScaling: {
          ...s,
          shortFactor: f32(s.shortFactor),
          longFactor: f32(s.longFactor),
          attentionFactor: Math.fround(s.attentionFactor),
        },
      };
    }
    // llama.cpp runs Phi-3 without its window
    expected = { ...expected, slidingWindow: null, fullAttentionLayers: [] };
  }
  if (c.moe) {
    metadata[k('expert_count')] = gv.u32(c.moe.experts);
    metadata[k('expert_used_count')] = gv.u32(c.moe.perToken);
    if (family === 'qwen3_moe') metadata[k('expert_feed_forward_length')] = gv.u32(c.moe.intermediateSize);
  }
  writeGguf(path, metadata, tensors);
  return { arch, weights: held, config: expected };
}

/** The checkpoint's byte-level BPE tokenizer.json as llama.cpp's gpt2 vocabulary, padded to the model's rows. */
function vocabulary(ck: RandomCheckpoint): Record<string, GgufValue> {
  const json = JSON.parse(readFileSync(`${ck.dir}/tokenizer.json`, 'utf8')) as {
    model: { vocab: Record<string, number>; merges: (string | [string, string])[] };
    added_tokens: { id: number; content: string }[];
  };
  const V = ck.config.vocabSize;
  const tokens: string[] = [];
  const types: number[] = [];
  for (const [piece, id] of Object.entries(json.model.vocab)) {
    tokens[id] = piece;
    types[id] = 1;
  }
  for (const t of json.added_tokens) {
    tokens[t.id] = t.content;
    types[t.id] = 3;
  }
  // as the converter pads a vocabulary shorter than the embedding: [PAD{i}], UNUSED
  for (let i = 0; i < V; i++) {
    if (tokens[i] === undefined) {
      tokens[i] = `[PAD${i}]`;
      types[i] = 5;
    }
  }
  return {
    'tokenizer.ggml.model': gv.str('gpt2'),
    'tokenizer.ggml.pre': gv.str('qwen2'),
    'tokenizer.ggml.tokens': gv.strings(tokens),
    'tokenizer.ggml.token_type': gv.i32s(types),
    'tokenizer.ggml.merges': gv.strings(json.model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m))),
    'tokenizer.ggml.bos_token_id': gv.u32(ck.tokenizer.bosId),
    'tokenizer.ggml.eos_token_id': gv.u32(ck.tokenizer.eosId),
    'tokenizer.ggml.add_bos_token': gv.bool(false),
  };
}
