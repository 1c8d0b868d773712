// Families about the noun hierarchy: name a kind of X (hyponym), say what X is a kind of (hypernym), list
// several kinds of X, choose which of two words is a kind of X. Checkers accept any descendant (for kinds)
// or any direct parent or not-too-generic ancestor (for categories) of any noun sense of the word.
import { NUMBER_WORDS, capitalize } from '../english';
import type { Family, Item, Split } from '../family';
import { askableLemmas, inSplit, sameLemma, synsetsIn } from '../pools';
import type { Relations } from '../relations';
import { afterLeadIn, firstLine, listItems, mentions, mentionsAny, normalize, withoutArticle } from '../response';
import { childrenOf, parentsOf, type Synset } from '../wordnet';

/** First lemmas of the neighbours an item may cite: for training only training synsets, for held-out any. */
function neighbours(rel: Relations, ids: readonly string[], split: Split): string[] {
  const names = new Map<string, string>();
  for (const id of ids) {
    const s = rel.wn.synsets.get(id);
    if (!s || (split === 'train' && !inSplit(s, 'train'))) continue;
    const name = askableLemmas(s)[0];
    if (name !== undefined && !names.has(normalize(name))) names.set(normalize(name), name);
  }
  return [...names.values()];
}

function nouns(rel: Relations, split: Split): Synset[] {
  return synsetsIn(rel.wn, split).filter((s) => s.pos === 'n');
}

export const hyponym: Family = {
  name: 'hyponym',
  kind: 'knowledge',
  phrasings: [
    { prompt: 'Name a kind of {w}.', answers: ['A kind of {w} is {answer}.'] },
    { prompt: 'Give one example of {w}.', answers: ['One example of {w} is {answer}.'] },
    { prompt: 'Tell me one type of {w}.', answers: ['One type of {w} is {answer}.'] },
    { prompt: 'What is a kind of "{w}"?', answers: ['A kind of "{w}" is "{answer}".'] },
    { prompt: 'Write the name of one kind of {w}.', answers: ['The name of one kind of {w} is {answer}.'] },
    { prompt: 'Mention a specific kind of {w}.', answers: ['A specific kind of {w} is {answer}.'] },
  ],
  items(rel, split, rng) {
    const items: Item[] = [];
    for (const s of nouns(rel, split)) {
      const kinds = neighbours(rel, childrenOf(s), split);
      if (kinds.length === 0) continue;
      for (const w of askableLemmas(s)) {
        const answers = kinds.filter((k) => !sameLemma(k, w));
        if (answers.length > 0)
          items.push({
            key: w.toLowerCase(),
            group: s.id,
            slots: { w },
            answer: rng.pick(answers),
            check: { word: w },
          });
      }
    }
    return items;
  },

  check: (check, response, rel) => mentionsAny(firstLine(response), rel.kinds(String(check.word))),
};

export const hypernym: Family = {
  name: 'hypernym',
  kind: 'knowledge',
  phrasings: [
    { prompt: 'What is "{w}" a kind of?', answers: ['"{W}" is a kind of {answer}.'] },
    { prompt: 'Tell me what kind of thing {w} is.', answers: ['{W} is a kind of {answer}.'] },
    { prompt: 'Name the category that "{w}" belongs to.', answers: ['"{W}" belongs to the category {answer}.'] },
    { prompt: 'Give a more general word for {w}.', answers: ['A more general word for {w} is {answer}.'] },
    { prompt: 'Say what {w} is a kind of.', answers: ['{W} is a kind of {answer}.'] },
  ],
  items(rel, split, rng) {
    const items: Item[] = [];
    for (const s of nouns(rel, split)) {
      const parents = neighbours(rel, parentsOf(s), split);
      if (parents.length === 0) continue;
      for (const w of askableLemmas(s)) {
        const answers = parents.filter((p) => !sameLemma(p, w));
        if (answers.length > 0)
          items.push({
            key: w.toLowerCase(),
            group: s.id,
            slots: { w },
            answer: rng.pick(answers),
            check: { word: w },
          });
      }
    }
    return items;
  },

  check: (check, response, rel) => mentionsAny(firstLine(response), rel.categories(String(check.word))),
};

