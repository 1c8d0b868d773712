// The answer checkers of every task family (train/data/families/*): each accepts its reference answer and
// reasonable variants, and rejects wrong answers. Lenient about wording, strict about letters and numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAnswer, FAMILIES, type FamilyName } from '../../train/data/tasks';
import { loadWordNet } from '../../train/data/wordnet';

const wn = loadWordNet();

function judge(
  family: FamilyName,
  check: Record<string, string | number>,
  accept: readonly string[],
  reject: readonly string[],
) {
  for (const r of accept)
    assert.equal(checkAnswer({ family, check }, r, wn), true, `${family} should accept ${JSON.stringify(r)}`);
  for (const r of reject)
    assert.equal(checkAnswer({ family, check }, r, wn), false, `${family} should reject ${JSON.stringify(r)}`);
}

test('define: two content words of some gloss, or a direct parent; generic or wrong definitions fail', () => {
  judge(
    'define',
    { word: 'dog' },
    [
      'A member of the genus Canis that has been domesticated.',
      'An animal that is a kind of canine.',
      'a domestic animal',
      'DOMESTICATED member of genus Canis!\nand more',
    ],
    ['A large body of water.', 'An animal kept as a pet.', 'dog', '', 'A dog is a dog.'],
  );
  judge(
    'define',
    { word: 'apple' },
    ['The round fruit of a tree.', 'A fruit with red or yellow skin.'],
    ['A vehicle with four wheels.', 'A genus of plants.'],
  );
  // a one-word gloss needs only that word; the word's own stems never count ("school of music" is no definition of
  // itself)
  judge('define', { word: 'junior' }, ['Younger.', 'someone younger'], ['older']);
  judge(
    'define',
    { word: 'school of music' },
    ['A school for the study of music.'],
    ['A school of music.', 'music school'],
  );
});

test('synonym: any other lemma of any sense; not the word itself', () => {
  judge(
    'synonym',
    { word: 'big' },
    ['large', 'Large.', 'Another word for big is "large".', 'grownup'],
    ['big', 'small', 'Big!', ''],
  );
  judge(
    'synonym',
    { word: 'quickly' },
    ['rapidly', 'in short order', 'chop-chop', 'chop chop'],
    ['slowly', 'carefully', 'quickly'],
  );
});

test('antonym: direct antonyms, their satellites, indirect antonyms through a head adjective', () => {
  judge(
    'antonym',
    { word: 'hot' },
    ['cold', 'Cold.', 'The opposite of hot is cold.', 'icy'],
    ['hot', 'warm', 'big', ''],
  );
  judge('antonym', { word: 'quickly' }, ['slowly'], ['rapidly']);
  judge('antonym', { word: 'abounding' }, ['scarce'], ['abundant']); // satellite of abundant, whose antonym is scarce
});

test('sentence: four or more words using the word or an inflected form, not an echo of the instruction', () => {
  judge(
    'sentence',
    { word: 'dog' },
    ['The dog barked all night.', 'Dogs are loyal animals.', 'My neighbour walks her dog every day'],
    [
      'dog',
      'A dog.',
      'The cat sat on the mat.',
      'Use the word dog in a sentence.',
      'Here is a sentence with dog.',
      'Hotdogs are tasty food.',
    ],
  );
  // a lead-in that takes up the request, then the sentence
  judge(
    'sentence',
    { word: 'dog' },
    ['Here is a sentence with "dog": The dog barked all night.', 'For example: Dogs are loyal.'],
    [
      'Here is a sentence with "dog": the cat sat down.',
      'Here is a sentence with "dog": a dog.',
      'A sentence using dog: a sentence about a dog.',
    ],
  );
  judge(
    'sentence',
    { word: 'run' },
    ['She was running late again.', 'He runs home every day.'],
    ['A run.', 'He runs home.'],
  );
  judge(
    'sentence',
    { word: 'ice cream' },
    ['We ate ice cream after dinner.', 'They sell ice creams at the beach.'],
    ['We ate cream after dinner.'],
  );
});

