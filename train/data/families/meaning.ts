// Families about what a word means or how it is used: define, synonym, antonym, sentence. Their checkers
// accept anything WordNet supports for ANY sense of the word (the model cannot know which sense we drew), and
// stay honest about definitions: sharing one generic word with a gloss is not enough.
import { capitalize, contentStems, inflections, stem } from '../english';
import type { Family, Item, Split } from '../family';
import { askableLemmas, inSplit, sameLemma, synsetsIn } from '../pools';
import { firstLine, mentions, mentionsAny, normalize, wordsOf } from '../response';

const word = (check: { readonly [k: string]: string | number }) => String(check.word);

/** A reference answer from a WordNet gloss: first letter up, closing full stop. */
function asSentence(text: string): string {
  const t = capitalize(text.trim());
  return /[.!?]$/.test(t) ? t : t + '.';
}

/** A gloss inside a sentence: no closing full stop. */
const clause = (text: string) => text.trim().replace(/[.!?]+$/, '');

export const define: Family = {
  name: 'define',
  kind: 'knowledge',
  phrasings: [
    { prompt: 'Define the word "{w}".', answers: ['The word "{w}" is defined as {answer}.'] },
    { prompt: 'What does "{w}" mean?', answers: ['"{W}" means {answer}.'] },
    { prompt: 'Explain the meaning of {w}.', answers: ['The meaning of {w} is {answer}.'] },
    { prompt: 'Tell me what "{w}" means.', answers: ['"{W}" means {answer}.'] },
    { prompt: 'Give a definition of {w}.', answers: ['A definition of {w}: {answer}.'] },
    { prompt: 'Write a short definition of "{w}".', answers: ['A short definition of "{w}": {answer}.'] },
    { prompt: 'What is the meaning of the word {w}?', answers: ['The meaning of the word {w} is {answer}.'] },
  ],
  items(rel, split) {
    const items: Item[] = [];
    for (const s of synsetsIn(rel.wn, split)) {
      for (const x of askableLemmas(s))
        items.push({
          key: x.toLowerCase(),
          group: s.id,
          slots: { w: x },
          answer: clause(s.definitions[0]),
          check: { word: x },
        });
    }
    return items;
  },

  // Correct when, for some sense, the line names one of its direct parents ("a kind of ...") or shares two
  // content-word stems with one of its definitions (all of them, if the definition has fewer), or quotes a
  // definition whole. The word's own stems count on neither side: "school of music" is not defined by
  // saying "school".
  check(check, response, rel) {
    const w = word(check);
    const line = firstLine(response);
    const own = new Set(wordsOf(w).map(stem));
    const stems = [...contentStems(line)].filter((s) => !own.has(s));
    for (const g of rel.glosses(w)) {
      if (g.parents.some((p) => !sameLemma(p, w) && mentions(line, p))) return true;
      for (const d of g.definitions) {
        const need = Math.min(2, [...d.stems].filter((s) => !own.has(s)).length);
        if (need > 0 && stems.filter((s) => d.stems.has(s)).length >= need) return true;
        if (mentions(line, d.text)) return true; // "form a lather": nothing but stop words and the word itself
      }
    }
    return false;
  },
};

export const synonym: Family = {
  name: 'synonym',
  kind: 'knowledge',
  phrasings: [
    { prompt: 'Give a synonym for "{w}".', answers: ['A synonym for "{w}" is "{answer}".'] },
    { prompt: 'What is another word for {w}?', answers: ['Another word for {w} is {answer}.'] },
    {
      prompt: 'Name a word that means the same as "{w}".',
      answers: ['A word that means the same as "{w}" is "{answer}".'],
    },
    { prompt: 'Tell me a synonym of {w}.', answers: ['A synonym of {w} is {answer}.'] },
    {
      prompt: 'Write one word with the same meaning as "{w}".',
      answers: ['One word with the same meaning as "{w}" is "{answer}".'],
    },
    { prompt: 'Suggest a different word for "{w}".', answers: ['A different word for "{w}" is "{answer}".'] },
  ],
  items(rel, split, rng) {
    const items: Item[] = [];
    for (const s of synsetsIn(rel.wn, split)) {
      const lemmas = askableLemmas(s);
      for (const w of lemmas) {
        const others = lemmas.filter((l) => !sameLemma(l, w));
        if (others.length > 0)
          items.push({ key: w.toLowerCase(), group: s.id, slots: { w }, answer: rng.pick(others), check: { word: w } });
      }
    }
    return items;
  },

  check: (check, response, rel) => mentionsAny(firstLine(response), rel.synonyms(word(check))),
};

