// Trains the pair's byte-level BPE tokenizer (about 4,096 tokens) on corpus.train.txt and writes a standard
// Hugging Face tokenizer.json plus tokenizer_config.json (with the chat template). The merges come from the
// `tokenizers` package's own BPE trainer. Its Node binding offers no way to configure a trainer
// (`Tokenizer.train(files)` always uses the model's default: 30,000 tokens, no special tokens, only the
// characters it saw), so we train to that default and keep the first merges. BPE learns merges greedily, one
// at a time, so the first k merges of a 30,000-token run are exactly the merges of a (256 + k)-token run.
// The vocabulary is then laid out as the trainer lays it out when configured: special tokens (ids 0..4), the
// full 256-character byte alphabet sorted by code point (so any input encodes), then one token per merge.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BPE, Tokenizer, byteLevelAlphabet, byteLevelPreTokenizer } from 'tokenizers';

export const BOS = '<|bos|>';
export const EOS = '<|eos|>';
export const USER = '<|user|>';
export const ASSISTANT = '<|assistant|>';
export const PAD = '<|pad|>';
/** In id order: ids 0..4. */
export const SPECIAL_TOKENS = [BOS, EOS, USER, ASSISTANT, PAD] as const;

/**
 * One user turn and one assistant turn per exchange; the generation prompt opens an assistant turn.
 * `{{ bos_token }}<|user|>\n{prompt}\n<|assistant|>\n{answer}<|eos|>\n`. Other roles are an error, so a
 * system message is never silently dropped. Written for @huggingface/jinja and Python jinja2 alike (no
 * whitespace control needed: every literal newline is inside a string).
 */
export const CHAT_TEMPLATE =
  '{{ bos_token }}{% for message in messages %}' +
  "{% if message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + '\\n' }}" +
  "{% elif message['role'] == 'assistant' %}{{ '<|assistant|>\\n' + message['content'] + eos_token + '\\n' }}" +
  "{% else %}{{ raise_exception('Only user and assistant roles are supported') }}{% endif %}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

export interface TokenizerOptions {
  readonly vocabSize: number; // special tokens and byte alphabet included
  readonly modelMaxLength: number;
}

export const DEFAULT_TOKENIZER: TokenizerOptions = { vocabSize: 4096, modelMaxLength: 256 };

export interface TrainedTokenizer {
  readonly dir: string;
  readonly vocabSize: number;
  readonly merges: number;
}

/** The trainer's merges, in rank order, from a 30,000-token default run over `files`. */
function trainMerges(files: readonly string[]): [string, string][] {
  const tok = new Tokenizer(BPE.empty());
  tok.setPreTokenizer(byteLevelPreTokenizer(false, true));
  tok.train([...files]);
  const scratch = join(tmpdir(), `lens-bpe-${process.pid}.json`);
  tok.save(scratch, false);
  const json = JSON.parse(readFileSync(scratch, 'utf8')) as { model: { merges: (string | [string, string])[] } };
  rmSync(scratch, { force: true });
  // tokenizers >= 0.20 saves merges as pairs, older versions as "a b" strings
  return json.model.merges.map((m) => (typeof m === 'string' ? (m.split(' ') as [string, string]) : m));
}

function addedToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** tokenizer.json in the format tokenizers and transformers save (merges as "a b" strings, read by every version). */
export function tokenizerJson(vocab: Record<string, number>, merges: readonly (readonly [string, string])[]) {
  const bosId = vocab[BOS];
  const bosPiece = { SpecialToken: { id: BOS, type_id: 0 } };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t) => addedToken(vocab[t], t)),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [bosPiece, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        bosPiece,
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: BOS, type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [BOS]: { id: BOS, ids: [bosId], tokens: [BOS] } },
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
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** tokenizer_config.json as transformers writes it for a fast tokenizer, with the chat template. */
export function tokenizerConfig(vocab: Record<string, number>, options: TokenizerOptions) {
  const addedTokensDecoder = Object.fromEntries(
    SPECIAL_TOKENS.map((t) => {
      const { id, ...rest } = addedToken(vocab[t], t);
      return [String(id), rest];
    }),
  );
  return {
    added_tokens_decoder: addedTokensDecoder,
    additional_special_tokens: [USER, ASSISTANT],
    bos_token: BOS,
    eos_token: EOS,
    pad_token: PAD,
    unk_token: null,
    add_bos_token: false, // the chat template writes BOS itself; plain text gets it from the post-processor
    clean_up_tokenization_spaces: false,
    model_max_length: options.modelMaxLength,
    tokenizer_class: 'PreTrainedTokenizerFast',
    chat_template: CHAT_TEMPLATE,
  };
}

/** Trains on `corpusFiles` and writes tokenizer.json and tokenizer_config.json into `outDir`. */
export function trainTokenizer(
  corpusFiles: readonly string[],
  outDir: string,
  options: TokenizerOptions = DEFAULT_TOKENIZER,
): TrainedTokenizer {
  const vocab: Record<string, number> = {};
  let size = 0;
  for (const t of SPECIAL_TOKENS) vocab[t] = size++;
  const alphabet = byteLevelAlphabet().sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  for (const ch of alphabet) vocab[ch] = size++;
  const merges: [string, string][] = [];
  for (const [a, b] of trainMerges(corpusFiles)) {
    if (size >= options.vocabSize) break;
    if (!(a in vocab) || !(b in vocab)) throw new Error(`merge "${a} ${b}" uses a token not yet in the vocabulary`);
    if (a + b in vocab) continue; // cannot happen in one BPE run; kept as a guard
    vocab[a + b] = size++;
    merges.push([a, b]);
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab, merges), null, 2) + '\n');
  writeFileSync(join(outDir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig(vocab, options), null, 2) + '\n');
  return { dir: outDir, vocabSize: size, merges: merges.length };
}