test('hyponym: any descendant of any noun sense, at any depth', () => {
  judge(
    'hyponym',
    { word: 'dog' },
    ['poodle', 'A puppy.', 'Newfoundland dog', 'hunting dog', 'basenji'],
    ['cat', 'dog', 'canine', 'animal', ''],
  );
  judge('hyponym', { word: 'fruit' }, ['apple', 'banana'], ['car', 'fruit']);
});

test('hypernym: direct parents of any sense, and ancestors up to three steps that are not near the root', () => {
  judge(
    'hypernym',
    { word: 'dog' },
    ['canine', 'A domestic animal.', 'animal', 'carnivore', 'It is a kind of canid.'],
    ['entity', 'object', 'whole', 'poodle', 'dog', 'vehicle', 'mammal'],
  );
});

test('list_kinds: the first n items distinct kinds of the word; separators and numbering vary', () => {
  judge(
    'list_kinds',
    { word: 'fruit', n: 3 },
    [
      'apple, banana, cherry',
      'Apple, banana and cherry.',
      'an apple; a banana; a cherry',
      '1. apple 2. banana 3. cherry',
      'apple, banana, cherry, car',
    ],
    ['apple, banana', 'apple, apple, banana', 'apple, car, banana', 'car, apple, banana, cherry', ''],
  );
  judge(
    'list_kinds',
    { word: 'dog', n: 2 },
    ['poodle, basenji', 'puppy and pug', 'a puppy and a pug'],
    ['poodle', 'cat, poodle', 'a puppy, puppy'],
  );
  judge(
    'list_kinds',
    { word: 'dog', n: 2 },
    ['Here are two kinds of dog: poodle, basenji.', 'Two types of dog are: puppy and pug.'],
    ['Here are two kinds of dog: poodle.', 'Two kinds of dog: cat, poodle.', 'Here are two kinds of dog'],
  );
  // lemmas that start with an article or hold an "and" stay whole
  judge('list_kinds', { word: 'level', n: 2 }, ['A level, college level'], ['level, college level']);
  judge('list_kinds', { word: 'synovial joint', n: 2 }, ['ball-and-socket joint, pivot joint'], ['ball, socket joint']);
});

test('choose_kind: names the right option and not the wrong one', () => {
  const check = { category: 'hairpin', correct: 'bobby pin', wrong: 'walnut oil' };
  judge(
    'choose_kind',
    check,
    ['bobby pin', 'Bobby pin.', 'The answer is "bobby pin".'],
    ['walnut oil', 'bobby pin or walnut oil', 'hairpin', ''],
  );
});

test('spell: a run of single letters equal to the word, separated by hyphens, spaces or commas', () => {
  judge(
    'spell',
    { word: 'apple' },
    [
      'a-p-p-l-e',
      'A-P-P-L-E',
      'a p p l e',
      'a, p, p, l, e',
      'Apple is spelled a-p-p-l-e.',
      'a-p-p-l-e\nsomething else',
      '\n\na-p-p-l-e',
    ],
    ['apple', 'a-p-l-e', 'a-p-p-l-e-s', 'e-l-p-p-a', 'something\na-p-p-l-e', ''],
  );
});

test('count_letters: the last number on the first line, digits or words, must be the length', () => {
  judge(
    'count_letters',
    { word: 'apple' },
    ['5', 'five', 'Apple has 5 letters.', '1 a, 2 p, 3 p, 4 l, 5 e: 5 letters', 'There are five letters.'],
    ['6', 'apple', '1 a, 2 p, 3 p, 4 l: 4 letters', '5 or 6', '', 'It has 6 letters.\n5'],
  );
  // a number word as the input: the count must come after it
  judge(
    'count_letters',
    { word: 'thirteen' },
    ['The letters in "thirteen" are 1 t, 2 h, 3 i, 4 r, 5 t, 6 e, 7 e, 8 n: there are 8 letters.'],
    ['1 t, 2 h, 3 i, 4 r, 5 t, 6 e, 7 e, 8 n: 8 letters in "thirteen".'],
  );
});

