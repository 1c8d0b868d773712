// A GGUF file's vocabulary as the tokenizer.json that the `tokenizers` library loads.
//   gpt2 (byte-level BPE): the tokens by id, the merges as written, the added tokens (CONTROL as special,
//     USER_DEFINED as plain) and the pre-tokenizer that tokenizer.ggml.pre names. The file does not hold the
//     pre-tokenizer's regex: llama.cpp keeps one per name in its source; here are the original Hugging Face
//     regexes of the names read, and any other name is refused rather than guessed.
//   llama (SentencePiece BPE with byte fallback): the file has pieces and scores but no merges; they are
//     derived as transformers derives them from a SentencePiece model (SentencePieceExtractor): every split of
//     a piece into two pieces of the vocabulary is a merge, ranked by the piece's score, highest first. Text
//     is prefixed with ▁ where add_space_prefix (the default) says, spaces become ▁, bytes with no piece fall
//     back to <0xXX>.
import { fail, ok, type Result } from '../lensError';
import type { GgufFile } from './ggufFile';

/** llama.cpp's token types (tokenizer.ggml.token_type). */
const CONTROL = 3;
const USER_DEFINED = 4;

const LLAMA3_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| " +
  '?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';
const QWEN2_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| " +
  '?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';

/** Pre-tokenizer regex by tokenizer.ggml.pre, and whether whole words in the vocabulary skip the merges. */
const PRE: Readonly<Record<string, { readonly regex: string; readonly ignoreMerges: boolean }>> = {
  'llama-bpe': { regex: LLAMA3_REGEX, ignoreMerges: true },
  llama3: { regex: LLAMA3_REGEX, ignoreMerges: true },
  'llama-v3': { regex: LLAMA3_REGEX, ignoreMerges: true },
  qwen2: { regex: QWEN2_REGEX, ignoreMerges: false },
};

const HINT =
  'The file is damaged or its tokenizer was written by an old converter: convert the model again ' +
  'with a current llama.cpp.';

/**
 * llama.cpp strips the whitespace after a Phi-3 model's special tokens (RSTRIP, set by the model's
 * general.name), but not after <unk>, <s> and <|endoftext|>; as the publisher's tokenizer.json does.
 */
function stripsAfter(g: GgufFile): (content: string) => boolean {
  const name = String(g.metadata.get('general.name') ?? '').toLowerCase();
  if (!name.includes('phi-3') && !name.includes('phi3')) return () => false;
  return (content) => !['<unk>', '<s>', '<|endoftext|>'].includes(content);
}

/** The added tokens: CONTROL ones special, USER_DEFINED ones plain. */
function addedTokens(
  tokens: readonly string[],
  types: readonly number[] | undefined,
  rstrip: (content: string) => boolean,
) {
  return tokens.flatMap((content, id) => {
    const type = types?.[id];
    if (type !== CONTROL && type !== USER_DEFINED) return [];
    return [
      {
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: rstrip(content),
        normalized: false,
        special: type === CONTROL,
      },
    ];
  });
}

/** A post-processor that prepends BOS, or none. */
function bosProcessor(bosToken: string | undefined, bos: number | undefined): unknown {
  if (bosToken === undefined || bos === undefined) return null;
  const seq = (id: string, type_id: number) => ({ Sequence: { id, type_id } });
  const special = (type_id: number) => ({ SpecialToken: { id: bosToken, type_id } });
  return {
    type: 'TemplateProcessing',
    single: [special(0), seq('A', 0)],
    pair: [special(0), seq('A', 0), special(1), seq('B', 1)],
    special_tokens: { [bosToken]: { id: bosToken, ids: [bos], tokens: [bosToken] } },
  };
}

/** The tokenizer.json text for a GGUF vocabulary: byte-level BPE (gpt2) or SentencePiece (llama). */
export function ggufTokenizerJson(g: GgufFile): Result<string> {
  return g.metadata.get('tokenizer.ggml.model') === 'llama' ? sentencePieceTokenizerJson(g) : bpeTokenizerJson(g);
}

