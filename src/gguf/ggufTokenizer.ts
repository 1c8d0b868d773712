// A GGUF file's byte-level BPE vocabulary (tokenizer.ggml.model "gpt2") as the tokenizer.json that the
// `tokenizers` library loads: the tokens by id, the merges as written, the added tokens (CONTROL as special,
// USER_DEFINED as plain) and the pre-tokenizer that tokenizer.ggml.pre names. The file does not hold the
// pre-tokenizer's regex: llama.cpp keeps one per name in its source; here are the original Hugging Face regexes
// of the names read, and any other name is refused rather than guessed.
import { fail, ok, type Result } from '../lensError';
import type { GgufFile } from './ggufFile';

/** llama.cpp's token types (tokenizer.ggml.token_type). */
const CONTROL = 3;
const USER_DEFINED = 4;

const LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Pre-tokenizer regex by tokenizer.ggml.pre, and whether whole words in the vocabulary skip the merges. */
const PRE: Readonly<Record<string, { readonly regex: string; readonly ignoreMerges: boolean }>> = {
  'llama-bpe': { regex: LLAMA3_REGEX, ignoreMerges: true },
  llama3: { regex: LLAMA3_REGEX, ignoreMerges: true },
  'llama-v3': { regex: LLAMA3_REGEX, ignoreMerges: true },
  qwen2: { regex: QWEN2_REGEX, ignoreMerges: false },
};

const HINT = 'The file is damaged or its tokenizer was written by an old converter: convert the model again with a current llama.cpp.';

/** The tokenizer.json text for a gpt2-model GGUF vocabulary. */
export function bpeTokenizerJson(g: GgufFile): Result<string> {
  const model = g.metadata.get('tokenizer.ggml.model');
  if (model !== 'gpt2') return fail('bad-tokenizer', `${g.file}: tokenizer.ggml.model is ${JSON.stringify(model)}, not "gpt2"`, HINT);
  const tokens = g.metadata.get('tokenizer.ggml.tokens');
  const merges = g.metadata.get('tokenizer.ggml.merges');
  const types = g.metadata.get('tokenizer.ggml.token_type');
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) return fail('bad-tokenizer', `${g.file}: tokenizer.ggml.tokens is missing or not a list of strings`, HINT);
  if (!Array.isArray(merges) || !merges.every((m) => typeof m === 'string')) return fail('bad-tokenizer', `${g.file}: tokenizer.ggml.merges is missing or not a list of strings`, HINT);
  if (types !== undefined && !(Array.isArray(types) && types.length === tokens.length)) return fail('bad-tokenizer', `${g.file}: tokenizer.ggml.token_type does not have one entry per token`, HINT);
  const preName = g.metadata.get('tokenizer.ggml.pre') ?? 'default';
  const pre = PRE[String(preName)];
  if (!pre) {
    return fail('bad-tokenizer', `${g.file}: pre-tokenizer "${String(preName)}" (tokenizer.ggml.pre) is not known`, `Known: ${Object.keys(PRE).join(', ')}. Use the model's Hugging Face checkpoint, whose tokenizer.json carries its pre-tokenizer.`);
  }
  const vocab: Record<string, number> = Object.create(null);
  (tokens as string[]).forEach((t, id) => {
    if (!(t in vocab)) vocab[t] = id;
  });
  const added = (tokens as string[]).flatMap((content, id) => {
    const type = (types as number[] | undefined)?.[id];
    if (type !== CONTROL && type !== USER_DEFINED) return [];
    return [{ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: type === CONTROL }];
  });
  const addBos = g.metadata.get('tokenizer.ggml.add_bos_token') === true;
  const bos = g.metadata.get('tokenizer.ggml.bos_token_id');
  const bosToken = typeof bos === 'number' ? (tokens as string[])[bos] : undefined;
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: pre.regex }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor:
      addBos && bosToken !== undefined
        ? { type: 'TemplateProcessing', single: [{ SpecialToken: { id: bosToken, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [{ SpecialToken: { id: bosToken, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }], special_tokens: { [bosToken]: { id: bosToken, ids: [bos], tokens: [bosToken] } } }
        : { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: pre.ignoreMerges, vocab, merges },
  };
  return ok(JSON.stringify(json));
}
