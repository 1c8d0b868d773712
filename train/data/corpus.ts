// The pre-training corpus: each training synset as one paragraph of plain English (its words, gloss,
// examples, "X is a kind of Y", "Kinds of X include …", opposites), plus short plain-text paragraphs about
// training words' letters (spelling, length, capitals, first and last letter, backwards, plurals) so the base
// model knows words and letters. Nothing here is in the instruction/response chat format: the base model must
// learn language, not instruction following. Phrasings vary by a seeded PRNG, so a build is reproducible.
//
// Held-out synsets (isHeldOut) are never rendered, and neither is any relation that touches one: "X is a kind
// of Y" with Y held out would teach Y's hyponyms, which the held-out tasks ask for.
import {
  capitalize,
  hyphenate,
  isPlainWord,
  joinList,
  numberedLetters,
  regularPlural,
  reversed,
  withArticle,
} from './english';
import { plainWords } from './pools';
import { derive, type Rng } from './random';
import { isHeldOut, type Synset, type WordNet } from './wordnet';

export interface CorpusOptions {
  readonly seed: number;
  readonly validFraction: number; // share of training-eligible synsets (and word paragraphs) kept for validation
  readonly limit?: number; // render only the first `limit` synsets of the shuffled order (tests)
}

export interface Corpus {
  readonly train: string[]; // one paragraph (document) per line, no newlines inside
  readonly valid: string[];
  readonly synsets: { readonly train: number; readonly valid: number; readonly heldOut: number };
  readonly wordParagraphs: number;
}

export const DEFAULT_CORPUS: CorpusOptions = { seed: 1234, validFraction: 0.01 };

/** Lemmas of a synset's training neighbours, one per neighbour (its first lemma). */
function neighbourNames(wn: WordNet, ids: readonly string[]): string[] {
  const names: string[] = [];
  for (const id of ids) {
    const s = wn.synsets.get(id);
    if (s && !isHeldOut(s.offset)) names.push(s.lemmas[0]);
  }
  return names;
}

