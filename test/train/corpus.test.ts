// train/data/corpus.ts: a known synset renders as the expected prose, rendering is deterministic, held-out
// synsets and every relation touching one stay out of the text, and nothing is in the chat format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCorpus, renderSynset, renderWordFacts, trainingWords } from '../../train/data/corpus';
import { mulberry32 } from '../../train/data/random';
import { isHeldOut, loadWordNet, parentsOf, childrenOf, type Synset } from '../../train/data/wordnet';

const wn = loadWordNet();
const held = (id: string) => isHeldOut(wn.synsets.get(id)!.offset);

test('dog (n02086723) renders as one paragraph of varied prose, the same for the same seed', () => {
  const dog = wn.synsets.get('n02086723')!;
  const text = renderSynset(wn, dog, mulberry32(7));
  assert.equal(
    text,
    'Dog: a member of the genus Canis (probably descended from the common wolf) that has been ' +
      'domesticated by man since prehistoric times; occurs in many breeds. ' +
      'It is used like this: "the dog barked all night". ' +
      'Examples of dog include dalmatian, basenji, hunting dog, Newfoundland, griffon and pooch. ' +
      'It is also called domestic dog or Canis familiaris. ' +
      'Dog: a kind of canine. Dog: a kind of domestic animal.',
  );
  assert.equal(renderSynset(wn, dog, mulberry32(7)), text);
  assert.notEqual(renderSynset(wn, dog, mulberry32(8)), text, 'another seed, other phrasings');
});

test('an adverb with a lexical antonym; a word paragraph about letters', () => {
  assert.equal(
    renderSynset(wn, wn.synsets.get('r00086161')!, mulberry32(7)),
    'Quickly means with speed. An antonym of quickly is slowly. It is also called rapidly, ' +
      'speedily, chop-chop, apace or in short order. It is used like this: "he works quickly" and ' +
      '"John got ready in short order".',
  );
  assert.equal(
    renderWordFacts('apple', true, mulberry32(3)),
    'You spell apple as a p p l e. Apple ends with the letter e. APPLE is apple in capitals.',
  );
});

test('relations that touch a held-out synset are not rendered', () => {
  // physical entity (n00001930, training) is a kind of entity (n00001740, held out)
  const physical = wn.synsets.get('n00001930')!;
  assert.ok(held('n00001740') && !held(physical.id));
  for (let seed = 0; seed < 20; seed++)
    assert.doesNotMatch(renderSynset(wn, physical, mulberry32(seed)), /kind of entity|type of entity/);
  // demotion (training) has the antonym promotion (n00199300, held out)
  const demotion = wn.synsets.get('n00199642')!;
  assert.ok(held('n00199300') && !held(demotion.id));
  for (let seed = 0; seed < 20; seed++) assert.doesNotMatch(renderSynset(wn, demotion, mulberry32(seed)), /promotion/);
});

/** Training synsets next to held-out ones: the only places a held-out fact could leak from. */
function neighboursOfHeldOut(limit: number): Synset[] {
  const out = new Set<Synset>();
  for (const s of wn.synsets.values()) {
    if (!isHeldOut(s.offset)) continue;
    for (const id of [...parentsOf(s), ...childrenOf(s), ...s.antonyms.map((a) => a.synset), ...s.similar]) {
      const n = wn.synsets.get(id)!;
      if (!isHeldOut(n.offset)) out.add(n);
    }
    if (out.size >= limit) break;
  }
  return [...out];
}

test('no held-out synset text in the corpus, neither from the synset nor from its training neighbours', () => {
  const corpus = buildCorpus(wn, { seed: 5, validFraction: 0.01, limit: 1500 });
  const rng = mulberry32(1);
  const neighbourText = neighboursOfHeldOut(400).map((s) => renderSynset(wn, s, rng));
  const text = [...corpus.train, ...corpus.valid, ...neighbourText].join('\n');
  const trainingDefinitions: string[] = [];
  for (const s of wn.synsets.values()) if (!isHeldOut(s.offset)) trainingDefinitions.push(...s.definitions);
  let checked = 0;
  for (const s of wn.synsets.values()) {
    if (!isHeldOut(s.offset)) continue;
    for (const d of s.definitions) {
      if (d.length < 25) continue;
      checked++;
      // a gloss that a training synset's gloss also contains is not held-out text ("the anterior tip of the
      // parietal bone" is in sphenoid fontanelle's gloss too)
      if (text.includes(d))
        assert.ok(
          trainingDefinitions.some((t) => t.includes(d)),
          `held-out gloss of ${s.id} in the corpus: ${d}`,
        );
    }
  }
  assert.ok(checked > 5000);
});

test('buildCorpus: deterministic, train and a ~1% validation slice, no chat markers, one document a line', () => {
  const options = { seed: 11, validFraction: 0.05, limit: 800 };
  const a = buildCorpus(wn, options);
  const b = buildCorpus(wn, options);
  assert.deepEqual(a, b);
  assert.equal(a.synsets.train + a.synsets.valid, 800);
  assert.ok(a.synsets.valid > 15 && a.synsets.valid < 70, `validation synsets ${a.synsets.valid}`);
  assert.equal(a.synsets.heldOut, 5888);
  for (const doc of [...a.train, ...a.valid]) {
    assert.doesNotMatch(doc, /\n|<\||\|>/);
    assert.ok(doc.length > 0);
  }
  assert.ok(
    a.train.some((d) => / is spelled [a-z](-[a-z])+\./.test(d)),
    'letter facts are mixed in',
  );
  assert.notDeepEqual(buildCorpus(wn, { ...options, seed: 12 }).train.slice(0, 5), a.train.slice(0, 5));
});

test('letter facts only for words with a training sense', () => {
  const words = new Set(trainingWords(wn).map((w) => w.word));
  assert.ok(words.has('dog') && words.has('apple'));
  assert.ok(!words.has('entity'), 'every sense of "entity" is held out');
});
