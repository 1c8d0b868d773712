// Offline concept labels: the lexicons keep their documented rules, words are told from non-words, parts of
// speech map from compromise's tags, and the category follows the rule in conceptLabels.ts (most matched
// words, ties by summed |cosine|, "none" below the minimum), recomputed here by hand for small lists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import stem from 'wink-porter2-stemmer';
import { analyseWord, labelConcept, MIN_CATEGORY_MATCHES } from '../../../src/methods/concepts/conceptLabels';
import { CATEGORIES, CATEGORY_LEXICONS } from '../../../src/methods/concepts/lexicons/categories';

test('lexicons: six categories, at least 30 lower-case base words each, no stem in two of them', () => {
  assert.deepEqual(CATEGORIES, [
    'writing',
    'coding',
    'math',
    'translation',
    'question_answering',
    'everyday_knowledge',
  ]);
  const owner = new Map<string, string>();
  for (const c of CATEGORIES) {
    const words = CATEGORY_LEXICONS[c];
    assert.ok(words.length >= 30, `${c}: ${words.length} words`);
    for (const w of words) {
      assert.match(w, /^[a-z]+$/, `${c}: "${w}"`);
      const s = stem(w);
      const other = owner.get(s);
      assert.ok(other === undefined || other === c, `stem "${s}" ("${w}") is in both ${other} and ${c}`);
      owner.set(s, c);
    }
  }
});

test(
  'analyseWord: word-initial tokens of letters get a part of speech and the stem of their lemma; ' +
    'other tokens do not',
  () => {
    const cases: [string, string | null, string, string | null][] = [
      [' writing', 'writing', 'verb', 'write'],
      [' wrote', 'wrote', 'verb', 'write'],
      [' equations', 'equations', 'noun', 'equat'],
      ['equations', null, 'other', null], // no leading space: a piece of a word, or text-initial
      ['olog', null, 'other', null],
      [' quickly', 'quickly', 'adverb', 'quick'],
      [' beautiful', 'beautiful', 'adjective', 'beauti'],
      [' the', 'the', 'other', 'the'],
      [' he', 'he', 'other', 'he'],
      [' 42', null, 'other', null],
      [',', null, 'other', null],
      [' ', null, 'other', null],
      ['Ġ', null, 'other', null], // a byte-level piece shown raw is not a word
      [" don't", "don't", 'verb', "don't"],
    ];
    for (const [text, word, pos, st] of cases) {
      const a = analyseWord(text);
      assert.deepEqual([a.word, a.partOfSpeech, a.stem], [word, pos, st], JSON.stringify(text));
    }
  },
);

test('labelConcept: part-of-speech fractions and the category with the most matched words', () => {
  const words = [' essay', ' poem', ' writing', ' apple', ' 42', ' quickly', ' the', ' python'].map((text, i) => ({
    text,
    cosine: 0.5 - i / 100,
  }));
  const label = labelConcept(words);
  assert.equal(label.category.category, 'writing');
  assert.deepEqual(label.category.matches, ['essay', 'poem', 'writing']);
  assert.equal(label.category.counts.writing, 3);
  assert.equal(label.category.counts.coding, 1);
  assert.equal(label.category.counts.math, 0);
  const n = words.length;
  assert.deepEqual(label.partOfSpeech, { noun: 4 / n, verb: 1 / n, adjective: 0, adverb: 1 / n, other: 2 / n });
  assert.ok(Math.abs(Object.values(label.partOfSpeech).reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test('labelConcept: a tie goes to the larger summed |cosine|; fewer than the minimum matches is "none"', () => {
  assert.equal(MIN_CATEGORY_MATCHES, 2);
  const tie = labelConcept([
    { text: ' python', cosine: 0.3 },
    { text: ' compile', cosine: -0.2 },
    { text: ' equation', cosine: -0.4 },
    { text: ' fraction', cosine: 0.2 },
  ]);
  assert.equal(tie.category.category, 'math'); // 0.6 against 0.5
  assert.deepEqual(tie.category.matches, ['equation', 'fraction']);
  const single = labelConcept([
    { text: ' recipe', cosine: 0.9 },
    { text: ' zebra', cosine: 0.8 },
    { text: ' the', cosine: 0.7 },
  ]);
  assert.equal(single.category.category, 'none');
  assert.deepEqual(single.category.matches, []);
  assert.equal(single.category.counts.everyday_knowledge, 1);
  assert.deepEqual(labelConcept([]).partOfSpeech, { noun: 0, verb: 0, adjective: 0, adverb: 0, other: 0 });
});
