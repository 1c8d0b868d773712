// Families that work on a word's letters: spell, count, reverse, first and last letter, capitals, repeat,
// plural. Their inputs need no meaning, so their held-out words are words with every sense held out: never the
// subject of a letter fact in the corpus nor of a training task (they may still occur inside other glosses).
// Checkers are strict about letters and numbers and lenient about the words around them.
import { NUMBER_WORDS, hyphenate, numberedLetters, regularPlural, reversed } from '../english';
import type { Family, Item } from '../family';
import { plainWordsIn } from '../pools';
import { afterLeadIn, firstLine, letterRuns, mentions, numbersIn, singleLetters, wordsOf } from '../response';

const word = (check: { readonly [k: string]: string | number }) => String(check.word);

/** One item per plain word of the split, with the answer computed from the word. */
function perWord(answer: (w: string) => string): Family['items'] {
  return (rel, split) =>
    plainWordsIn(rel.wn, split).map(({ word: w }): Item => ({
      key: w,
      slots: { w },
      answer: answer(w),
      check: { word: w },
    }));
}

export const spell: Family = {
  name: 'spell',
  kind: 'letters',
  phrasings: [
    { prompt: 'Spell the word "{w}".', answers: ['The word "{w}" is spelled {answer}.', '"{W}" is spelled {answer}.'] },
    { prompt: 'How do you spell {w}?', answers: ['You spell {w} as {answer}.', 'You spell it {answer}.'] },
    {
      prompt: 'Write "{w}" letter by letter.',
      answers: ['"{W}" letter by letter is {answer}.', 'Letter by letter: {answer}.'],
    },
    {
      prompt: 'Spell out {w}, with hyphens between the letters.',
      answers: [
        '{W} spelled out with hyphens between the letters is {answer}.',
        'With hyphens between the letters: {answer}.',
      ],
    },
    { prompt: 'Tell me the letters of "{w}".', answers: ['The letters of "{w}" are {answer}.'] },
    { prompt: 'Give the spelling of {w}.', answers: ['The spelling of {w} is {answer}.'] },
  ],
  items: perWord(hyphenate),
  // Correct when some run of single letters ("a-p-p-l-e", "A P P L E") is exactly the word.
  check: (check, response) => letterRuns(firstLine(response)).includes(word(check)),
};

export const countLetters: Family = {
  name: 'count_letters',
  kind: 'letters',
  // worked answers: numbering the letters makes the count a copy of the last number
  phrasings: [
    {
      prompt: 'How many letters are in "{w}"?',
      answers: ['The letters in "{w}" are {numbered}: there are {answer} letters.'],
    },
    { prompt: 'Count the letters in {w}.', answers: ['Counting the letters in {w}: {numbered}: {answer} letters.'] },
    { prompt: 'Tell me how many letters "{w}" has.', answers: ['{numbered}, so "{w}" has {answer} letters.'] },
    {
      prompt: 'What is the number of letters in the word {w}?',
      answers: ['{numbered}, so the number of letters in the word {w} is {answer}.'],
    },
    { prompt: 'Give the letter count of "{w}".', answers: ['{numbered}: the letter count of "{w}" is {answer}.'] },
  ],
  items: perWord((x) => String(x.length)),
  answerSlots: (i) => ({ numbered: numberedLetters(i.slots.w) }),
  // Correct when the last number on the first line (digits or a number word) is the word's length.
  check(check, response) {
    const numbers = numbersIn(firstLine(response));
    return numbers.length > 0 && numbers[numbers.length - 1] === word(check).length;
  },
};

