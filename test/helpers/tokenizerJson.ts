// Writes tiny Hugging Face tokenizers for tests: a GPT-2 style byte-level BPE and a Llama-2 style BPE with
// byte fallback, each as tokenizer.json + tokenizer_config.json (with a chat template). Both stay under 300
// tokens so test checkpoints keep small embedding tables. Not a trainer: the merges are hand-picked.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WrittenTokenizer {
  readonly vocabSize: number; // including the added special tokens
  readonly bosId: number;
  readonly eosId: number;
}

/** The simple chat template both test tokenizers use: `<bos>user: {prompt}\nassistant:`. */
export const TEST_CHAT_TEMPLATE =
  "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if " +
  'add_generation_prompt %}assistant:{% endif %}';

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 upwards (space -> "Ġ"). */
export function byteToUnicode(): string[] {
  const table: string[] = new Array(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCodePoint(printable ? b : 256 + next++);
  }
  return table;
}

/** Merges in rank order; each side must already be in the vocabulary when its merge is reached.
 *  "Ġ a" ranks before "a n" so that " and" becomes one token. */
export const BYTE_LEVEL_MERGES: readonly (readonly [string, string])[] = [
  ['Ġ', 't'],
  ['h', 'e'],
  ['Ġt', 'he'],
  ['i', 'n'],
  ['e', 'r'],
  ['Ġ', 'a'],
  ['a', 'n'],
  ['o', 'n'],
  ['r', 'e'],
  ['Ġ', 's'],
  ['Ġ', 'w'],
  ['o', 'r'],
  ['e', 'n'],
  ['in', 'g'],
  ['Ġ', 'i'],
  ['a', 't'],
  ['Ġa', 'n'],
  ['Ġan', 'd'],
  ['Ġ', 'o'],
  ['e', 's'],
];

function addedToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

function prependTemplate(token: string, id: number) {
  return {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: token, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: token, type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: token, type_id: 1 } },
      { Sequence: { id: 'B', type_id: 1 } },
    ],
    special_tokens: { [token]: { id: token, ids: [id], tokens: [token] } },
  };
}

function bpeModel(
  vocab: Record<string, number>,
  merges: readonly (readonly [string, string])[],
  extra: Record<string, unknown>,
) {
  return {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    ...extra,
    vocab,
    merges: merges.map(([a, b]) => `${a} ${b}`),
  };
}

function writeConfig(dir: string, bos: string, eos: string, extra: Record<string, unknown>): void {
  const config = { bos_token: bos, eos_token: eos, chat_template: TEST_CHAT_TEMPLATE, model_max_length: 512, ...extra };
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2));
}

/**
 * GPT-2 style: ids 0..255 are the bytes (id = byte value), then one id per merge, then `<|bos|>`, `<|eos|>`.
 * E.g. "the cat and" -> <|bos|>=276, "t"=116, "he"=257, "Ġ"=32, "c"=99, "at"=271, "Ġand"=273.
 */
export function writeByteLevelBpeTokenizer(dir: string): WrittenTokenizer {
  const bytes = byteToUnicode();
  const vocab: Record<string, number> = {};
  bytes.forEach((ch, b) => (vocab[ch] = b));
  for (const [a, b] of BYTE_LEVEL_MERGES) vocab[a + b] = Object.keys(vocab).length;
  const bosId = Object.keys(vocab).length;
  const eosId = bosId + 1;
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [addedToken(bosId, '<|bos|>'), addedToken(eosId, '<|eos|>')],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: prependTemplate('<|bos|>', bosId),
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: bpeModel(vocab, BYTE_LEVEL_MERGES, {}),
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json, null, 2));
  writeConfig(dir, '<|bos|>', '<|eos|>', { tokenizer_class: 'GPT2Tokenizer' });
  return { vocabSize: eosId + 1, bosId, eosId };
}

/** Letters the byte-fallback vocabulary knows as pieces; every other character falls back to `<0xNN>` bytes. */
export const BYTE_FALLBACK_LETTERS = 'adeghilnorstw';

export const BYTE_FALLBACK_MERGES: readonly (readonly [string, string])[] = [
  ['▁', 't'],
  ['h', 'e'],
  ['▁t', 'he'],
  ['i', 'n'],
  ['e', 'r'],
  ['▁', 'a'],
  ['a', 'n'],
  ['o', 'n'],
  ['r', 'e'],
  ['▁', 's'],
  ['▁', 'w'],
  ['o', 'r'],
  ['e', 'n'],
  ['in', 'g'],
  ['▁', 'i'],
  ['a', 't'],
  ['▁a', 'n'],
  ['▁an', 'd'],
  ['▁', 'o'],
  ['e', 's'],
];

/**
 * Llama-2 style: `<unk>`=0, `<s>`=1, `</s>`=2, `<0x00>`..`<0xFF>` = 3..258, "▁", the letters, then the merges.
 * Metaspace pre-tokenizer (prepend "▁" to the first word only), byte fallback for unknown characters.
 */
export function writeByteFallbackTokenizer(dir: string): WrittenTokenizer {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  for (const piece of ['▁', ...BYTE_FALLBACK_LETTERS]) vocab[piece] = Object.keys(vocab).length;
  for (const [a, b] of BYTE_FALLBACK_MERGES) vocab[a + b] = Object.keys(vocab).length;
  const vocabSize = Object.keys(vocab).length;
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [addedToken(0, '<unk>'), addedToken(1, '<s>'), addedToken(2, '</s>')],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
    post_processor: prependTemplate('<s>', 1),
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: bpeModel(vocab, BYTE_FALLBACK_MERGES, { unk_token: '<unk>', fuse_unk: true, byte_fallback: true }),
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json, null, 2));
  writeConfig(dir, '<s>', '</s>', { tokenizer_class: 'LlamaTokenizer', unk_token: '<unk>', add_bos_token: true });
  return { vocabSize, bosId: 1, eosId: 2 };
}
