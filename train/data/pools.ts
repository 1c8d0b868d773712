// Which synsets and words each split may draw task items from. Training items come only from training
// synsets; held-out items from held-out synsets (offset divisible by 20). Letter tasks need no meaning, so their
// held-out words are stricter: words ALL of whose senses are held out, never spelled or counted in training
// (corpus.ts writes letter facts only for words with a training sense).
import { isPlainWord } from './english';
import type { Split } from './family';
import { normalize, wordsOf } from './response';
import { isHeldOut, sensesOf, type Synset, type WordNet } from './wordnet';

const synsetLists = new WeakMap<WordNet, Record<Split, Synset[]>>();

/** The synsets of a split, sorted by id. */
export function synsetsIn(wn: WordNet, split: Split): readonly Synset[] {
  let lists = synsetLists.get(wn);
  if (!lists) {
    lists = { train: [], heldout: [] };
    for (const id of [...wn.synsets.keys()].sort()) {
      const s = wn.synsets.get(id)!;
      lists[isHeldOut(s.offset) ? 'heldout' : 'train'].push(s);
    }
    synsetLists.set(wn, lists);
  }
  return lists[split];
}

export function inSplit(s: Synset | undefined, split: Split): s is Synset {
  return s !== undefined && isHeldOut(s.offset) === (split === 'heldout');
}

/** A lemma fit to be asked about: letters, spaces, hyphens, apostrophes; at most three words and 24 characters. */
export function isAskable(lemma: string): boolean {
  return lemma.length <= 24 && /^[A-Za-z][A-Za-z' -]*[A-Za-z]$/.test(lemma) && lemma.split(' ').length <= 3;
}

/** Askable lemmas of a synset, without case-insensitive repeats. */
export function askableLemmas(s: Synset): string[] {
  const seen = new Set<string>();
  return s.lemmas.filter((l) => {
    const key = normalize(l);
    if (!isAskable(l) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Two lemmas that name the same thing up to case, hyphens and spaces ("ice-cream", "ice cream", "icecream"). */
export function sameLemma(a: string, b: string): boolean {
  return wordsOf(a).join('') === wordsOf(b).join('');
}

export interface PlainWord {
  readonly word: string;
  readonly isNoun: boolean; // mostly a noun: at least as many noun senses as other senses ("box" yes, "true" no)
  readonly heldOutOnly: boolean; // every sense, in any part of speech and any case, is held out
}

const plainLists = new WeakMap<WordNet, PlainWord[]>();

/** Every word that some synset lists in lower case as a single plain word ("apple"; not "Apple" or "NRC",
 *  whose lower-cased index entries are names). Sorted. */
export function plainWords(wn: WordNet): readonly PlainWord[] {
  let list = plainLists.get(wn);
  if (!list) {
    const words = new Set<string>();
    for (const s of wn.synsets.values()) for (const l of s.lemmas) if (/^[a-z]+$/.test(l)) words.add(l);
    list = [...words].sort().map((word) => {
      const senses = sensesOf(wn, word);
      const nouns = senses.filter((s) => s.pos === 'n').length;
      return {
        word,
        isNoun: nouns > 0 && nouns >= senses.length - nouns,
        heldOutOnly: senses.every((s) => isHeldOut(s.offset)),
      };
    });
    plainLists.set(wn, list);
  }
  return list;
}

/** Plain words of 3-10 letters for the letter families: training = with a training sense, held-out = every
 *  sense held out. Sorted. */
export function plainWordsIn(wn: WordNet, split: Split): readonly PlainWord[] {
  return plainWords(wn).filter((w) => isPlainWord(w.word) && w.heldOutOnly === (split === 'heldout'));
}
