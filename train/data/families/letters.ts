// Families that work on a word's letters: spell, count, reverse, first and last letter, capitals, repeat,
// plural. Their inputs need no meaning, so their held-out words are words with every sense held out: never the
// subject of a letter fact in the corpus nor of a training task (they may still occur inside other glosses).
// Checkers are strict about letters and numbers and lenient about the words around them.
import { NUMBER_WORDS, hyphenate, numberedLetters, regularPlural, reversed } from '../english';
import type { Family, Item } from '../family';
import { plainWordsIn } from '../pools';
import { firstLine, letterRuns, mentions, numbersIn, singleLetters, wordsOf } from '../response';

const word = (check: { readonly [k: string]: string | number }) => String(check.word);

/** One item per plain word of the split, with the answer computed from the word. */
function perWord(answer: (w: string) => string): Family['items'] {
  return (rel, split) => plainWordsIn(rel.wn, split).map(({ word: w }): Item => ({ key: w, slots: { w }, answer: answer(w), check: { word: w } }));
}

export const spell: Family = {
  name: 'spell',
  kind: 'letters',
  phrasings: [
    'Spell the word "{w}".',
    'How do you spell {w}?',
    'Write "{w}" letter by letter.',
    'Spell out {w}, with hyphens between the letters.',
    'Tell me the letters of "{w}".',
    'Give the spelling of {w}.',
  ],
  items: perWord(hyphenate),
  // Correct when some run of single letters ("a-p-p-l-e", "A P P L E") is exactly the word.
  check: (check, response) => letterRuns(firstLine(response)).includes(word(check)),
};

export const countLetters: Family = {
  name: 'count_letters',
  kind: 'letters',
  phrasings: [
    'How many letters are in "{w}"?',
    'Count the letters in {w}.',
    'Tell me how many letters "{w}" has.',
    'What is the number of letters in the word {w}?',
    'Give the letter count of "{w}".',
  ],
  // worked answer: numbering the letters makes the count a copy of the last number
  items: perWord((w) => `${numberedLetters(w)}: ${w.length} letters`),
  // Correct when the last number on the first line (digits or a number word) is the word's length.
  check(check, response) {
    const numbers = numbersIn(firstLine(response));
    return numbers.length > 0 && numbers[numbers.length - 1] === word(check).length;
  },
};

export const reverse: Family = {
  name: 'reverse',
  kind: 'letters',
  phrasings: [
    'Spell "{w}" backwards.',
    'Write {w} in reverse.',
    'Reverse the letters of "{w}".',
    'Write the word {w} backwards.',
    'Tell me how "{w}" is spelled backwards.',
  ],
  // worked answer: spell it forwards first, then read the letters back
  items: perWord((w) => `${hyphenate(w)} backwards is ${hyphenate(reversed(w))}`),
  // Correct when the line's last spelled-out run, or its last word, is the word reversed.
  check(check, response) {
    const line = firstLine(response);
    const target = reversed(word(check));
    const runs = letterRuns(line).filter((r) => r.length > 1);
    const words = wordsOf(line);
    return runs[runs.length - 1] === target || words[words.length - 1] === target;
  },
};

export const firstLetter: Family = {
  name: 'first_letter',
  kind: 'letters',
  phrasings: [
    'What is the first letter of "{w}"?',
    'Tell me the first letter of {w}.',
    'Which letter does "{w}" start with?',
    'Name the letter that begins the word {w}.',
    'Give the initial letter of "{w}".',
  ],
  items: perWord((w) => w[0]),
  // Correct when the last letter standing alone on the first line is the word's first letter.
  check(check, response) {
    const letters = singleLetters(firstLine(response));
    return letters.length > 0 && letters[letters.length - 1] === word(check)[0];
  },
};

export const lastLetter: Family = {
  name: 'last_letter',
  kind: 'letters',
  phrasings: [
    'What is the last letter of "{w}"?',
    'Tell me the final letter of {w}.',
    'Which letter does "{w}" end with?',
    'Name the letter at the end of the word {w}.',
    'Give the last letter of "{w}".',
  ],
  items: perWord((w) => w[w.length - 1]),
  check(check, response) {
    const w = word(check);
    const letters = singleLetters(firstLine(response));
    return letters.length > 0 && letters[letters.length - 1] === w[w.length - 1];
  },
};

export const capitals: Family = {
  name: 'capitals',
  kind: 'letters',
  phrasings: [
    'Write "{w}" in capital letters.',
    'Write {w} in uppercase.',
    'Change "{w}" to all caps.',
    'Capitalize every letter of {w}.',
    'Give me the word "{w}" in upper case.',
    'Convert {w} to capital letters.',
  ],
  items: perWord((w) => w.toUpperCase()),
  // Case matters here: the word must appear in capitals, as a whole word.
  check: (check, response) => firstLine(response).split(/[^A-Za-z]+/).includes(word(check).toUpperCase()),
};

export const repeat: Family = {
  name: 'repeat',
  kind: 'letters',
  phrasings: [
    'Repeat the word "{w}" {n} times.',
    'Say {w} {nw} times.',
    'Write "{w}" {nw} times.',
    'Write the word {w} {n} times, separated by spaces.',
    'Repeat "{w}" exactly {nw} times.',
  ],
  items: (rel, split, rng) =>
    plainWordsIn(rel.wn, split).map(({ word: w }): Item => {
      const n = 2 + rng.int(4);
      return { key: w, slots: { w, n: String(n), nw: NUMBER_WORDS[n] }, answer: Array(n).fill(w).join(' '), check: { word: w, n } };
    }),
  // Correct when the first line is the word exactly n times and nothing else (case and commas aside).
  check(check, response) {
    const words = wordsOf(firstLine(response));
    return words.length === Number(check.n) && words.every((x) => x === word(check));
  },
};

export const plural: Family = {
  name: 'plural',
  kind: 'letters',
  phrasings: [
    'What is the plural of "{w}"?',
    'Give the plural form of {w}.',
    'Write the plural of the noun "{w}".',
    'Tell me the plural of {w}.',
    'How do you say "{w}" in the plural?',
  ],
  // only nouns whose plural follows the rules (regularPlural): irregular endings are skipped, not guessed
  items(rel, split) {
    const items: Item[] = [];
    for (const { word: w, isNoun } of plainWordsIn(rel.wn, split)) {
      const p = isNoun ? regularPlural(w) : undefined;
      if (p) items.push({ key: w, slots: { w }, answer: p, check: { word: w, plural: p } });
    }
    return items;
  },
  check: (check, response) => mentions(firstLine(response), String(check.plural)),
};

export const LETTER_FAMILIES: readonly Family[] = [spell, countLetters, reverse, firstLetter, lastLetter, capitals, repeat, plural];
