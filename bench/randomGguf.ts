// A random llama-shaped GGUF file of benchmark size, laid out as a Q4_K_M file of llama.cpp's: Q4_K for most
// matrices, Q6_K for the output head and for every other layer's attn_v and ffn_down, F32 norms; and the same
// weights as a bf16 safetensors checkpoint (each value dequantized, then rounded to bf16), the baseline of
// section (k). Blocks are drawn as random bytes with their f16 scales set so that values have the spread of
// randomLlama.ts's (about std / √fan-in), which no quantizer is needed for: a bench of reading and running
// the format, not a model of anything. Both are written once per shape and seed and reused (a stamp file).
//
// D hidden size, L layers, H heads, Hkv key/value heads, I intermediate size, V vocabulary.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { dequantizeBlocks } from '../src/model/dequantize';
import { ggmlTypeByName, type GgmlType } from '../src/model/ggmlTypes';
import { unpermutedRows } from '../src/gguf/tensorNames';
import { ggufBytes, gv, type GgufValue } from '../test/helpers/ggufWriter';
import { byteAlphabet } from '../test/helpers/randomGguf';
import { mulberry32 } from '../test/helpers/prng';
import { writeByteLevelBpeTokenizer } from '../test/helpers/tokenizerJson';
import type { LlamaShape } from './randomLlama';

interface Tensor {
  readonly hf: string;
  readonly gguf: string;
  readonly shape: readonly number[]; // outermost first
  readonly type: GgmlType;
  readonly scale: number; // the values' spread
}