function sameWord(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The definition sentence, by part of speech. `def` is the gloss's definitions joined by "; ". */
function definitionSentence(s: Synset, name: string, def: string, rng: Rng): string {
  switch (s.pos) {
    case 'n':
      return rng.pick([
        `${capitalize(name)}: ${def}.`,
        `The word "${name}" means ${def}.`,
        `${capitalize(name)} means ${def}.`,
        `${capitalize(name)} refers to ${def}.`,
        `What is ${withArticle(name)}? It is ${def}.`,
      ]);
    case 'v': {
      const to = def.startsWith('to ') ? def : `to ${def}`;
      return rng.pick([
        `To ${name} is ${to}.`,
        `The verb "${name}" means ${to}.`,
        `To ${name} means ${to}.`,
        `${capitalize(name)} (verb): ${to}.`,
      ]);
    }
    case 'a':
      return rng.pick([
        `${capitalize(name)} means ${def}.`,
        `The adjective "${name}" means ${def}.`,
        `${capitalize(name)} (adjective): ${def}.`,
        `Something ${name} is ${def}.`,
      ]);
    case 'r':
      return rng.pick([
        `${capitalize(name)} means ${def}.`,
        `The adverb "${name}" means ${def}.`,
        `${capitalize(name)} (adverb): ${def}.`,
      ]);
  }
}

function synonymSentence(name: string, others: readonly string[], rng: Rng): string {
  return rng.pick([
    `It is also called ${joinList(others, 'or')}.`,
    `Other words for ${name}: ${others.join(', ')}.`,
    `Synonyms of ${name} include ${joinList(others, 'and')}.`,
    `${capitalize(name)} is also known as ${joinList(others, 'or')}.`,
  ]);
}

function exampleSentence(examples: readonly string[], rng: Rng): string {
  const quoted = examples.map((e) => `"${e}"`);
  if (quoted.length === 1)
    return rng.pick([
      `For example: ${quoted[0]}.`,
      `Example: ${quoted[0]}.`,
      `As in ${quoted[0]}.`,
      `It is used like this: ${quoted[0]}.`,
    ]);
  return rng.pick([
    `For example: ${quoted.join('; ')}.`,
    `Examples: ${quoted.join('; ')}.`,
    `It is used like this: ${quoted.join(' and ')}.`,
  ]);
}

function parentSentence(s: Synset, name: string, parent: string, instance: boolean, rng: Rng): string {
  if (instance)
    return rng.pick([
      `${capitalize(name)} is an instance of ${parent}.`,
      `${capitalize(name)} is an example of ${withArticle(parent)}.`,
    ]);
  if (s.pos === 'v') return rng.pick([`To ${name} is a way to ${parent}.`, `To ${name} is one way to ${parent}.`]);
  return rng.pick([
    `${capitalize(withArticle(name))} is a kind of ${parent}.`,
    `${capitalize(name)} is a type of ${parent}.`,
    `${capitalize(name)}: a kind of ${parent}.`,
    `${capitalize(withArticle(name))} is one kind of ${parent}.`,
  ]);
}

function childrenSentence(s: Synset, name: string, children: readonly string[], rng: Rng): string {
  const list = joinList(children, 'and');
  if (s.pos === 'v') return rng.pick([`Ways to ${name} include ${list}.`, `To ${list} are ways to ${name}.`]);
  return rng.pick([
    `Examples of ${name} include ${list}.`,
    `Kinds of ${name} include ${list}.`,
    `There are several kinds of ${name}, such as ${list}.`,
  ]);
}

function antonymSentence(from: string, to: string, rng: Rng): string {
  return rng.pick([
    `The opposite of ${from} is ${to}.`,
    `${capitalize(from)} is the opposite of ${to}.`,
    `An antonym of ${from} is ${to}.`,
    `${capitalize(from)} and ${to} are opposites.`,
  ]);
}

/** One training synset as one paragraph. Relations to held-out synsets are left out. */
export function renderSynset(wn: WordNet, s: Synset, rng: Rng): string {
  const name = s.lemmas[0];
  const others = s.lemmas.slice(1).filter((l) => !sameWord(l, name));
  const sentences: string[] = [];
  const tail: string[] = [];
  sentences.push(definitionSentence(s, name, s.definitions.join('; '), rng));
  if (others.length > 0) tail.push(synonymSentence(name, others, rng));
  if (s.examples.length > 0) tail.push(exampleSentence(s.examples, rng));
  for (const parent of neighbourNames(wn, s.hypernyms)) tail.push(parentSentence(s, name, parent, false, rng));
  for (const parent of neighbourNames(wn, s.instanceOf)) tail.push(parentSentence(s, name, parent, true, rng));
  const children = [...new Set(neighbourNames(wn, [...s.hyponyms, ...s.instances]))];
  if (children.length > 0) tail.push(childrenSentence(s, name, rng.sample(children, 6), rng));
  for (const a of s.antonyms) {
    const target = wn.synsets.get(a.synset);
    if (target && !isHeldOut(target.offset)) tail.push(antonymSentence(a.from, a.to, rng));
  }
  for (const head of neighbourNames(wn, s.satellite ? s.similar : []))
    tail.push(`${capitalize(name)} is similar to ${head}.`);
  return [...sentences, ...rng.shuffle(tail)].join(' ');
}

/** Plain-text facts about one word's letters, one to three of them (two on average), in varied phrasings. */
export function renderWordFacts(word: string, isNoun: boolean, rng: Rng): string {
  const n = word.length;
  const facts: (() => string)[] = [
    () =>
      rng.pick([
        `The word "${word}" is spelled ${hyphenate(word)}.`,
        `${capitalize(word)} is spelled ${hyphenate(word)}.`,
        `${hyphenate(word)} spells ${word}.`,
        `You spell ${word} as ${[...word].join(' ')}.`,
      ]),
    () =>
      rng.pick([
        `${capitalize(word)} has ${n} letters.`,
        `There are ${n} letters in "${word}".`,
        `Counting the letters of ${word}: ${numberedLetters(word)}: ${n} letters.`,
      ]),
    () =>
      rng.pick([
        `In capital letters, ${word} is written ${word.toUpperCase()}.`,
        `${word.toUpperCase()} is ${word} in capitals.`,
        `Written in upper case, ${word} becomes ${word.toUpperCase()}.`,
      ]),
    () =>
      rng.pick([
        `${capitalize(word)} begins with the letter ${word[0]}.`,
        `The first letter of ${word} is ${word[0]}.`,
        `"${capitalize(word)}" starts with ${word[0]}.`,
      ]),
    () =>
      rng.pick([
        `${capitalize(word)} ends with the letter ${word[n - 1]}.`,
        `The last letter of ${word} is ${word[n - 1]}.`,
      ]),
    () =>
      rng.pick([
        `${hyphenate(word)} backwards is ${hyphenate(reversed(word))}.`,
        `Spelled backwards, ${word} is ${hyphenate(reversed(word))}.`,
      ]),
    () => {
      const times = 2 + rng.int(3);
      return (
        `The word ${word} ${['twice', 'three times', 'four times'][times - 2]}: ` +
        `${Array(times).fill(word).join(' ')}.`
      );
    },
  ];
  const plural = isNoun ? regularPlural(word) : undefined;
  if (plural)
    facts.push(() =>
      rng.pick([
        `The plural of ${word} is ${plural}.`,
        `One ${word}, two ${plural}.`,
        `${capitalize(plural)} is the plural of ${word}.`,
      ]),
    );
  return rng
    .sample(facts, 1 + rng.int(3))
    .map((f) => f())
    .join(' ');
}

/** Single plain words (2-14 letters) with at least one training sense; held-out-only words are left to the
 *  tasks' test split. */
export function trainingWords(wn: WordNet): { word: string; isNoun: boolean }[] {
  return plainWords(wn).filter((w) => !w.heldOutOnly && isPlainWord(w.word, 2, 14));
}

/**
 * Renders the corpus. Synsets are visited in a seeded shuffle of id order, so the validation slice is a
 * random one; the finished lists are shuffled again so word paragraphs sit among synset paragraphs.
 */
export function buildCorpus(
  wn: WordNet,
  options: CorpusOptions = DEFAULT_CORPUS,
  onProgress?: (done: number, total: number) => void,
): Corpus {
  const order = derive(options.seed, 'corpus-order');
  const ids = [...wn.synsets.keys()].sort();
  let heldOut = 0;
  const eligible: Synset[] = [];
  for (const id of ids) {
    const s = wn.synsets.get(id)!;
    if (isHeldOut(s.offset)) heldOut++;
    else eligible.push(s);
  }
  const synsets = order.shuffle(eligible).slice(0, options.limit ?? eligible.length);
  const words = order.shuffle(trainingWords(wn)).slice(0, options.limit ?? Infinity);
  const phrasing = derive(options.seed, 'corpus-phrasing');
  const split = derive(options.seed, 'corpus-valid');
  const train: string[] = [];
  const valid: string[] = [];
  let validSynsets = 0;
  const total = synsets.length + words.length;
  for (let k = 0; k < synsets.length; k++) {
    const text = renderSynset(wn, synsets[k], phrasing);
    if (split.next() < options.validFraction) {
      valid.push(text);
      validSynsets++;
    } else train.push(text);
    if (onProgress && k % 2000 === 0) onProgress(k, total);
  }
  for (let k = 0; k < words.length; k++) {
    const text = renderWordFacts(words[k].word, words[k].isNoun, phrasing);
    if (split.next() < options.validFraction) valid.push(text);
    else train.push(text);
    if (onProgress && k % 2000 === 0) onProgress(synsets.length + k, total);
  }
  onProgress?.(total, total);
  // word paragraphs end up at random places among the synset paragraphs
  return {
    train: order.shuffle(train),
    valid: order.shuffle(valid),
    synsets: { train: synsets.length - validSynsets, valid: validSynsets, heldOut },
    wordParagraphs: words.length,
  };
}