export const reverse: Family = {
  name: 'reverse',
  kind: 'letters',
  // worked answers: spell it forwards first, then read the letters back
  phrasings: [
    {
      prompt: 'Spell "{w}" backwards.',
      answers: [
        '"{W}" is spelled {spelled}, so spelled backwards it is {answer}.',
        '{spelled} spelled backwards is {answer}.',
      ],
    },
    { prompt: 'Write {w} in reverse.', answers: ['{spelled} written in reverse is {answer}.'] },
    {
      prompt: 'Reverse the letters of "{w}".',
      answers: ['The letters of "{w}" are {spelled}; reversed, they are {answer}.'],
    },
    {
      prompt: 'Write the word {w} backwards.',
      answers: ['The word {w} is {spelled}; written backwards it is {answer}.'],
    },
    {
      prompt: 'Tell me how "{w}" is spelled backwards.',
      answers: ['"{W}" is spelled {spelled}, so backwards it is spelled {answer}.'],
    },
  ],
  items: perWord((x) => hyphenate(reversed(x))),
  answerSlots: (i) => ({ spelled: hyphenate(i.slots.w) }),
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
    { prompt: 'What is the first letter of "{w}"?', answers: ['The first letter of "{w}" is {answer}.'] },
    { prompt: 'Tell me the first letter of {w}.', answers: ['The first letter of {w} is {answer}.'] },
    { prompt: 'Which letter does "{w}" start with?', answers: ['"{W}" starts with the letter {answer}.'] },
    {
      prompt: 'Name the letter that begins the word {w}.',
      answers: ['The letter that begins the word {w} is {answer}.'],
    },
    { prompt: 'Give the initial letter of "{w}".', answers: ['The initial letter of "{w}" is {answer}.'] },
  ],
  items: perWord((x) => x[0]),
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
    { prompt: 'What is the last letter of "{w}"?', answers: ['The last letter of "{w}" is {answer}.'] },
    { prompt: 'Tell me the final letter of {w}.', answers: ['The final letter of {w} is {answer}.'] },
    { prompt: 'Which letter does "{w}" end with?', answers: ['"{W}" ends with the letter {answer}.'] },
    {
      prompt: 'Name the letter at the end of the word {w}.',
      answers: ['The letter at the end of the word {w} is {answer}.'],
    },
    { prompt: 'Give the last letter of "{w}".', answers: ['The last letter of "{w}" is {answer}.'] },
  ],
  items: perWord((x) => x[x.length - 1]),
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
    {
      prompt: 'Write "{w}" in capital letters.',
      answers: ['"{W}" written in capital letters is {answer}.', 'In capital letters: {answer}.'],
    },
    {
      prompt: 'Write {w} in uppercase.',
      answers: ['{W} written in uppercase is {answer}.', 'In uppercase: {answer}.'],
    },
    { prompt: 'Change "{w}" to all caps.', answers: ['"{W}" changed to all caps is {answer}.'] },
    { prompt: 'Capitalize every letter of {w}.', answers: ['With every letter of {w} capitalized: {answer}.'] },
    { prompt: 'Give me the word "{w}" in upper case.', answers: ['The word "{w}" in upper case is {answer}.'] },
    { prompt: 'Convert {w} to capital letters.', answers: ['{W} converted to capital letters is {answer}.'] },
  ],
  items: perWord((x) => x.toUpperCase()),
  // Case matters here: the word must appear in capitals, as a whole word.
  check: (check, response) =>
    firstLine(response)
      .split(/[^A-Za-z]+/)
      .includes(word(check).toUpperCase()),
};

export const repeat: Family = {
  name: 'repeat',
  kind: 'letters',
  phrasings: [
    { prompt: 'Repeat the word "{w}" {n} times.', answers: ['The word "{w}" repeated {n} times: {answer}'] },
    { prompt: 'Say {w} {nw} times.', answers: ['Here is {w} said {nw} times: {answer}'] },
    { prompt: 'Write "{w}" {nw} times.', answers: ['"{W}" written {nw} times: {answer}'] },
    {
      prompt: 'Write the word {w} {n} times, separated by spaces.',
      answers: ['The word {w} {n} times, separated by spaces: {answer}'],
    },
    { prompt: 'Repeat "{w}" exactly {nw} times.', answers: ['"{W}" repeated exactly {nw} times: {answer}'] },
  ],
  items: (rel, split, rng) =>
    plainWordsIn(rel.wn, split).map(({ word: x }): Item => {
      const n = 2 + rng.int(4);
      return {
        key: x,
        slots: { w: x, n: String(n), nw: NUMBER_WORDS[n] },
        answer: Array(n).fill(x).join(' '),
        check: { word: x, n },
      };
    }),
  // Correct when the first line, after a lead-in ending in a colon if it has one, is the word exactly n times
  // and nothing else (case and commas aside).
  check(check, response) {
    const words = wordsOf(afterLeadIn(firstLine(response)));
    return words.length === Number(check.n) && words.every((x) => x === word(check));
  },
};

export const plural: Family = {
  name: 'plural',
  kind: 'letters',
  phrasings: [
    { prompt: 'What is the plural of "{w}"?', answers: ['The plural of "{w}" is "{answer}".'] },
    { prompt: 'Give the plural form of {w}.', answers: ['The plural form of {w} is {answer}.'] },
    { prompt: 'Write the plural of the noun "{w}".', answers: ['The plural of the noun "{w}" is "{answer}".'] },
    { prompt: 'Tell me the plural of {w}.', answers: ['The plural of {w} is {answer}.'] },
    {
      prompt: 'How do you say "{w}" in the plural?',
      answers: ['In the plural, you say "{answer}".', 'You say "{answer}" in the plural.'],
    },
  ],
  // only nouns whose plural follows the rules (regularPlural): irregular endings are skipped, not guessed
  items(rel, split) {
    const items: Item[] = [];
    for (const { word: x, isNoun } of plainWordsIn(rel.wn, split)) {
      const p = isNoun ? regularPlural(x) : undefined;
      if (p) items.push({ key: x, slots: { w: x }, answer: p, check: { word: x, plural: p } });
    }
    return items;
  },
  check: (check, response) => mentions(firstLine(response), String(check.plural)),
};

export const LETTER_FAMILIES: readonly Family[] = [
  spell,
  countLetters,
  reverse,
  firstLetter,
  lastLetter,
  capitals,
  repeat,
  plural,
];
