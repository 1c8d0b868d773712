// A GGUF file's architecture as the config.json that transformers would read for the same model: the
// `general.architecture` and its `<arch>.*` keys mapped to Hugging Face's names, so that one parser
// (src/arch, per family) reads both formats and applies the same checks. What the metadata does not say
// is taken from the tensors (vocabulary size from token_embd, a tied head from a missing output.weight) or
// from what llama.cpp assumes for the architecture (src/models/<arch>.cpp there), since llama.cpp is what
// the file is run with: Gemma's attention scale and window pattern, Qwen3-MoE's renormalised routing,
// Phi-3's window (llama.cpp ignores it).
//
// Architectures read: llama (Llama 1-3, Mistral; Mixtral, with experts; Llama 3.1's rope scaling as the
// rope_freqs.weight tensor), qwen2, qwen3, qwen3moe, gemma2, gemma3, phi3, olmo2.
import { fail, ok, type Result } from '../lensError';
import { readTensorF32 } from '../model/safetensors';
import type { GgufFile, GgufTensor } from './ggufFile';
import { tensorNaming, type TensorNaming } from './tensorNames';

const HINT =
  'The file is damaged or was written by a converter that left the key out: convert the model ' +
  'again with a current llama.cpp.';
const READ =
  'GGUF files of llama (Llama, Mistral, Mixtral), qwen2, qwen3, qwen3moe, gemma2, gemma3, phi3 ' +
  'and olmo2 models are read.';

/** HF model_type by GGUF architecture (llama with experts is mixtral). */
const MODEL_TYPES: Readonly<Record<string, string>> = {
  llama: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  qwen3moe: 'qwen3_moe',
  gemma2: 'gemma2',
  gemma3: 'gemma3_text',
  phi3: 'phi3',
  olmo2: 'olmo2',
};

export interface GgufArchitecture {
  /** The config.json transformers would read for the model. */
  readonly config: Record<string, unknown>;
  /** Where the family's tensors are in the file. */
  readonly naming: TensorNaming;
  /** llama.cpp's converter reordered the q/k rows of each head (llama.py permute): the reader undoes it. */
  readonly permutedQueryKey: boolean;
  /** Gemma's norms are stored as 1 + w (the converter adds the offset that transformers' Gemma RMSNorm applies). */
  readonly normsHoldOffset: boolean;
  /** rope_freqs.weight: each rotated frequency's divisor (ModelConfig's frequencyFactors rope scaling). */
  readonly ropeFactors: readonly number[] | null;
}

type Metadata = GgufFile['metadata'];