export const listKinds: Family = {
  name: 'list_kinds',
  kind: 'knowledge',
  phrasings: [
    { prompt: 'List {nw} kinds of {w}.', answers: ['{Nw} kinds of {w}: {answer}.'] },
    { prompt: 'Name {nw} types of {w}.', answers: ['{Nw} types of {w}: {answer}.'] },
    { prompt: 'Give me {n} examples of {w}.', answers: ['{n} examples of {w}: {answer}.'] },
    { prompt: 'Write a list of {nw} kinds of {w}.', answers: ['A list of {nw} kinds of {w}: {answer}.'] },
    { prompt: 'Tell me {nw} different kinds of {w}.', answers: ['{Nw} different kinds of {w}: {answer}.'] },
  ],
  items(rel, split, rng) {
    const items: Item[] = [];
    for (const s of nouns(rel, split)) {
      const all = neighbours(rel, childrenOf(s), split).filter((k) => !/,| and | or /.test(k));
      for (const w of askableLemmas(s)) {
        const kinds = all.filter((k) => !sameLemma(k, w));
        if (kinds.length < 2) continue;
        const n = Math.min(kinds.length, 2 + rng.int(2));
        items.push({
          key: w.toLowerCase(),
          group: s.id,
          slots: { w, n: String(n), nw: NUMBER_WORDS[n] },
          answer: rng.sample(kinds, n).join(', '),
          check: { word: w, n },
        });
      }
    }
    return items;
  },
  answerSlots: (i) => ({ Nw: capitalize(i.slots.nw) }),
  // Correct when the line (after a lead-in ending in a colon, if it has one) lists at least n items and the
  // first n are distinct kinds of the word (with or without an article: "a puppy", "A level").
  check(check, response, rel) {
    const n = Number(check.n);
    const items = listItems(afterLeadIn(firstLine(response))).slice(0, n);
    const kinds = rel.kinds(String(check.word));
    return (
      items.length === n &&
      new Set(items.map(withoutArticle)).size === n &&
      items.every((item) => kinds.has(item) || kinds.has(withoutArticle(item)))
    );
  },
};

export const chooseKind: Family = {
  name: 'choose_kind',
  kind: 'knowledge',
  phrasings: [
    {
      prompt: 'Which of these is a kind of {h}: "{a}" or "{b}"?',
      answers: ['Of these, the kind of {h} is "{answer}".'],
    },
    {
      prompt: 'Choose the word that names a kind of {h}: {a}, {b}.',
      answers: ['The word that names a kind of {h} is {answer}.'],
    },
    {
      prompt: 'Tell me which one is a type of {h}, {a} or {b}.',
      answers: ['The one that is a type of {h} is {answer}.'],
    },
    { prompt: 'Pick the kind of {h}: "{a}" or "{b}".', answers: ['The kind of {h} is "{answer}".'] },
    { prompt: 'Which is a kind of {h}, {a} or {b}?', answers: ['The kind of {h} is {answer}.'] },
  ],
  // The wrong option comes from the same split as the right one, so "pick the unfamiliar word" is no strategy.
  items(rel, split, rng) {
    const pool = nouns(rel, split);
    const items: Item[] = [];
    for (const s of pool) {
      const correct = askableLemmas(s)[0];
      if (correct === undefined) continue;
      for (const h of neighbours(rel, parentsOf(s), split)) {
        const kinds = rel.kinds(h);
        for (let attempt = 0; attempt < 5; attempt++) {
          const wrong = askableLemmas(rng.pick(pool))[0];
          if (wrong === undefined || kinds.has(normalize(wrong)) || sameLemma(wrong, h)) continue;
          if (mentions(wrong, correct) || mentions(correct, wrong) || mentions(h, wrong) || mentions(h, correct))
            continue;
          const [a, b] = rng.next() < 0.5 ? [correct, wrong] : [wrong, correct];
          items.push({
            key: correct.toLowerCase(),
            group: s.id,
            slots: { h, a, b },
            answer: correct,
            check: { category: h, correct, wrong },
          });
          break;
        }
      }
    }
    return items;
  },

  check(check, response) {
    const line = firstLine(response);
    return mentions(line, String(check.correct)) && !mentions(line, String(check.wrong));
  },
};

export const TAXONOMY_FAMILIES: readonly Family[] = [hyponym, hypernym, listKinds, chooseKind];
