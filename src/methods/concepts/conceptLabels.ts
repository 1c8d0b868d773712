// Offline labels for a feed-forward concept (a principal component and its top words, ffnConcepts.ts): the
// part-of-speech mix of its words and the task category whose lexicon (lexicons/categories.ts) covers most
// of them. No model is asked; the extension may add labels from a chat model on top of these.
//
// Only words take part: tokens that start a word (their text begins with white space, as byte-level "Ġ" and
// SentencePiece "▁" tokens decode) and are made of letters after it (an apostrophe or hyphen between letters
// allowed). Pieces inside words ("olog"), byte pieces, punctuation and numbers count as "other" in the
// part-of-speech mix and match no category.
// Part of speech: compromise (the pure-JS English tagger src/methods/attribution/instructionDetection.ts uses) tags the
// word on its own, without context, so a word that is both noun and verb gets compromise's default reading.
// Category: a word matches a category when the Porter2 stem (wink-porter2-stemmer) of its lemma (compromise's
// root form: "wrote" -> "write") is the stem of a lexicon word. The category is the one with the most
// matched words, ties broken by the larger sum of the matched words' |cosine|, then by CATEGORIES order;
// "none" when no category has MIN_CATEGORY_MATCHES words.
import nlp from 'compromise';
import stem from 'wink-porter2-stemmer';
import { CATEGORIES, CATEGORY_LEXICONS, type ConceptCategory } from './lexicons/categories';

export type PartOfSpeech = 'noun' | 'verb' | 'adjective' | 'adverb' | 'other';
export const PARTS_OF_SPEECH: readonly PartOfSpeech[] = ['noun', 'verb', 'adjective', 'adverb', 'other'];

export const MIN_CATEGORY_MATCHES = 2;

const WORD = /^\s+([A-Za-z]+(?:['’-][A-Za-z]+)*)$/;

export interface WordAnalysis {
  readonly word: string | null; // the word without its leading space when the token is one, else null
  readonly partOfSpeech: PartOfSpeech;
  readonly stem: string | null; // Porter2 stem of the lemma, lower case; null for a non-word
}

/** compromise's tags -> our five classes (pronouns, determiners, prepositions, … are "other"). */
function partOfSpeechOf(tags: readonly string[]): PartOfSpeech {
  if (tags.includes('Pronoun')) return 'other';
  if (tags.includes('Noun')) return 'noun';
  if (tags.includes('Verb')) return 'verb';
  if (tags.includes('Adjective')) return 'adjective';
  if (tags.includes('Adverb')) return 'adverb';
  return 'other';
}

// tagging costs about a millisecond a word; the same words come back across components and layers
const analysed = new Map<string, WordAnalysis>();

export function analyseWord(text: string): WordAnalysis {
  const cached = analysed.get(text);
  if (cached) return cached;
  const word = WORD.exec(text)?.[1];
  let result: WordAnalysis = { word: null, partOfSpeech: 'other', stem: null };
  if (word !== undefined) {
    const doc = nlp(word);
    doc.compute('root');
    const terms = (doc.json() as { terms?: { tags?: string[]; root?: string; normal?: string }[] }[])[0]?.terms ?? [];
    const lemma = terms.length === 1 ? (terms[0].root ?? terms[0].normal ?? word) : word;
    result = { word, partOfSpeech: partOfSpeechOf(terms[0]?.tags ?? []), stem: stem(lemma.toLowerCase()) };
  }
  analysed.set(text, result);
  return result;
}

/** Stems of each lexicon (its words are base forms: stemmed as they are). */
export const LEXICON_STEMS: ReadonlyMap<ConceptCategory, ReadonlySet<string>> = new Map(
  CATEGORIES.map((c) => [c, new Set(CATEGORY_LEXICONS[c].map((w) => stem(w.toLowerCase())))]),
);

export type PartOfSpeechMix = Record<PartOfSpeech, number>;

export interface CategoryLabel {
  readonly category: ConceptCategory | 'none';
  readonly matches: readonly string[]; // the words that matched the chosen category, in word order
  readonly counts: Readonly<Record<ConceptCategory, number>>; // matched words per category
}

export interface ConceptLabel {
  readonly partOfSpeech: PartOfSpeechMix; // fractions of the words, summing to 1
  readonly category: CategoryLabel;
}

export interface LabelWord {
  readonly text: string; // the token's decoded text, e.g. " apple"
  readonly cosine: number;
}

export function labelConcept(words: readonly LabelWord[]): ConceptLabel {
  const mix: PartOfSpeechMix = { noun: 0, verb: 0, adjective: 0, adverb: 0, other: 0 };
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<ConceptCategory, number>;
  const weights = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<ConceptCategory, number>;
  const matched = Object.fromEntries(CATEGORIES.map((c) => [c, [] as string[]])) as Record<ConceptCategory, string[]>;
  for (const w of words) {
    const a = analyseWord(w.text);
    mix[a.partOfSpeech]++;
    if (a.stem === null) continue;
    for (const c of CATEGORIES) {
      if (!LEXICON_STEMS.get(c)!.has(a.stem)) continue;
      counts[c]++;
      weights[c] += Math.abs(w.cosine);
      matched[c].push(a.word!);
    }
  }
  for (const p of PARTS_OF_SPEECH) mix[p] /= Math.max(1, words.length);
  let best: ConceptCategory | 'none' = 'none';
  for (const c of CATEGORIES) {
    if (counts[c] < MIN_CATEGORY_MATCHES) continue;
    if (best === 'none' || counts[c] > counts[best] || (counts[c] === counts[best] && weights[c] > weights[best]))
      best = c;
  }
  return { partOfSpeech: mix, category: { category: best, matches: best === 'none' ? [] : matched[best], counts } };
}