/** A metadata value that is a finite number (integer widths vary between writers), else undefined. */
function metadataNumber(m: Metadata, name: string): number | undefined {
  const v = m.get(name);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function ggufArchitecture(g: GgufFile): Result<GgufArchitecture> {
  const arch = g.metadata.get('general.architecture');
  if (typeof arch !== 'string')
    return fail(
      'bad-config',
      `${g.file}: metadata "general.architecture" is ${arch === undefined ? 'missing' : 'not a string'}`,
      HINT,
    );
  const baseType = MODEL_TYPES[arch];
  if (!baseType) return fail('unsupported-arch', `${g.file}: GGUF architecture "${arch}" is not supported`, READ);
  const key = (name: string) => `${arch}.${name}`;
  const m = g.metadata;
  const missing = (name: string) =>
    fail('bad-config', `${g.file}: metadata "${name}" is missing or not a number`, HINT);
  const number = (name: string) => metadataNumber(m, name);
  const unsupported = (what: string, hint: string) => fail('unsupported-arch', `${g.file}: ${what}`, hint);
  const experts = number(key('expert_count')) ?? 0;
  const modelType = arch === 'llama' && experts > 0 ? 'mixtral' : baseType;
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
  const layers = config.num_hidden_layers as number;
  const hidden = config.hidden_size as number;
  const heads = config.num_attention_heads as number;
  config.num_key_value_heads = number(key('attention.head_count_kv')) ?? heads;
  const keyLength = number(key('attention.key_length'));
  const valueLength = number(key('attention.value_length'));
  if (keyLength !== undefined && valueLength !== undefined && keyLength !== valueLength) {
    return unsupported(
      `attention key length ${keyLength} differs from value length ${valueLength}`,
      'Only models whose keys and values have one head size are supported.',
    );
  }
  // llama.cpp's head size is key_length, else hidden / heads (transformers' Qwen3 and Gemma default to
  // other values): always explicit here
  const headDim = keyLength ?? hidden / heads;
  config.head_dim = headDim;
  const eps = number(key('attention.layer_norm_rms_epsilon'));
  if (eps === undefined) return missing(key('attention.layer_norm_rms_epsilon'));
  config.rms_norm_eps = eps;
  config.rope_theta = number(key('rope.freq_base')) ?? 10000;
  config.max_position_embeddings = number(key('context_length')) ?? 2048;
  const rotated = number(key('rope.dimension_count'));
  if (rotated !== undefined && rotated !== headDim) {
    if (arch !== 'phi3')
      return unsupported(
        `${key('rope.dimension_count')} is ${rotated}, not the head size ${headDim}`,
        `Partial rotation is read for phi3 GGUF files; for ${arch} only where the whole head rotates.`,
      );
    config.partial_rotary_factor = rotated / headDim;
  }
  const scalingType = m.get(key('rope.scaling.type'));
  if (scalingType !== undefined && scalingType !== 'none') {
    const factor = number(key('rope.scaling.factor'));
    if (scalingType !== 'linear' || factor === undefined) {
      return unsupported(
        `rope scaling "${String(scalingType)}" is not read from GGUF files`,
        "Linear rope scaling is read; use the model's Hugging Face checkpoint for other scalings.",
      );
    }
    config.rope_scaling = { rope_type: 'linear', factor };
  }
  const factors = g.tensors.get('rope_freqs.weight');
  let ropeFactors: number[] | null = null;
  if (factors) {
    // Llama 3.1 and later: the llama3 scaling as one divisor per rotated frequency
    if (config.rope_scaling)
      return unsupported(
        `both rope_freqs.weight and ${key('rope.scaling.type')} "${String(scalingType)}"`,
        'A file has one or the other: convert the model again with a current llama.cpp.',
      );
    const values = smallF32(g, factors, headDim / 2);
    if (!values.ok) return values;
    ropeFactors = values.value;
  }
  const window = number(key('attention.sliding_window'));
  const embedding = g.tensors.get('token_embd.weight');
  if (!embedding) return fail('missing-tensor', `${g.file}: tensor "token_embd.weight" not found`, HINT);
  config.vocab_size = embedding.rows;
  config.tie_word_embeddings = !g.tensors.has('output.weight');
  const bos = number('tokenizer.ggml.bos_token_id');
  const eos = number('tokenizer.ggml.eos_token_id');
  const eot = number('tokenizer.ggml.eot_token_id');
  if (bos !== undefined) config.bos_token_id = bos;
  const stops = [eos, eot].filter((v): v is number => v !== undefined);
  if (stops.length > 0) config.eos_token_id = [...new Set(stops)];

  const gemma = arch === 'gemma2' || arch === 'gemma3';
  const family = gemma
    ? gemmaConfig(m, arch, layers, hidden, heads, headDim, window)
    : arch === 'phi3'
      ? phi3Config(g, key, rotated ?? headDim)
      : window !== undefined && window > 0
        ? unsupported(
            `a sliding window (${key('attention.sliding_window')} ${window}) is not read from ${arch} GGUF files`,
            "Use the model's Hugging Face checkpoint.",
          )
        : arch === 'qwen3moe' || modelType === 'mixtral'
          ? expertConfig(m, key, modelType, experts, config.intermediate_size as number)
          : ok(
              modelType === 'llama' || modelType === 'qwen3'
                ? { attention_bias: g.tensors.has('blk.0.attn_q.bias') }
                : {},
            );
  if (!family.ok) return family;
  Object.assign(config, family.value);
  return ok({
    config,
    naming: tensorNaming(modelType),
    permutedQueryKey: arch === 'llama',
    normsHoldOffset: gemma,
    ropeFactors,
  });
}

/** A small F32 tensor of `count` values (rope factors), read. */
function smallF32(g: GgufFile, t: GgufTensor, count: number): Result<number[]> {
  if (t.type.name !== 'F32' || t.rows * t.rowValues !== count)
    return fail(
      'corrupt-gguf',
      `${g.file}: ${t.name} is ${t.type.name} [${t.shape.join(', ')}], not ${count} F32 values (one ` +
        `per rotated frequency)`,
      HINT,
    );
  return ok(
    Array.from(
      readTensorF32({
        name: t.name,
        dtype: 'F32',
        shape: t.shape,
        file: g.file,
        byteOffset: t.byteOffset,
        byteLength: t.byteLength,
      }),
    ),
  );
}

/**
 * Gemma 2 and 3 as llama.cpp runs them: the attention scale 1/sqrt(head size), but 1/sqrt(hidden / heads) for
 * the 27B models (46 and 62 layers); a window (gemma2: 4096 by default) on every layer but each
 * `sliding_window_pattern`-th (2, gemma3 6), the sliding layers of gemma3 rotating with base 10000 (or
 * rope.freq_base_swa) unscaled; gemma3 without a window attends everywhere with one rotation.
 */
function gemmaConfig(
  m: Metadata,
  arch: 'gemma2' | 'gemma3',
  layers: number,
  hidden: number,
  heads: number,
  headDim: number,
  window: number | undefined,
): Result<Record<string, unknown>> {
  const key = (name: string) => `${arch}.${name}`;
  const number = (name: string) => metadataNumber(m, name);
  const gemma3 = arch === 'gemma3';
  const large = layers === (gemma3 ? 62 : 46);
  const out: Record<string, unknown> = {
    hidden_activation: 'gelu_pytorch_tanh',
    query_pre_attn_scalar: large ? hidden / heads : headDim,
    final_logit_softcapping: number(key('final_logit_softcapping')) ?? (gemma3 ? null : 30),
    attn_logit_softcapping: gemma3 ? null : (number(key('attn_logit_softcapping')) ?? 50),
  };
  const slides = gemma3 ? window !== undefined && window > 0 : true;
  const pattern = m.get(key('attention.sliding_window_pattern'));
  let sliding: boolean[];
  if (!slides) sliding = new Array(layers).fill(false);
  else if (Array.isArray(pattern)) {
    if (pattern.length !== layers || !pattern.every((p) => typeof p === 'boolean'))
      return fail(
        'bad-config',
        `metadata "${key('attention.sliding_window_pattern')}" must be a number or one boolean per layer`,
        HINT,
      );
    sliding = pattern as boolean[];
  } else {
    const period = typeof pattern === 'number' ? pattern : gemma3 ? 6 : 2;
    sliding = Array.from({ length: layers }, (_, i) => period === 0 || i % period < period - 1);
  }
  out.layer_types = sliding.map((s) => (s ? 'sliding_attention' : 'full_attention'));
  out.sliding_window = slides ? (window ?? 4096) : 0;
  const swaBase = number(key('rope.freq_base_swa')) ?? number(key('rope.local.freq_base'));
  // without a window every layer is global and rotates as such: the local base is then never used
  if (gemma3) out.rope_local_base_freq = swaBase ?? 10000;
  else if (swaBase !== undefined && swaBase !== (number(key('rope.freq_base')) ?? 10000)) {
    return fail(
      'unsupported-arch',
      `a second rotation base for the sliding layers (${key('rope.freq_base_swa')}) is not read for gemma2`,
      'Gemma 2 rotates every layer alike.',
    );
  }
  return ok(out);
}

/**
 * Phi-3 as llama.cpp runs it: no sliding window (llama.cpp disables Phi's, whatever the file says); LongRoPE
 * from rope_factors_short/long.weight, the attention factor from rope.scaling.attn_factor (1 where absent),
 * the original context from rope.scaling.original_context_length. Which factors apply follows transformers
 * (the sequence beyond the original context), where llama.cpp goes by the context size it was given.
 */
function phi3Config(g: GgufFile, key: (name: string) => string, rotated: number): Result<Record<string, unknown>> {
  const short = g.tensors.get('rope_factors_short.weight');
  const long = g.tensors.get('rope_factors_long.weight');
  if (!short && !long) return ok({});
  if (!short || !long)
    return fail(
      'corrupt-gguf',
      `${g.file}: ${short ? 'rope_factors_long' : 'rope_factors_short'}.weight is missing beside its pair`,
      HINT,
    );
  const s = smallF32(g, short, rotated / 2);
  if (!s.ok) return s;
  const l = smallF32(g, long, rotated / 2);
  if (!l.ok) return l;
  const attn = g.metadata.get(key('rope.scaling.attn_factor'));
  const original = g.metadata.get(key('rope.scaling.original_context_length'));
  if (typeof original !== 'number')
    return fail(
      'bad-config',
      `${g.file}: metadata "${key('rope.scaling.original_context_length')}" is missing or not a number`,
      HINT,
    );
  return ok({
    original_max_position_embeddings: original,
    rope_scaling: {
      rope_type: 'longrope',
      short_factor: s.value,
      long_factor: l.value,
      attention_factor: typeof attn === 'number' ? attn : 1,
    },
  });
}

/**
 * Mixtral (llama with experts) and Qwen3-MoE as llama.cpp runs them: experts on every layer, the chosen
 * experts' weights renormalised (llama.cpp does so for both, whatever norm_topk_prob the model had; a file
 * may say otherwise in expert_weights_norm), each expert `expert_feed_forward_length` wide (Mixtral files
 * give it as feed_forward_length).
 */
function expertConfig(
  m: Metadata,
  key: (name: string) => string,
  modelType: string,
  experts: number,
  feedForward: number,
): Result<Record<string, unknown>> {
  const perToken = m.get(key('expert_used_count'));
  if (typeof perToken !== 'number' || !(experts > 0))
    return fail(
      'bad-config',
      `metadata "${key('expert_used_count')}" or "${key('expert_count')}" is missing or not a number`,
      HINT,
    );
  const normalized = m.get(key('expert_weights_norm'));
  if (modelType === 'mixtral') {
    if (normalized === false)
      return fail(
        'unsupported-arch',
        `Mixtral with ${key('expert_weights_norm')} false is not read`,
        "Mixtral renormalises the chosen experts' weights.",
      );
    return ok({ num_local_experts: experts, num_experts_per_tok: perToken });
  }
  const width = m.get(key('expert_feed_forward_length'));
  return ok({
    num_experts: experts,
    num_experts_per_tok: perToken,
    moe_intermediate_size: typeof width === 'number' ? width : Math.floor(feedForward / perToken),
    norm_topk_prob: normalized !== false,
    decoder_sparse_step: 1,
    mlp_only_layers: [],
  });
}