test('reverse: the last spelled run (or last word) is the word backwards', () => {
  judge(
    'reverse',
    { word: 'apple' },
    ['e-l-p-p-a', 'elppa', 'a-p-p-l-e backwards is e-l-p-p-a', 'E L P P A.', 'Backwards: elppa'],
    ['a-p-p-l-e', 'e-l-p-a', 'e-l-p-p-a backwards is a-p-p-l-e', 'apple', ''],
  );
});

test('first_letter and last_letter: the last standalone letter on the first line', () => {
  judge(
    'first_letter',
    { word: 'apple' },
    ['a', 'A', 'The first letter is a.', '"a"', 'It starts with the letter A.'],
    ['p', 'e', 'apple', ''],
  );
  judge('last_letter', { word: 'apple' }, ['e', 'E.', 'It ends with e.', 'a-p-p-l-e: e'], ['a', 'l', 'apple', '']);
});

test('capitals: the word in capitals as a whole word; case matters', () => {
  judge(
    'capitals',
    { word: 'apple' },
    ['APPLE', 'APPLE.', 'Here it is: APPLE', '"APPLE"'],
    ['Apple', 'apple', 'APPL', 'APPLES', 'A-P-P-L-E', ''],
  );
});

test('repeat: exactly n times and nothing else, case and punctuation aside', () => {
  judge(
    'repeat',
    { word: 'apple', n: 3 },
    [
      'apple apple apple',
      'Apple, apple, apple.',
      'apple apple apple\napple',
      'Here is "apple" three times: apple apple apple',
    ],
    [
      'apple apple',
      'apple apple apple apple',
      'apple apple pear',
      'Here is "apple" three times: apple apple',
      'Here is "apple" three times',
      '',
    ],
  );
});

test('plural: the plural as a whole word', () => {
  judge(
    'plural',
    { word: 'box', plural: 'boxes' },
    ['boxes', 'The plural of box is boxes.', 'Boxes'],
    ['boxs', 'box', 'boxeses', ''],
  );
  judge('plural', { word: 'city', plural: 'cities' }, ['cities'], ['citys']);
});

test('every family has a checker test above, at least five phrasings, each with its answer wordings', () => {
  assert.equal(FAMILIES.length, 16);
  for (const f of FAMILIES) assert.ok(f.phrasings.length >= 5, `${f.name}: ${f.phrasings.length} phrasings`);
  for (const f of FAMILIES)
    for (const p of f.phrasings) assert.ok(p.answers.length >= 1, `${f.name}: "${p.prompt}" has no answer`);
  const verbs = new Set(FAMILIES.flatMap((f) => f.phrasings.map((p) => p.prompt.split(' ')[0].toLowerCase())));
  for (const v of ['define', 'give', 'name', 'list', 'write', 'spell', 'count', 'repeat', 'explain', 'tell', 'choose'])
    assert.ok(verbs.has(v), `no phrasing starts with "${v}"`);
});

test('the restated request that opens an answer proves nothing: a checker reads what follows it', () => {
  const check = { category: 'hairpin', correct: 'bobby pin', wrong: 'walnut oil' };
  const asked = 'You asked: "Which of these is a kind of hairpin: "walnut oil" or "bobby pin"?"';
  judge('choose_kind', check, [`${asked} Of these, the kind of hairpin is "bobby pin".`, 'bobby pin'], [asked]);
  judge(
    'spell',
    { word: 'apple' },
    ['You asked me to spell "apple". The word "apple" is spelled a-p-p-l-e.'],
    ['You asked me to spell "a-p-p-l-e".', 'You asked me to spell "apple". It is spelled a-p-l-e.'],
  );
});
