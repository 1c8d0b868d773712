// A random llama-shaped Hugging Face checkpoint of benchmark size (tens of millions of parameters), written
// fast: values are drawn straight into Float32Array / Uint16Array (bf16) with a seeded PRNG and written as
// one model.safetensors. test/helpers/randomCheckpoint.ts draws every value as a JS double and encodes it
// element by element, and ties the vocabulary to its tiny tokenizer; this writer takes any vocabulary
// (here 32000: bigger than the byte-level tokenizer's, whose ids are never needed since the bench feeds ids).
// Not a model of anything: the scales follow randomCheckpoint.ts (activations O(1), logits of std ~2,
// so next-token probabilities spread over orders of magnitude instead of sitting at 1/V).
//
// D hidden size, L layers, H heads, Hkv key/value heads, Dh head dim, I intermediate size, V vocab.
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
import { writeByteLevelBpeTokenizer } from '../test/helpers/tokenizerJson';
import { mulberry32 } from '../test/helpers/prng';

export interface LlamaShape {
  /** llama (the default); gemma2 (four (1 + w) norms a layer, soft caps, a window on every other layer); mixtral. */
  readonly layout?: 'llama' | 'gemma2' | 'mixtral';
  readonly hiddenSize: number; // D
  readonly numLayers: number; // L
  readonly numHeads: number; // H
  readonly numKvHeads: number; // Hkv
  readonly intermediateSize: number; // I: each expert's, for mixtral
  readonly vocabSize: number; // V
  readonly maxPositions: number;
  readonly slidingWindow?: number; // gemma2: on layers 0, 2, 4, …
  readonly experts?: number; // mixtral: num_local_experts
  readonly expertsPerToken?: number; // mixtral: num_experts_per_tok
}

export type BenchDtype = 'F32' | 'BF16';

/** Fills `out` with mean + std * N(0, 1), two Box-Muller draws per pair of uniforms. */
function fillGaussian(out: Float32Array, mean: number, std: number, uniform: () => number): void {
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const a = 2 * Math.PI * uniform();
    out[i] = mean + std * r * Math.cos(a);
    if (i + 1 < out.length) out[i + 1] = mean + std * r * Math.sin(a);
  }
}

/** Round-to-nearest-even f32 -> bf16, in place on the bits. */
function toBf16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    out[i] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return out;
}

interface Draw {
  readonly name: string;
  readonly shape: readonly number[];
  readonly mean: number;
  readonly std: number;
}

