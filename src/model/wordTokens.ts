// Words as token ids, for the head-pattern method: the default word list read off a tokenizer's vocabulary,
// and a user's words encoded. Words are taken as they appear mid-sentence, after a space: byte-level BPE
// vocabularies (GPT-2, Llama-3, Qwen2) spell " write" as "Ġwrite", SentencePiece-style ones (Llama-2,
// Mistral) as "▁write", and those are the rows the model reads inside a prompt. A lone space token (the
// marker by itself, as in " cat" -> "Ġ", "c", "at") carries nothing of the word and is left out; so are
// special tokens.
import { fail, ok, type Result } from '../lensError';
import type { LensTokenizer } from './tokenizer';

export interface WordTokens {
  readonly word: string;
  readonly ids: readonly number[];
}

/** A vocabulary entry that starts a word and is letters only, 2 or more: " write" yes, "ing", " a", " 1990" no. */
const WHOLE_WORD = /^ (\p{L}{2,})$/u;

/**
 * Word tokens of a vocabulary: every token that reads as a space followed by two or more letters and that
 * `keep` accepts (all by default), one token each, in id order (a text seen twice is kept once). A vocabulary
 * cannot tell a whole word from the start of a longer one (" enem" of " enemy"): the default word list keeps
 * only dictionary words (src/methods/heads/run.ts).
 */
export function vocabularyWords(tokenizer: LensTokenizer, keep: (word: string) => boolean = () => true): WordTokens[] {
  const seen = new Set<string>();
  const words: WordTokens[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    if (tokenizer.specialIds.has(id)) continue;
    const word = WHOLE_WORD.exec(tokenizer.tokenText(id))?.[1];
    if (word === undefined || seen.has(word) || !keep(word)) continue;
    seen.add(word);
    words.push({ word, ids: [id] });
  }
  return words;
}

/** Each word encoded after a space, without special tokens, lone space tokens dropped; `empty`: the words
 *  left with no token (characters the vocabulary has nothing for, and no byte fallback). */
export async function encodeWords(
  tokenizer: LensTokenizer,
  words: readonly string[],
): Promise<{ encoded: WordTokens[]; empty: string[] }> {
  const encoded: WordTokens[] = [];
  const empty: string[] = [];
  const BATCH = 256; // encodes run on the binding's thread pool: a batch at a time instead of one by one
  for (let start = 0; start < words.length; start += BATCH) {
    const batch = words.slice(start, start + BATCH);
    const encodings = await Promise.all(batch.map((w) => tokenizer.encode(' ' + w, { addSpecialTokens: false })));
    batch.forEach((word, b) => {
      const enc = encodings[b];
      const ids = enc.ids.filter((id, i) => !enc.special[i] && tokenizer.tokenText(id).trim() !== '');
      if (ids.length === 0) empty.push(word);
      else encoded.push({ word, ids });
    });
  }
  return { encoded, empty };
}

/** A user's word list as tokens, or an error naming the words that have none. */
export async function encodeWordList(
  tokenizer: LensTokenizer,
  words: readonly string[],
  file: string,
): Promise<Result<WordTokens[]>> {
  const { encoded, empty } = await encodeWords(tokenizer, words);
  if (empty.length > 0) {
    const shown = empty
      .slice(0, 5)
      .map((w) => JSON.stringify(w))
      .join(', ');
    return fail(
      'bad-argument',
      `${file}: ${empty.length} word${empty.length > 1 ? 's' : ''} encode to no tokens with this ` +
        `tokenizer: ${shown}${empty.length > 5 ? ', …' : ''}`,
      "Remove them from the word list: the tokenizer's vocabulary has nothing for their characters.",
    );
  }
  return ok(encoded);
}
