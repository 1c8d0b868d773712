// A GGUF file opened as a checkpoint: its architecture as config.json (ggufConfig.ts), its tensors under
// their Hugging Face names (a WeightStore whose tensors are read through ggml's blocks, the q/k rows of llama
// files in Hugging Face's order), its vocabulary as tokenizer.json (ggufTokenizer.ts) and its chat template.
// Nothing is dequantized here: readers widen what they read, the graph widens each weight at its use.
import { dirname } from 'node:path';
import { parseConfig } from '../arch';
import { fail, LensFailure, ok, type Result } from '../lensError';
import type { Checkpoint } from './checkpoint';
import type { ChatTemplate } from '../model/chatTemplate';
import type { ModelConfig } from '../model/config';
import { readTensorF32, type BlockDtype, type Dtype, type TensorInfo, type WeightStore } from '../model/safetensors';
import { tokenizerFromJson, type LensTokenizer } from '../model/tokenizer';
import { ggufArchitecture } from '../gguf/ggufConfig';
import { openGguf, type GgufFile, type GgufTensor } from '../gguf/ggufFile';
import { ggufTokenizerJson } from '../gguf/ggufTokenizer';
import { ggufTensorName, hfTensorName, unpermutedRows, type TensorNaming } from '../gguf/tensorNames';

const TOKENIZER_HINT =
  'The file is damaged or its vocabulary was written by an old converter: convert the model again ' +
  'with a current llama.cpp.';

export async function loadGgufCheckpoint(path: string): Promise<Result<Checkpoint>> {
  const opened = await openGguf(path);
  if (!opened.ok) return opened;
  const g = opened.value;
  const splits = g.metadata.get('split.count');
  if (typeof splits === 'number' && splits > 1) {
    const index = g.metadata.get('split.no');
    return fail(
      'unsupported-arch',
      `${g.file}: one part (${typeof index === 'number' ? index + 1 : '?'} of ${splits}) of a split GGUF model`,
      "Split models are not read: merge the parts into one file with llama.cpp's `llama-gguf-split " +
        '--merge FIRST-PART OUT.gguf`.',
    );
  }
  const arch = ggufArchitecture(g);
  if (!arch.ok) return arch;
  const parsed = parseConfig(arch.value.config);
  if (!parsed.ok)
    return fail(
      parsed.error.code,
      `${g.file}: ${parsed.error.message.replace(/^config\.json: /, '')}`,
      parsed.error.hint,
    );
  const { ropeFactors, normsHoldOffset, naming, permutedQueryKey } = arch.value;
  const config: ModelConfig = {
    ...parsed.value,
    ...(ropeFactors ? { ropeScaling: { type: 'frequencyFactors' as const, factors: ropeFactors } } : {}),
    // the file's norms already hold Gemma's 1 + w
    ...(normsHoldOffset ? { normOffset: 0 as const } : {}),
  };
  const weights = ggufWeightStore(g, config, naming, permutedQueryKey);
  const tokenizer = ggufTokenizer(g);
  if (!tokenizer.ok) return tokenizer;
  let parameterCount = 0;
  for (const t of g.tensors.values()) parameterCount += t.rows * t.rowValues;
  return ok({
    dir: g.file,
    weightsFolder: dirname(g.file),
    config,
    weights,
    tokenizer: tokenizer.value,
    chatTemplate: chatTemplate(g),
    parameterCount,
  });
}

function ggufTokenizer(g: GgufFile): Result<LensTokenizer> {
  const model = g.metadata.get('tokenizer.ggml.model');
  if (model === 'gpt2' || model === 'llama') {
    const json = ggufTokenizerJson(g);
    if (!json.ok) return json;
    return tokenizerFromJson(json.value, `${g.file} (its vocabulary)`, TOKENIZER_HINT);
  }
  if (model === undefined)
    return fail('bad-tokenizer', `${g.file}: no vocabulary (tokenizer.ggml.model is missing)`, TOKENIZER_HINT);
  return fail(
    'bad-tokenizer',
    `${g.file}: vocabularies of model "${String(model)}" are not read from GGUF files`,
    'Byte-level BPE ("gpt2": Llama 3, Qwen) and SentencePiece ("llama": Llama 2, Mistral) ' +
      "vocabularies are read; use the model's Hugging Face checkpoint.",
  );
}