/** The tensors of an untied LlamaForCausalLM (or Gemma2ForCausalLM, MixtralForCausalLM), in state_dict order. */
function llamaDraws(s: LlamaShape): Draw[] {
  const { hiddenSize: D, numLayers: L, numHeads: H, numKvHeads: Hkv, intermediateSize: I, vocabSize: V } = s;
  const Dh = D / H;
  const gemma = s.layout === 'gemma2';
  // Gemma's norms scale by 1 + w: its stored weights are offsets around 0
  const norm = (name: string): Draw => ({ name, shape: [D], mean: gemma ? 0 : 1, std: 0.1 });
  const mlp = (p: string, names: readonly [string, string, string]): Draw[] => [
    { name: p + names[0], shape: [I, D], mean: 0, std: 1 / Math.sqrt(D) },
    { name: p + names[1], shape: [I, D], mean: 0, std: 1 / Math.sqrt(D) },
    { name: p + names[2], shape: [D, I], mean: 0, std: 0.5 / Math.sqrt(I) },
  ];
  const draws: Draw[] = [{ name: 'model.embed_tokens.weight', shape: [V, D], mean: 0, std: 2 / Math.sqrt(D) }];
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}.`;
    draws.push(
      norm(p + 'input_layernorm.weight'),
      { name: p + 'self_attn.q_proj.weight', shape: [H * Dh, D], mean: 0, std: 1 / Math.sqrt(D) },
      { name: p + 'self_attn.k_proj.weight', shape: [Hkv * Dh, D], mean: 0, std: 1 / Math.sqrt(D) },
      { name: p + 'self_attn.v_proj.weight', shape: [Hkv * Dh, D], mean: 0, std: 1 / Math.sqrt(D) },
      { name: p + 'self_attn.o_proj.weight', shape: [D, H * Dh], mean: 0, std: 0.5 / Math.sqrt(H * Dh) },
      norm(p + 'post_attention_layernorm.weight'),
    );
    if (gemma) draws.push(norm(p + 'pre_feedforward_layernorm.weight'));
    if (s.layout === 'mixtral') {
      const E = s.experts ?? 8;
      const moe = p + 'block_sparse_moe.';
      draws.push({ name: moe + 'gate.weight', shape: [E, D], mean: 0, std: 2 / Math.sqrt(D) });
      for (let e = 0; e < E; e++) draws.push(...mlp(`${moe}experts.${e}.`, ['w1.weight', 'w3.weight', 'w2.weight']));
    } else {
      draws.push(...mlp(p + 'mlp.', ['gate_proj.weight', 'up_proj.weight', 'down_proj.weight']));
    }
    if (gemma) draws.push(norm(p + 'post_feedforward_layernorm.weight'));
  }
  draws.push(norm('model.norm.weight'));
  if (!gemma) draws.push({ name: 'lm_head.weight', shape: [V, D], mean: 0, std: 2 / Math.sqrt(D) }); // gemma's is tied
  return draws;
}

export interface WrittenBenchCheckpoint {
  readonly dir: string;
  readonly parameters: number;
  readonly nonEmbeddingParameters: number; // everything but the input embedding table and the LM head
  readonly bytesOnDisk: number; // every file in the folder
}

/**
 * Writes (or reuses, when a previous run wrote the same shape, dtype and seed) the checkpoint folder.
 * The same seed gives the same values in F32 and BF16 (BF16 = F32 rounded to nearest even).
 */
export function writeBenchCheckpoint(
  dir: string,
  shape: LlamaShape,
  dtype: BenchDtype,
  seed: number,
): WrittenBenchCheckpoint {
  const draws = llamaDraws(shape);
  const parameters = draws.reduce((s, d) => s + d.shape.reduce((a, b) => a * b, 1), 0);
  const nonEmbeddingParameters = parameters - (shape.layout === 'gemma2' ? 1 : 2) * shape.vocabSize * shape.hiddenSize;
  const stamp = JSON.stringify({ shape, dtype, seed, version: 1 });
  const stampFile = join(dir, 'bench-stamp.json');
  if (!(existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tokenizer = writeByteLevelBpeTokenizer(dir);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify(configJson(shape, dtype, tokenizer.bosId, tokenizer.eosId), null, 2) + '\n',
    );
    writeSafetensors(join(dir, 'model.safetensors'), draws, dtype, mulberry32(seed));
    writeFileSync(stampFile, stamp); // last: a half-written folder is rewritten next time
  }
  const bytesOnDisk = [
    'config.json',
    'model.safetensors',
    'tokenizer.json',
    'tokenizer_config.json',
    'bench-stamp.json',
  ]
    .map((f) => statSync(join(dir, f)).size)
    .reduce((a, b) => a + b, 0);
  return { dir, parameters, nonEmbeddingParameters, bytesOnDisk };
}

function configJson(s: LlamaShape, dtype: BenchDtype, bosId: number, eosId: number): Record<string, unknown> {
  const torchDtype = dtype === 'F32' ? 'float32' : 'bfloat16';
  const common = {
    attention_dropout: 0.0,
    bos_token_id: bosId,
    eos_token_id: eosId,
    head_dim: s.hiddenSize / s.numHeads,
    hidden_size: s.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: s.intermediateSize,
    max_position_embeddings: s.maxPositions,
    num_attention_heads: s.numHeads,
    num_hidden_layers: s.numLayers,
    num_key_value_heads: s.numKvHeads,
    torch_dtype: torchDtype,
    transformers_version: '4.46.0',
    use_cache: true,
    vocab_size: s.vocabSize,
  };
  if (s.layout === 'gemma2') {
    // Gemma2Config's soft caps and query_pre_attn_scalar; the window on layers 0, 2, …
    return {
      architectures: ['Gemma2ForCausalLM'],
      ...common,
      model_type: 'gemma2',
      attn_logit_softcapping: 50.0,
      final_logit_softcapping: 30.0,
      hidden_activation: 'gelu_pytorch_tanh',
      query_pre_attn_scalar: s.hiddenSize / s.numHeads,
      rms_norm_eps: 1e-6,
      rope_theta: 10000.0,
      sliding_window: s.slidingWindow ?? 4096,
      tie_word_embeddings: true,
    };
  }
  if (s.layout === 'mixtral') {
    return {
      architectures: ['MixtralForCausalLM'],
      ...common,
      model_type: 'mixtral',
      hidden_act: 'silu',
      num_experts_per_tok: s.expertsPerToken ?? 2,
      num_local_experts: s.experts ?? 8,
      rms_norm_eps: 1e-5,
      rope_theta: 1e6,
      sliding_window: null,
      tie_word_embeddings: false,
    };
  }
  return {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: bosId,
    eos_token_id: eosId,
    head_dim: s.hiddenSize / s.numHeads,
    hidden_act: 'silu',
    hidden_size: s.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: s.intermediateSize,
    max_position_embeddings: s.maxPositions,
    mlp_bias: false,
    model_type: 'llama',
    num_attention_heads: s.numHeads,
    num_hidden_layers: s.numLayers,
    num_key_value_heads: s.numKvHeads,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: null,
    rope_theta: 10000.0,
    tie_word_embeddings: false,
    torch_dtype: dtype === 'F32' ? 'float32' : 'bfloat16',
    transformers_version: '4.46.0',
    use_cache: true,
    vocab_size: s.vocabSize,
  };
}

/** safetensors: u64 LE header length, JSON header padded with spaces to 8 bytes, then the tensors' bytes. */
function writeSafetensors(path: string, draws: readonly Draw[], dtype: BenchDtype, uniform: () => number): void {
  const bytesPer = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const d of draws) {
    const length = d.shape.reduce((a, b) => a * b, 1) * bytesPer;
    header[d.name] = { dtype, shape: d.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, prefix);
    writeSync(fd, Buffer.from(json));
    for (const d of draws) {
      const values = new Float32Array(d.shape.reduce((a, b) => a * b, 1));
      fillGaussian(values, d.mean, d.std, uniform);
      const stored = dtype === 'F32' ? values : toBf16(values);
      writeSync(fd, new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength));
    }
  } finally {
    closeSync(fd);
  }
}

/** Seeded random token ids in [0, V). */
export function randomIds(count: number, vocabSize: number, seed: number): number[] {
  const uniform = mulberry32(seed);
  return Array.from({ length: count }, () => Math.floor(uniform() * vocabSize));
}