export const antonym: Family = {
  name: 'antonym',
  kind: 'knowledge',
  phrasings: [
    { prompt: 'What is the opposite of "{w}"?', answers: ['The opposite of "{w}" is "{answer}".'] },
    { prompt: 'Give an antonym for {w}.', answers: ['An antonym for {w} is {answer}.'] },
    { prompt: 'Name the opposite of "{w}".', answers: ['The opposite of "{w}" is "{answer}".'] },
    {
      prompt: 'Tell me a word that means the opposite of {w}.',
      answers: ['A word that means the opposite of {w} is {answer}.'],
    },
    { prompt: 'Write the antonym of "{w}".', answers: ['The antonym of "{w}" is "{answer}".'] },
  ],
  items(rel, split) {
    const items: Item[] = [];
    for (const s of synsetsIn(rel.wn, split)) {
      for (const a of s.antonyms) {
        // training pairs only between training synsets; a held-out synset's pointers are its own held-out facts
        if (split === 'train' && !inSplit(rel.wn.synsets.get(a.synset), 'train')) continue;
        if (sameLemma(a.from, a.to) || !askableLemmas(s).includes(a.from)) continue;
        items.push({
          key: a.from.toLowerCase(),
          group: s.id,
          slots: { w: a.from },
          answer: a.to,
          check: { word: a.from },
        });
      }
    }
    return items;
  },

  check: (check, response, rel) => mentionsAny(firstLine(response), rel.antonyms(word(check))),
};

const SENTENCE_PHRASINGS = [
  { prompt: 'Use the word "{w}" in a sentence.', answers: ['The word "{w}" used in a sentence: {answer}'] },
  { prompt: 'Write a sentence with the word {w}.', answers: ['A sentence with the word {w}: {answer}'] },
  { prompt: 'Make a sentence using "{w}".', answers: ['A sentence using "{w}": {answer}'] },
  { prompt: 'Give an example sentence for {w}.', answers: ['An example sentence for {w}: {answer}'] },
  { prompt: 'Put "{w}" in a sentence.', answers: ['"{W}" put in a sentence: {answer}'] },
  { prompt: 'Show me how to use {w} in a sentence.', answers: ['This is how to use {w} in a sentence: {answer}'] },
];

/** The sentence family's instruction text; a response that repeats it has echoed the prompt, not used the word. */
const SENTENCE_ECHOES = ['sentence'];

/** `text` uses `lemma` or, for the last word of the lemma, one of its inflected forms. */
function uses(text: string, lemma: string): boolean {
  const words = wordsOf(lemma);
  const head = words.slice(0, -1).join(' ');
  return inflections(words[words.length - 1]).some((form) => mentions(text, head ? `${head} ${form}` : form));
}

export const sentence: Family = {
  name: 'sentence',
  kind: 'language',
  phrasings: SENTENCE_PHRASINGS,
  items(rel, split: Split) {
    const items: Item[] = [];
    for (const s of synsetsIn(rel.wn, split)) {
      for (const w of askableLemmas(s)) {
        const example = s.examples.find(
          (e) => uses(e, w) && wordsOf(e).length >= 4 && !SENTENCE_ECHOES.some((x) => normalize(e).includes(x)),
        );
        if (example)
          items.push({
            key: w.toLowerCase(),
            group: s.id,
            slots: { w },
            answer: asSentence(example),
            check: { word: w },
          });
      }
    }
    return items;
  },

  // Correct when the first line, or what follows its first colon (a lead-in such as "Here is a sentence with
  // "dog": ..."), has at least four words, uses the word (or an inflected form), and does not echo the
  // instruction.
  check(check, response) {
    const line = firstLine(response);
    const colon = line.indexOf(':');
    return [line, ...(colon < 0 ? [] : [line.slice(colon + 1)])].some(
      (text) =>
        wordsOf(text).length >= 4 &&
        !SENTENCE_ECHOES.some((e) => normalize(text).includes(e)) &&
        uses(text, word(check)),
    );
  },
};

export const MEANING_FAMILIES: readonly Family[] = [define, synonym, antonym, sentence];