/** The tokenizer.json text for a llama-model (SentencePiece) GGUF vocabulary. */
export function sentencePieceTokenizerJson(g: GgufFile): Result<string> {
  const tokens = g.metadata.get('tokenizer.ggml.tokens');
  const scores = g.metadata.get('tokenizer.ggml.scores');
  const types = g.metadata.get('tokenizer.ggml.token_type');
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string'))
    return fail('bad-tokenizer', `${g.file}: tokenizer.ggml.tokens is missing or not a list of strings`, HINT);
  if (!Array.isArray(scores) || scores.length !== tokens.length || !scores.every((v) => typeof v === 'number'))
    return fail(
      'bad-tokenizer',
      `${g.file}: tokenizer.ggml.scores is missing or does not have one number per token`,
      HINT,
    );
  if (types !== undefined && !(Array.isArray(types) && types.length === tokens.length))
    return fail('bad-tokenizer', `${g.file}: tokenizer.ggml.token_type does not have one entry per token`, HINT);
  const pieces = tokens as string[];
  const score = scores as number[];
  const vocab: Record<string, number> = Object.create(null);
  pieces.forEach((t, id) => {
    if (!(t in vocab)) vocab[t] = id;
  });
  // merges: each split of each piece into two pieces, within a piece by the halves' ids, then all by the
  // piece's score, highest first (a stable sort, as transformers' extractor)
  const merges: { left: string; right: string; score: number }[] = [];
  pieces.forEach((piece, id) => {
    if (vocab[piece] !== id) return;
    const chars = Array.from(piece);
    const local: { left: string; right: string; score: number }[] = [];
    for (let i = 1; i < chars.length; i++) {
      const left = chars.slice(0, i).join('');
      const right = chars.slice(i).join('');
      if (left in vocab && right in vocab) local.push({ left, right, score: score[id] });
    }
    local.sort((a, b) => vocab[a.left] - vocab[b.left] || vocab[a.right] - vocab[b.right]);
    merges.push(...local);
  });
  merges.sort((a, b) => b.score - a.score);
  const unk = g.metadata.get('tokenizer.ggml.unknown_token_id');
  const unkId = typeof unk === 'number' ? unk : 0;
  const spacePrefix = g.metadata.get('tokenizer.ggml.add_space_prefix') !== false;
  const bos = g.metadata.get('tokenizer.ggml.bos_token_id');
  const bosId = typeof bos === 'number' ? bos : 1;
  // llama.cpp adds BOS to SentencePiece vocabularies unless told otherwise
  const addBos = g.metadata.get('tokenizer.ggml.add_bos_token') !== false;
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens(pieces, types as number[] | undefined, stripsAfter(g)),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        ...(spacePrefix ? [{ type: 'Prepend', prepend: '▁' }] : []),
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: addBos ? bosProcessor(pieces[bosId], bosId) : null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        ...(spacePrefix ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: pieces[unkId] ?? null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: merges.map((m) => [m.left, m.right]),
    },
  };
  return ok(JSON.stringify(json));
}

/** The tokenizer.json text for a gpt2-model GGUF vocabulary. */
export function bpeTokenizerJson(g: GgufFile): Result<string> {
  const model = g.metadata.get('tokenizer.ggml.model');
  if (model !== 'gpt2')
    return fail('bad-tokenizer', `${g.file}: tokenizer.ggml.model is ${JSON.stringify(model)}, not "gpt2"`, HINT);
  const tokens = g.metadata.get('tokenizer.ggml.tokens');
  const merges = g.metadata.get('tokenizer.ggml.merges');
  const types = g.metadata.get('tokenizer.ggml.token_type');
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string'))
    return fail('bad-tokenizer', `${g.file}: tokenizer.ggml.tokens is missing or not a list of strings`, HINT);
  if (!Array.isArray(merges) || !merges.every((m) => typeof m === 'string'))
    return fail('bad-tokenizer', `${g.file}: tokenizer.ggml.merges is missing or not a list of strings`, HINT);
  if (types !== undefined && !(Array.isArray(types) && types.length === tokens.length))
    return fail('bad-tokenizer', `${g.file}: tokenizer.ggml.token_type does not have one entry per token`, HINT);
  const preName = g.metadata.get('tokenizer.ggml.pre') ?? 'default';
  const pre = PRE[String(preName)];
  if (!pre) {
    return fail(
      'bad-tokenizer',
      `${g.file}: pre-tokenizer "${String(preName)}" (tokenizer.ggml.pre) is not known`,
      `Known: ${Object.keys(PRE).join(', ')}. Use the model's Hugging Face checkpoint, whose ` +
        `tokenizer.json carries its pre-tokenizer.`,
    );
  }
  const vocab: Record<string, number> = Object.create(null);
  (tokens as string[]).forEach((t, id) => {
    if (!(t in vocab)) vocab[t] = id;
  });
  const added = addedTokens(tokens as string[], types as number[] | undefined, stripsAfter(g));
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
    post_processor: (addBos && bosProcessor(bosToken, typeof bos === 'number' ? bos : undefined)) || {
      type: 'ByteLevel',
      add_prefix_space: false,
      trim_offsets: false,
      use_regex: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: pre.ignoreMerges,
      vocab,
      merges,
    },
  };
  return ok(JSON.stringify(json));
}