function chatTemplate(g: GgufFile): Result<ChatTemplate> {
  const source = g.metadata.get('tokenizer.chat_template');
  if (typeof source !== 'string')
    return fail(
      'no-chat-template',
      `${g.file}: no chat template (tokenizer.chat_template)`,
      'Leave --chat off, or use a GGUF file converted with its chat template.',
    );
  const tokens = g.metadata.get('tokenizer.ggml.tokens');
  const token = (key: string): string => {
    const id = g.metadata.get(key);
    return typeof id === 'number' && Array.isArray(tokens) && typeof tokens[id] === 'string'
      ? (tokens[id] as string)
      : '';
  };
  return ok({
    source,
    file: g.file,
    bosToken: token('tokenizer.ggml.bos_token_id'),
    eosToken: token('tokenizer.ggml.eos_token_id'),
  });
}

/**
 * The file's tensors under their Hugging Face names: a mixture's stacked experts (one [experts, out, in]
 * tensor per projection) as one [out, in] tensor per expert, each a byte range of the stacked one.
 */
export function ggufWeightStore(
  g: GgufFile,
  config: ModelConfig,
  naming: TensorNaming,
  permutedQueryKey: boolean,
): WeightStore {
  const infos = new Map<string, TensorInfo>();
  const add = (
    hf: string,
    t: GgufTensor,
    part: { name: string; shape: readonly number[]; byteOffset: number; byteLength: number },
  ) => {
    const heads = /self_attn\.q_proj/.test(hf) ? config.numHeads : /self_attn\.k_proj/.test(hf) ? config.numKvHeads : 0;
    infos.set(hf, {
      ...part,
      dtype: t.type.name as Dtype | BlockDtype,
      file: g.file,
      gguf: true,
      ...(permutedQueryKey && heads > 0 ? { rowOrder: Array.from(unpermutedRows(part.shape[0], heads)) } : {}),
    });
  };
  for (const t of g.tensors.values()) {
    const hf = hfTensorName(t.name, naming);
    if (typeof hf === 'string') add(hf, t, t);
    else if (hf && t.shape.length === 3) {
      const [experts, rows, cols] = t.shape;
      const bytes = t.byteLength / experts;
      for (let e = 0; e < experts; e++)
        add(hf(e), t, {
          name: `${t.name}[${e}]`,
          shape: [rows, cols],
          byteOffset: t.byteOffset + e * bytes,
          byteLength: bytes,
        });
    }
  }
  // by Hugging Face name (with or without its prefix), or by the GGUF name that TensorInfo.name carries
  const byGgufName = new Map([...infos.values()].map((t) => [t.name, t]));
  const info = (name: string) =>
    infos.get(name) ??
    byGgufName.get(name) ??
    infos.get(name.startsWith('model.') || name === 'lm_head.weight' ? name : `model.${name}`);
  const lookup = (name: string): Result<TensorInfo> => {
    const t = info(name);
    return t
      ? ok(t)
      : fail(
          'missing-tensor',
          `${g.file}: tensor "${ggufTensorName(name, naming) ?? name}" (${name}) not found`,
          'The file does not match its architecture: convert the model again.',
        );
  };
  let totalBytes = 0;
  for (const t of g.tensors.values()) totalBytes += t.byteLength;
  return {
    files: [g.file],
    totalBytes,
    names: () => [...infos.keys()],
    info,
    lookup,
    readF32(name) {
      const t = lookup(name);
      if (!t.ok) throw new LensFailure(t.error);
      return readTensorF32(t.value);
    },
  };
}