function tensors(s: LlamaShape): Tensor[] {
  const { hiddenSize: D, numLayers: L, numHeads: H, numKvHeads: Hkv, intermediateSize: I, vocabSize: V } = s;
  const Dh = D / H;
  const q4 = ggmlTypeByName('Q4_K')!;
  const q6 = ggmlTypeByName('Q6_K')!;
  const f32 = ggmlTypeByName('F32')!;
  const out: Tensor[] = [
    { hf: 'model.embed_tokens.weight', gguf: 'token_embd.weight', shape: [V, D], type: q4, scale: 2 / Math.sqrt(D) },
  ];
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}.`;
    const b = `blk.${l}.`;
    const half = l % 2 === 0 ? q6 : q4; // Q4_K_M: Q6_K on half of attn_v and ffn_down
    out.push(
      { hf: `${p}input_layernorm.weight`, gguf: `${b}attn_norm.weight`, shape: [D], type: f32, scale: 0 },
      {
        hf: `${p}self_attn.q_proj.weight`,
        gguf: `${b}attn_q.weight`,
        shape: [H * Dh, D],
        type: q4,
        scale: 1 / Math.sqrt(D),
      },
      {
        hf: `${p}self_attn.k_proj.weight`,
        gguf: `${b}attn_k.weight`,
        shape: [Hkv * Dh, D],
        type: q4,
        scale: 1 / Math.sqrt(D),
      },
      {
        hf: `${p}self_attn.v_proj.weight`,
        gguf: `${b}attn_v.weight`,
        shape: [Hkv * Dh, D],
        type: half,
        scale: 1 / Math.sqrt(D),
      },
      {
        hf: `${p}self_attn.o_proj.weight`,
        gguf: `${b}attn_output.weight`,
        shape: [D, H * Dh],
        type: q4,
        scale: 0.5 / Math.sqrt(D),
      },
      { hf: `${p}post_attention_layernorm.weight`, gguf: `${b}ffn_norm.weight`, shape: [D], type: f32, scale: 0 },
      { hf: `${p}mlp.gate_proj.weight`, gguf: `${b}ffn_gate.weight`, shape: [I, D], type: q4, scale: 1 / Math.sqrt(D) },
      { hf: `${p}mlp.up_proj.weight`, gguf: `${b}ffn_up.weight`, shape: [I, D], type: q4, scale: 1 / Math.sqrt(D) },
      {
        hf: `${p}mlp.down_proj.weight`,
        gguf: `${b}ffn_down.weight`,
        shape: [D, I],
        type: half,
        scale: 0.5 / Math.sqrt(I),
      },
    );
  }
  out.push({ hf: 'model.norm.weight', gguf: 'output_norm.weight', shape: [D], type: f32, scale: 0 });
  out.push({ hf: 'lm_head.weight', gguf: 'output.weight', shape: [V, D], type: q6, scale: 2 / Math.sqrt(D) });
  return out;
}

/** The f16 bits of a positive normal value (rounded toward zero: a scale only needs to be about right). */
function halfBits(v: number): number {
  const e = Math.floor(Math.log2(v));
  const m = Math.floor((v / 2 ** e - 1) * 1024);
  return ((e + 15) << 10) | m;
}

/** Random blocks of `type` whose values spread about ±`scale`: random quants and sub-scales, the f16 scales fixed. */
function randomBlocks(type: GgmlType, values: number, scale: number, uniform: () => number): Uint8Array {
  if (type.name === 'F32')
    return new Uint8Array(Float32Array.from({ length: values }, () => 1 + 0.1 * (uniform() - 0.5)).buffer);
  const blocks = values / type.blockValues;
  const bytes = new Uint8Array(blocks * type.blockBytes);
  const words = new Uint32Array(bytes.buffer, 0, Math.floor(bytes.length / 4));
  for (let i = 0; i < words.length; i++) words[i] = (uniform() * 4294967296) >>> 0;
  for (let i = words.length * 4; i < bytes.length; i++) bytes[i] = Math.floor(uniform() * 256);
  // Q4_K: (d sc) q − dmin m with sc, m < 64, q < 16: d = 2 scale / (32 · 8), dmin half of it centres the values
  // Q6_K: d sc (q − 32) with |sc| < 128, |q − 32| <= 32: d = scale / (64 · 16)
  const [d, dmin] = type.name === 'Q4_K' ? [halfBits(scale / 128), halfBits(scale / 64)] : [halfBits(scale / 1024), 0];
  for (let b = 0; b < blocks; b++) {
    const at = b * type.blockBytes;
    if (type.name === 'Q4_K') {
      bytes[at] = d & 255;
      bytes[at + 1] = d >> 8;
      bytes[at + 2] = dmin & 255;
      bytes[at + 3] = dmin >> 8;
    } else {
      bytes[at + 208] = d & 255;
      bytes[at + 209] = d >> 8;
    }
  }
  return bytes;
}

export interface WrittenGgufPair {
  readonly gguf: string; // the .gguf file
  readonly ggufBytes: number;
  readonly bf16Dir: string; // the same weights as a bf16 safetensors checkpoint
  readonly bf16Bytes: number;
  readonly parameters: number;
}

/** Writes (or reuses) the GGUF file and its bf16 twin under `dir`. */
export function writeBenchGgufPair(dir: string, shape: LlamaShape, seed: number): WrittenGgufPair {
  const list = tensors(shape);
  const parameters = list.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  const gguf = join(dir, 'model-q4_k_m.gguf');
  const bf16Dir = join(dir, 'bf16');
  const stamp = JSON.stringify({ shape, seed, version: 1 });
  const stampFile = join(dir, 'bench-stamp.json');
  if (!(existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(bf16Dir, { recursive: true });
    const tokenizer = writeByteLevelBpeTokenizer(bf16Dir);
    const uniform = mulberry32(seed);
    const data = list.map((t) =>
      randomBlocks(
        t.type,
        t.shape.reduce((a, b) => a * b, 1),
        t.scale,
        uniform,
      ),
    );
    writeGgufFile(gguf, shape, list, data, tokenizer.bosId, tokenizer.eosId);
    writeBf16Twin(join(bf16Dir, 'model.safetensors'), shape, list, data);
    writeFileSync(
      join(bf16Dir, 'config.json'),
      JSON.stringify(twinConfig(shape, tokenizer.bosId, tokenizer.eosId), null, 2) + '\n',
    );
    writeFileSync(stampFile, stamp);
  }
  const size = (p: string) => statSync(p).size;
  const bf16Bytes = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']
    .map((f) => size(join(bf16Dir, f)))
    .reduce((a, b) => a + b, 0);
  return { gguf, ggufBytes: size(gguf), bf16Dir, bf16Bytes, parameters };
}

function writeGgufFile(
  path: string,
  s: LlamaShape,
  list: readonly Tensor[],
  data: readonly Uint8Array[],
  bos: number,
  eos: number,
): void {
  // the vocabulary: GPT-2's byte alphabet and padding tokens up to V (the bench feeds ids, never text)
  const alphabet = byteAlphabet();
  const tokens = Array.from({ length: s.vocabSize }, (_, i) => (i < 256 ? alphabet[i] : `[PAD${i}]`));
  const metadata: Record<string, GgufValue> = {
    'general.architecture': gv.str('llama'),
    'general.name': gv.str('bench q4_k_m'),
    'general.file_type': gv.u32(15), // MOSTLY_Q4_K_M
    'llama.block_count': gv.u32(s.numLayers),
    'llama.embedding_length': gv.u32(s.hiddenSize),
    'llama.feed_forward_length': gv.u32(s.intermediateSize),
    'llama.attention.head_count': gv.u32(s.numHeads),
    'llama.attention.head_count_kv': gv.u32(s.numKvHeads),
    'llama.attention.layer_norm_rms_epsilon': gv.f32(1e-5),
    'llama.rope.freq_base': gv.f32(10000),
    'llama.context_length': gv.u32(s.maxPositions),
    'tokenizer.ggml.model': gv.str('gpt2'),
    'tokenizer.ggml.pre': gv.str('llama-bpe'),
    'tokenizer.ggml.tokens': gv.strings(tokens),
    'tokenizer.ggml.merges': gv.strings([]),
    'tokenizer.ggml.bos_token_id': gv.u32(bos),
    'tokenizer.ggml.eos_token_id': gv.u32(eos),
  };
  // the header from the test writer, then the data streamed (the whole file is over a gigabyte)
  const specs = list.map((t, i) => ({ name: t.gguf, ne: [...t.shape].reverse(), type: t.type.id, data: data[i] }));
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, ggufHeaderWithOffsets(metadata, specs));
    for (const t of specs) {
      writeSync(fd, t.data);
      const pad = (32 - (t.data.length % 32)) % 32;
      if (pad) writeSync(fd, new Uint8Array(pad));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The header and tensor infos of the file, padded to the alignment: ggufBytes of empty tensors with the real offsets.
 */
function ggufHeaderWithOffsets(
  metadata: Record<string, GgufValue>,
  specs: readonly { name: string; ne: number[]; type: number; data: Uint8Array }[],
): Uint8Array {
  let offset = 0;
  const shifts: Record<string, number> = {};
  for (const t of specs) {
    shifts[t.name] = offset;
    offset += Math.ceil(t.data.length / 32) * 32;
  }
  return ggufBytes(
    metadata,
    specs.map((t) => ({ ...t, data: new Uint8Array(0) })),
    { offsetShift: shifts },
  );
}

/** Rows `order[r]` of `values` [rows, cols] as rows r. */
function reorderRows(values: Float32Array, order: Int32Array, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  order.forEach((from, r) => out.set(values.subarray(from * cols, (from + 1) * cols), r * cols));
  return out;
}

function writeBf16Twin(path: string, shape: LlamaShape, list: readonly Tensor[], data: readonly Uint8Array[]): void {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of list) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    header[t.hf] = { dtype: 'BF16', shape: t.shape, data_offsets: [offset, offset + 2 * n] };
    offset += 2 * n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = openSync(path, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeSync(fd, len);
    writeSync(fd, Buffer.from(json));
    list.forEach((t, i) => {
      const n = t.shape.reduce((a, b) => a * b, 1);
      const stored = new Float32Array(n);
      dequantizeBlocks(t.type, data[i], 0, n / t.type.blockValues, stored);
      // q/k rows in Hugging Face's order: the GGUF file holds them as llama.cpp's converter interleaves them
      const heads = /q_proj/.test(t.hf) ? shape.numHeads : /k_proj/.test(t.hf) ? shape.numKvHeads : 0;
      const values = heads ? reorderRows(stored, unpermutedRows(t.shape[0], heads), t.shape[1]) : stored;
      const bits = new Uint32Array(values.buffer);
      const out = new Uint16Array(n);
      for (let j = 0; j < n; j++) out[j] = ((bits[j] + 0x7fff + ((bits[j] >>> 16) & 1)) >>> 16) & 0xffff;
      writeSync(fd, new Uint8Array(out.buffer));
    });
  } finally {
    closeSync(fd);
  }
}

function twinConfig(s: LlamaShape, bos: number, eos: number): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: s.hiddenSize,
    intermediate_size: s.intermediateSize,
    num_hidden_layers: s.numLayers,
    num_attention_heads: s.numHeads,
    num_key_value_heads: s.numKvHeads,
    vocab_size: s.vocabSize,
    max_position_embeddings: s.maxPositions,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    hidden_act: 'silu',
    tie_word_embeddings: false,
    bos_token_id: bos,
    eos_token_id: eos,
    torch_dtype: 'bfloat16',
  };
}
