// A GGUF file's architecture as the config.json that transformers would read for the same model: the
// `general.architecture` and its `<arch>.*` keys mapped to Hugging Face's names, so that one parser
// (src/arch, per family) reads both formats and applies the same checks. What the metadata does not say
// is taken from the tensors (vocabulary size from token_embd, a tied head from a missing output.weight).
//
// Architectures read so far: llama (Llama 1-3, Mistral: llama.cpp writes them as "llama"; Llama 3.1's rope
// scaling as the rope_freqs.weight tensor), qwen2, qwen3. The others of the families we support are refused
// by name until their GGUF layout is checked against llama.cpp.
import { fail, ok, type Result } from '../lensError';
import type { GgufFile } from './ggufFile';

const HINT = 'The file is damaged or was written by a converter that left the key out: convert the model again with a current llama.cpp.';

/** HF model_type by GGUF architecture, for those read. */
const MODEL_TYPES: Readonly<Record<string, string>> = { llama: 'llama', qwen2: 'qwen2', qwen3: 'qwen3' };

/** Architectures of families we support in safetensors whose GGUF layout is not read yet. */
const NOT_YET = ['gemma', 'gemma2', 'gemma3', 'phi3', 'olmo2', 'qwen3moe', 'qwen2moe'];

export interface GgufArchitecture {
  /** The config.json transformers would read for the model. */
  readonly config: Record<string, unknown>;
  /** llama.cpp's converter reordered the q/k rows of each head (llama.py permute): the reader undoes it. */
  readonly permutedQueryKey: boolean;
  /** rope_freqs.weight: each rotated frequency's divisor (ModelConfig's frequencyFactors rope scaling). */
  readonly ropeFactors: boolean;
}

export function ggufArchitecture(g: GgufFile): Result<GgufArchitecture> {
  const arch = g.metadata.get('general.architecture');
  if (typeof arch !== 'string') return fail('bad-config', `${g.file}: metadata "general.architecture" is ${arch === undefined ? 'missing' : 'not a string'}`, HINT);
  const modelType = MODEL_TYPES[arch];
  if (!modelType) {
    const hint = NOT_YET.includes(arch)
      ? `The ${arch} family is read from Hugging Face checkpoints (safetensors) but not yet from GGUF files: use the model's Hugging Face checkpoint. GGUF files of llama, qwen2 and qwen3 models are read.`
      : `GGUF files of llama (Llama, Mistral), qwen2 and qwen3 models are read.`;
    return fail('unsupported-arch', `${g.file}: GGUF architecture "${arch}" is not supported`, hint);
  }
  const key = (name: string) => `${arch}.${name}`;
  const missing = (name: string) => fail('bad-config', `${g.file}: metadata "${name}" is missing or not a number`, HINT);
  const number = (name: string): number | undefined => {
    const v = g.metadata.get(name);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const required: Record<string, string> = {
    num_hidden_layers: key('block_count'),
    hidden_size: key('embedding_length'),
    intermediate_size: key('feed_forward_length'),
    num_attention_heads: key('attention.head_count'),
  };
  const config: Record<string, unknown> = { model_type: modelType, architectures: [`${arch} (GGUF)`] };
  for (const [hf, gk] of Object.entries(required)) {
    const v = number(gk);
    if (v === undefined) return missing(gk);
    config[hf] = v;
  }
  const heads = config.num_attention_heads as number;
  config.num_key_value_heads = number(key('attention.head_count_kv')) ?? heads;
  const keyLength = number(key('attention.key_length'));
  const valueLength = number(key('attention.value_length'));
  if (keyLength !== undefined && valueLength !== undefined && keyLength !== valueLength) {
    return fail('unsupported-arch', `${g.file}: attention key length ${keyLength} differs from value length ${valueLength}`, 'Only models whose keys and values have one head size are supported.');
  }
  // llama.cpp's default head size is hidden / heads (transformers' Qwen3 defaults to 128): always explicit here
  config.head_dim = keyLength ?? (config.hidden_size as number) / heads;
  const eps = number(key('attention.layer_norm_rms_epsilon'));
  if (eps === undefined) return missing(key('attention.layer_norm_rms_epsilon'));
  config.rms_norm_eps = eps;
  config.rope_theta = number(key('rope.freq_base')) ?? 10000;
  config.max_position_embeddings = number(key('context_length')) ?? 2048;
  const headDim = config.head_dim as number;
  const rotated = number(key('rope.dimension_count'));
  if (rotated !== undefined && rotated !== headDim) {
    return fail('unsupported-arch', `${g.file}: ${key('rope.dimension_count')} is ${rotated}, not the head size ${headDim}`, `Partial rotation is read for ${arch} GGUF files only where the whole head rotates.`);
  }
  const scalingType = g.metadata.get(key('rope.scaling.type'));
  if (scalingType !== undefined && scalingType !== 'none') {
    const factor = number(key('rope.scaling.factor'));
    if (scalingType !== 'linear' || factor === undefined) {
      return fail('unsupported-arch', `${g.file}: rope scaling "${String(scalingType)}" is not read from GGUF files`, 'Linear rope scaling is read; use the model\'s Hugging Face checkpoint for other scalings.');
    }
    config.rope_scaling = { rope_type: 'linear', factor };
  }
  const factors = g.tensors.get('rope_freqs.weight');
  if (factors) {
    // Llama 3.1 and later: the llama3 scaling as one divisor per rotated frequency (ggufCheckpoint.ts reads them)
    if (config.rope_scaling) return fail('unsupported-arch', `${g.file}: both rope_freqs.weight and ${key('rope.scaling.type')} "${String(scalingType)}"`, 'A file has one or the other: convert the model again with a current llama.cpp.');
    if (factors.type.name !== 'F32' || factors.rows * factors.rowValues !== headDim / 2) return fail('corrupt-gguf', `${g.file}: rope_freqs.weight is ${factors.type.name} [${factors.shape.join(', ')}], not ${headDim / 2} F32 values (one per rotated frequency)`, HINT);
  }
  const window = number(key('attention.sliding_window'));
  if (window !== undefined && window > 0) {
    return fail('unsupported-arch', `${g.file}: a sliding window (${key('attention.sliding_window')} ${window}) is not read from GGUF files yet`, 'Use the model\'s Hugging Face checkpoint.');
  }
  const embedding = g.tensors.get('token_embd.weight');
  if (!embedding) return fail('missing-tensor', `${g.file}: tensor "token_embd.weight" not found`, HINT);
  config.vocab_size = embedding.rows;
  config.tie_word_embeddings = !g.tensors.has('output.weight');
  if (modelType === 'llama' || modelType === 'qwen3') config.attention_bias = g.tensors.has('blk.0.attn_q.bias');
  const bos = number('tokenizer.ggml.bos_token_id');
  const eos = number('tokenizer.ggml.eos_token_id');
  const eot = number('tokenizer.ggml.eot_token_id');
  if (bos !== undefined) config.bos_token_id = bos;
  const stops = [eos, eot].filter((v): v is number => v !== undefined);
  if (stops.length > 0) config.eos_token_id = [...new Set(stops)];
  return ok({ config, permutedQueryKey: arch === 'llama', ropeFactors: factors !== undefined });
}
