// train/data/wordnet.ts: one data line of each shape by hand, the gloss splitter, the held-out rule, and the
// whole database against WordNet 3.1's published counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHeldOut, loadWordNet, parseDataLine, parseGloss, sensesOf } from '../../train/data/wordnet';

const DOG =
  '02086723 05 n 03 dog 0 domestic_dog 0 Canis_familiaris 0 023 @ 02085998 n 0000 @ 01320032 n ' +
  '0000 #m 02086515 n 0000 #m 08011383 n 0000 ~ 01325095 n 0000 ~ 02087384 n 0000 ~ 02087513 n ' +
  '0000 ~ 02087924 n 0000 ~ 02088026 n 0000 ~ 02089774 n 0000 ~ 02106058 n 0000 ~ 02112993 n 0000 ' +
  '~ 02113458 n 0000 ~ 02113610 n 0000 ~ 02113781 n 0000 ~ 02113929 n 0000 ~ 02114152 n 0000 ~ ' +
  '02114278 n 0000 ~ 02115149 n 0000 ~ 02115478 n 0000 ~ 02115987 n 0000 ~ 02116630 n 0000 %p ' +
  '02161498 n 0000 | a member of the genus Canis (probably descended from the common wolf) that ' +
  'has been domesticated by man since prehistoric times; occurs in many breeds; "the dog barked ' +
  'all night"  ';

test('a noun line: lemmas, pointers by symbol, gloss split into definitions and examples', () => {
  const { synset: s, antonyms } = parseDataLine(DOG, 'n');
  assert.equal(s.id, 'n02086723');
  assert.equal(s.offset, 2086723);
  assert.equal(s.lexFile, 5);
  assert.deepEqual(s.lemmas, ['dog', 'domestic dog', 'Canis familiaris']);
  assert.deepEqual(s.hypernyms, ['n02085998', 'n01320032']);
  assert.equal(s.hyponyms.length, 18);
  assert.deepEqual(s.definitions, [
    'a member of the genus Canis (probably descended from the common wolf) that has been ' +
      'domesticated by man since prehistoric times',
    'occurs in many breeds',
  ]);
  assert.deepEqual(s.examples, ['the dog barked all night']);
  assert.deepEqual(antonyms, []);
});

test('a verb line with frames, a satellite with an adjective marker, a lexical antonym pointer', () => {
  const verb = parseDataLine(
    '00002724 29 v 01 choke 0 002 @ 00001740 v 0000 + 14081734 n 0101 01 + 02 00 | breathe with ' +
      'great difficulty, as when experiencing a strong emotion; "She choked with emotion when she ' +
      'spoke about her deceased husband"  ',
    'v',
  ).synset;
  assert.deepEqual([verb.id, verb.lemmas, verb.hypernyms], ['v00002724', ['choke'], ['v00001740']]);
  assert.deepEqual(verb.examples, ['She choked with emotion when she spoke about her deceased husband']);
  const sat = parseDataLine(
    '00014377 00 s 02 abounding 0 galore(ip) 0 001 & 00013906 a 0000 | existing in abundance; "abounding confidence"  ',
    'a',
  ).synset;
  assert.deepEqual(
    [sat.pos, sat.satellite, sat.lemmas, sat.similar],
    ['a', true, ['abounding', 'galore'], ['a00013906']],
  );
  const { antonyms } = parseDataLine(
    '00003356 00 a 01 nascent 0 005 + 07334902 n 0103 ! 00003938 a 0101 & 00003552 a 0000 | being ' +
      'born or beginning; "the nascent chicks"   ',
    'a',
  );
  assert.deepEqual(antonyms, [{ source: 1, target: 1, synset: 'a00003938' }]);
});

test('gloss: semicolons inside quotes, attributions after the closing quote, quoted words inside a definition', () => {
  assert.deepEqual(
    parseGloss(
      'broadcasting visual images; "she is a star of screen and video"; "Television is a medium ' +
        'because it is neither rare nor well done" - Ernie Kovacs',
    ),
    {
      definitions: ['broadcasting visual images'],
      examples: [
        'she is a star of screen and video',
        'Television is a medium because it is neither rare nor well done',
      ],
    },
  );
  assert.deepEqual(parseGloss('a demand especially in the phrase "the call of duty"'), {
    definitions: ['a demand especially in the phrase "the call of duty"'],
    examples: [],
  });
  assert.deepEqual(parseGloss('x; "a; b"'), { definitions: ['x'], examples: ['a; b'] });
});

test('isHeldOut: offsets divisible by 20', () => {
  assert.equal(isHeldOut(1740), true); // n00001740 entity
  assert.equal(isHeldOut(2086723), false);
  assert.equal(isHeldOut(0), true);
  assert.equal(isHeldOut(2086720), true);
});

test(
  'the whole database: WordNet 3.1 counts, the held-out share, antonyms resolved to words, senses ' +
    'in frequency order',
  () => {
    const wn = loadWordNet();
    assert.equal(wn.synsets.size, 117791);
    const byPos: Record<string, number> = {};
    let heldOut = 0;
    for (const s of wn.synsets.values()) {
      const k = s.pos + (s.satellite ? 's' : '');
      byPos[k] = (byPos[k] ?? 0) + 1;
      if (isHeldOut(s.offset)) heldOut++;
    }
    assert.deepEqual(byPos, { n: 82192, v: 13789, a: 7468, as: 10717, r: 3625 });
    assert.equal(heldOut, 5888); // 5.0%
    assert.deepEqual(wn.synsets.get('r00086161')!.antonyms, [{ from: 'quickly', to: 'slowly', synset: 'r00162829' }]);
    assert.equal(sensesOf(wn, 'dog')[0].id, 'n02086723'); // index.noun lists the commonest sense first
    assert.equal(sensesOf(wn, 'Dog').length, sensesOf(wn, 'dog').length);
    assert.ok(sensesOf(wn, 'dog', 'v').every((s) => s.pos === 'v'));
    assert.equal(loadWordNet(), wn, 'parsed once per process');
  },
);
