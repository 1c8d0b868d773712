// A GGUF file opened as a checkpoint: its architecture as config.json (ggufConfig.ts), its tensors under
// their Hugging Face names (a WeightStore whose tensors are read through ggml's blocks, the q/k rows of llama
// files in Hugging Face's order), its vocabulary as tokenizer.json (ggufTokenizer.ts) and its chat template.
// Nothing is dequantized here: readers widen what they read, the graph widens each weight at its use.
import { dirname } from 'node:path';
import { parseConfig } from '../arch';
import { fail, LensFailure, ok, type Result } from '../lensError';
import type { Checkpoint } from '../model/checkpoint';
import type { ChatTemplate } from '../model/chatTemplate';
import type { ModelConfig } from '../model/config';
import { readTensorF32, type BlockDtype, type Dtype, type TensorInfo, type WeightStore } from '../model/safetensors';
import { tokenizerFromJson, type LensTokenizer } from '../model/tokenizer';
import { ggufArchitecture } from './ggufConfig';
import { openGguf, type GgufFile } from './ggufFile';
import { ggufTokenizerJson } from './ggufTokenizer';
import { ggufTensorName, hfTensorName, unpermutedRows } from './tensorNames';

const TOKENIZER_HINT = 'The file is damaged or its vocabulary was written by an old converter: convert the model again with a current llama.cpp.';

export async function loadGgufCheckpoint(path: string): Promise<Result<Checkpoint>> {
  const opened = await openGguf(path);
  if (!opened.ok) return opened;
  const g = opened.value;
  const splits = g.metadata.get('split.count');
  if (typeof splits === 'number' && splits > 1) {
    const index = g.metadata.get('split.no');
    return fail('unsupported-arch', `${g.file}: one part (${typeof index === 'number' ? index + 1 : '?'} of ${splits}) of a split GGUF model`, 'Split models are not read: merge the parts into one file with llama.cpp\'s `llama-gguf-split --merge FIRST-PART OUT.gguf`.');
  }
  const arch = ggufArchitecture(g);
  if (!arch.ok) return arch;
  const parsed = parseConfig(arch.value.config);
  if (!parsed.ok) return fail(parsed.error.code, `${g.file}: ${parsed.error.message.replace(/^config\.json: /, '')}`, parsed.error.hint);
  const config = arch.value.ropeFactors ? { ...parsed.value, ropeScaling: { type: 'frequencyFactors' as const, factors: ropeFactors(g) } } : parsed.value;
  const weights = ggufWeightStore(g, config, arch.value.permutedQueryKey);
  const tokenizer = ggufTokenizer(g);
  if (!tokenizer.ok) return tokenizer;
  let parameterCount = 0;
  for (const t of g.tensors.values()) parameterCount += t.rows * t.rowValues;
  return ok({ dir: g.file, weightsFolder: dirname(g.file), config, weights, tokenizer: tokenizer.value, chatTemplate: chatTemplate(g), parameterCount });
}

/** rope_freqs.weight's values (checked F32, one per rotated frequency, by ggufArchitecture). */
function ropeFactors(g: GgufFile): number[] {
  const t = g.tensors.get('rope_freqs.weight')!;
  return Array.from(readTensorF32({ name: t.name, dtype: 'F32', shape: t.shape, file: g.file, byteOffset: t.byteOffset, byteLength: t.byteLength }));
}

function ggufTokenizer(g: GgufFile): Result<LensTokenizer> {
  const model = g.metadata.get('tokenizer.ggml.model');
  if (model === 'gpt2' || model === 'llama') {
    const json = ggufTokenizerJson(g);
    if (!json.ok) return json;
    return tokenizerFromJson(json.value, `${g.file} (its vocabulary)`, TOKENIZER_HINT);
  }
  if (model === undefined) return fail('bad-tokenizer', `${g.file}: no vocabulary (tokenizer.ggml.model is missing)`, TOKENIZER_HINT);
  return fail('bad-tokenizer', `${g.file}: vocabularies of model "${String(model)}" are not read from GGUF files`, 'Byte-level BPE ("gpt2": Llama 3, Qwen) and SentencePiece ("llama": Llama 2, Mistral) vocabularies are read; use the model\'s Hugging Face checkpoint.');
}

function chatTemplate(g: GgufFile): Result<ChatTemplate> {
  const source = g.metadata.get('tokenizer.chat_template');
  if (typeof source !== 'string') return fail('no-chat-template', `${g.file}: no chat template (tokenizer.chat_template)`, 'Leave --chat off, or use a GGUF file converted with its chat template.');
  const tokens = g.metadata.get('tokenizer.ggml.tokens');
  const token = (key: string): string => {
    const id = g.metadata.get(key);
    return typeof id === 'number' && Array.isArray(tokens) && typeof tokens[id] === 'string' ? (tokens[id] as string) : '';
  };
  return ok({ source, file: g.file, bosToken: token('tokenizer.ggml.bos_token_id'), eosToken: token('tokenizer.ggml.eos_token_id') });
}

/** The file's tensors under their Hugging Face names. */
export function ggufWeightStore(g: GgufFile, config: ModelConfig, permutedQueryKey: boolean): WeightStore {
  const infos = new Map<string, TensorInfo>();
  for (const t of g.tensors.values()) {
    const hf = hfTensorName(t.name);
    if (!hf) continue;
    const heads = /self_attn\.q_proj/.test(hf) ? config.numHeads : /self_attn\.k_proj/.test(hf) ? config.numKvHeads : 0;
    infos.set(hf, {
      name: t.name,
      dtype: t.type.name as Dtype | BlockDtype,
      shape: t.shape,
      file: g.file,
      byteOffset: t.byteOffset,
      byteLength: t.byteLength,
      gguf: true,
      ...(permutedQueryKey && heads > 0 ? { rowOrder: Array.from(unpermutedRows(t.shape[0], heads)) } : {}),
    });
  }
  // by Hugging Face name (with or without its prefix), or by the GGUF name that TensorInfo.name carries
  const byGgufName = new Map([...infos.values()].map((t) => [t.name, t]));
  const info = (name: string) => infos.get(name) ?? byGgufName.get(name) ?? infos.get(hfTensorName(ggufTensorName(name) ?? '') ?? '');
  const lookup = (name: string): Result<TensorInfo> => {
    const t = info(name);
    return t ? ok(t) : fail('missing-tensor', `${g.file}: tensor "${ggufTensorName(name) ?? name}" (${name}) not found`, 'The file does not match its architecture: convert the model again.');
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
