// What WordNet accepts as an answer about a word, over ALL of the word's senses (a checker cannot know which
// sense the model meant): its synonyms, opposites, kinds (every descendant), categories (direct parents and
// the not-too-generic ancestors) and glosses. Memoised per word; built lazily, once per WordNet object.
import { contentStems } from './english';
import { normalize as normalizeLemma } from './response';
import { childrenOf, parentsOf, sensesOf, type Synset, type WordNet } from './wordnet';

/** Ancestors this close to the root ("entity", "physical entity", "object", "whole") say nothing about a word. */
export const MIN_ANCESTOR_DEPTH = 4;
/** Ancestors further up than this are true but too generic to count as an answer: with no limit, "organism"
 *  alone answers 35% of held-out hypernym prompts; with 3 steps, no one answer gets more than about 5%. */
export const MAX_ANCESTOR_STEPS = 3;

export interface Relations {
  readonly wn: WordNet;
  /** Other lemmas of any synset of the word; for adjectives also the lemmas of similar ("&") synsets. */
  synonyms(word: string): ReadonlySet<string>;
  /** Lemmas of synsets that any sense's antonym pointers reach, their similar satellites, and indirect
   *  antonyms of satellites (through their head adjective). */
  antonyms(word: string): ReadonlySet<string>;
  /** Lemmas of every hyponym/instance below any noun sense, at any depth. */
  kinds(word: string): ReadonlySet<string>;
  /** Lemmas of the direct parents of any noun sense, and of ancestors up to MAX_ANCESTOR_STEPS steps up that
   *  lie at depth >= MIN_ANCESTOR_DEPTH. */
  categories(word: string): ReadonlySet<string>;
  /** Per sense: each of its definitions with its content-word stems, and the lemmas of its direct parents. */
  glosses(
    word: string,
  ): readonly { definitions: readonly { text: string; stems: ReadonlySet<string> }[]; parents: readonly string[] }[];
  /** Shortest number of parent steps from a synset to a root. */
  depth(id: string): number;
}

const built = new WeakMap<WordNet, Relations>();

export function relationsOf(wn: WordNet): Relations {
  let r = built.get(wn);
  if (!r) {
    r = buildRelations(wn);
    built.set(wn, r);
  }
  return r;
}

function memo<T>(f: (word: string) => T): (word: string) => T {
  const cache = new Map<string, T>();
  return (word) => {
    const key = word.toLowerCase();
    let v = cache.get(key);
    if (v === undefined) {
      v = f(key);
      cache.set(key, v);
    }
    return v;
  };
}

function buildRelations(wn: WordNet): Relations {
  const get = (id: string) => wn.synsets.get(id);
  const lemmasOf = (ids: Iterable<string>, into: Set<string>) => {
    for (const id of ids) for (const l of get(id)?.lemmas ?? []) into.add(normalizeLemma(l));
    return into;
  };
  const without = (set: Set<string>, word: string) => {
    set.delete(normalizeLemma(word));
    return set;
  };

  const depths = new Map<string, number>();
  function depth(id: string): number {
    const known = depths.get(id);
    if (known !== undefined) return known;
    depths.set(id, 0); // guards against a cycle; WordNet's noun and verb hierarchies have none
    const s = get(id);
    const parents = s ? parentsOf(s) : [];
    const d = parents.length === 0 ? 0 : 1 + Math.min(...parents.map(depth));
    depths.set(id, d);
    return d;
  }

  const closure = (start: readonly Synset[], step: (s: Synset) => readonly string[]) => {
    const seen = new Set<string>();
    const stack = start.flatMap(step);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const s = get(id);
      if (s) stack.push(...step(s));
    }
    return seen;
  };

  return {
    wn,
    depth,
    synonyms: memo((word) => {
      const senses = sensesOf(wn, word);
      const out = lemmasOf(
        senses.map((s) => s.id),
        new Set(),
      );
      lemmasOf(
        senses.flatMap((s) => (s.pos === 'a' ? s.similar : [])),
        out,
      );
      return without(out, word);
    }),
    antonyms: memo((word) => {
      const out = new Set<string>();
      const senses = sensesOf(wn, word);
      const heads = senses.flatMap((s) =>
        s.satellite ? s.similar.map(get).filter((h): h is Synset => h !== undefined) : [],
      );
      for (const s of [...senses, ...heads]) {
        for (const a of s.antonyms) {
          const target = get(a.synset);
          if (!target) continue;
          lemmasOf([target.id], out);
          if (target.pos === 'a') lemmasOf(target.similar, out); // "hot" -> "cold" and its satellites "chilly", "icy"
        }
      }
      return without(out, word);
    }),
    kinds: memo((word) => without(lemmasOf(closure(sensesOf(wn, word, 'n'), childrenOf), new Set()), word)),
    categories: memo((word) => {
      let level = sensesOf(wn, word, 'n').flatMap(parentsOf);
      const out = lemmasOf(level, new Set());
      const seen = new Set(level);
      for (let step = 2; step <= MAX_ANCESTOR_STEPS; step++) {
        level = level.flatMap((id) => parentsOf(get(id)!)).filter((id) => !seen.has(id) && seen.add(id));
        lemmasOf(
          level.filter((id) => depth(id) >= MIN_ANCESTOR_DEPTH),
          out,
        );
      }
      return without(out, word);
    }),
    glosses: memo((word) =>
      sensesOf(wn, word).map((s) => ({
        definitions: s.definitions.map((text) => ({ text, stems: contentStems(text) })),
        parents: parentsOf(s).flatMap((id) => get(id)?.lemmas ?? []),
      })),
    ),
  };
}
