// train/data/tasks.ts: prompts and instruction spans, the held-out split (held-out inputs come from held-out
// synsets, never reach training; no held-out prompt is a training prompt), seeded determinism, and the
// committed train/data/heldout.jsonl. Builds run on small slices of a few families to stay fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderAnswer, renderPrompt, restatedRequest, type Example } from '../../train/data/family';
import { buildTasks, checkAnswer, FAMILIES, type FamilyName } from '../../train/data/tasks';
import { isHeldOut, loadWordNet, sensesOf } from '../../train/data/wordnet';
import { derive } from '../../train/data/random';
import { stem } from '../../train/data/english';
import { relationsOf } from '../../train/data/relations';

const wn = loadWordNet();
const FAST: FamilyName[] = ['define', 'antonym', 'hypernym', 'spell', 'repeat', 'plural'];
const options = { seed: 99, trainPerFamily: 300, heldoutPerFamily: 30, limit: 3000, families: FAST };
const tasks = buildTasks(wn, options);

test('renderPrompt: template text and numbers are the instruction, the filled-in words are the input', () => {
  const r = renderPrompt('Which of these is a kind of {h}: "{a}" or "{b}"?', {
    h: 'hairpin',
    a: 'walnut oil',
    b: 'bobby pin',
  });
  assert.equal(r.prompt, 'Which of these is a kind of hairpin: "walnut oil" or "bobby pin"?');
  assert.deepEqual(
    r.spans.map(([s, e]) => r.prompt.slice(s, e)),
    ['Which of these is a kind of', 'or'],
  );
  const n = renderPrompt('Repeat the word "{w}" {n} times.', { w: 'dog', n: '3' });
  assert.deepEqual(
    n.spans.map(([s, e]) => n.prompt.slice(s, e)),
    ['Repeat the word', '3 times'],
  );
  assert.throws(() => renderPrompt('Define {w}.', {}));
});

test('the slice: sizes per family, spans substrings at their offsets, each reference answer passes its checker', () => {
  for (const f of FAST) {
    assert.equal(tasks.heldout.filter((e) => e.family === f).length, 30, f);
    assert.equal(tasks.train.filter((e) => e.family === f).length, 300, f);
  }
  for (const e of [...tasks.heldout, ...tasks.train]) {
    assert.ok(e.instruction_spans.length > 0, e.prompt);
    e.instruction_offsets.forEach(([s, t], k) => assert.equal(e.prompt.slice(s, t), e.instruction_spans[k]));
    assert.equal(checkAnswer(e, e.answer, wn), true, `${e.family}: ${e.prompt} -> ${e.answer}`);
  }
});

test("split: no held-out prompt or held-out input word of a family reaches that family's training examples", () => {
  const heldPrompts = new Set(tasks.heldout.map((e) => e.prompt));
  assert.equal(tasks.train.filter((e) => heldPrompts.has(e.prompt)).length, 0);
  for (const f of FAST) {
    const heldWords = new Set(
      tasks.heldout.filter((e) => e.family === f).map((e) => String(e.check.word).toLowerCase()),
    );
    for (const e of tasks.train.filter((x) => x.family === f))
      assert.ok(!heldWords.has(String(e.check.word).toLowerCase()), `${f}: ${e.prompt}`);
  }
  assert.equal(new Set(tasks.train.map((e) => e.prompt)).size, tasks.train.length, 'training prompts are unique');
});

test('answers: every wording of every phrasing passes its checker and takes up the request in its words', () => {
  const rel = relationsOf(wn);
  const words = (text: string) => new Set((text.toLowerCase().match(/[a-z]+/g) ?? []).map(stem));
  for (const family of FAMILIES) {
    const items = family.items(rel, 'heldout', derive(7, family.name)).slice(0, 40);
    assert.ok(items.length > 0, family.name);
    for (const item of items) {
      for (const phrasing of family.phrasings) {
        const instruction = renderPrompt(phrasing.prompt, item.slots);
        const said = words(instruction.spans.map(([s, e]) => instruction.prompt.slice(s, e)).join(' '));
        for (const template of phrasing.answers) {
          const response = renderAnswer(family, template, item);
          assert.equal(
            checkAnswer({ family: family.name, check: item.check }, response, wn),
            true,
            `${family.name}: ${response}`,
          );
          assert.ok(
            !response.includes('\n') && response.split(' ').length >= 3,
            `${family.name}: one line, a sentence: ${response}`,
          );
          const echoed = [...words(template.replace(/\{\w+\}/g, ' '))].filter((w) => said.has(w));
          assert.ok(echoed.length >= 1, `${family.name}: "${template}" repeats no word of "${phrasing.prompt}"`);
        }
      }
    }
  }
});

test('every answer opens by taking up the request: "You asked me to …" or the question quoted', () => {
  assert.equal(restatedRequest('Spell "apple" backwards.'), 'You asked me to spell "apple" backwards.');
  assert.equal(restatedRequest('Tell me what "dog" means.'), 'You asked me to tell you what "dog" means.');
  assert.equal(restatedRequest('What is the plural of "box"?'), 'You asked: "What is the plural of "box"?"');
  for (const e of [...tasks.train.slice(0, 2000), ...tasks.heldout]) {
    assert.ok(e.answer.startsWith(`${restatedRequest(e.prompt)} `), e.answer);
    assert.ok(e.answer.length > restatedRequest(e.prompt).length + 2, `an answer follows: ${e.answer}`);
  }
});

/** Synsets of `word` holding `definition` (the define family's answer quotes the synset's first definition). */
function definedBy(e: Example): boolean[] {
  return sensesOf(wn, String(e.check.word))
    .filter((s) => e.answer.toLowerCase().includes(s.definitions[0].toLowerCase().slice(0, 40)))
    .map((s) => isHeldOut(s.offset));
}

test('split: held-out meaning items come from held-out synsets, training items from training synsets', () => {
  for (const e of tasks.heldout.filter((x) => x.family === 'define')) assert.ok(definedBy(e).includes(true), e.prompt);
  for (const e of tasks.train.filter((x) => x.family === 'define')) assert.ok(definedBy(e).includes(false), e.prompt);
  for (const e of tasks.heldout.filter((x) => x.family === 'hypernym' || x.family === 'antonym')) {
    assert.ok(
      sensesOf(wn, String(e.check.word)).some((s) => isHeldOut(s.offset)),
      e.prompt,
    );
  }
});

test('split: held-out letter words have no training sense at all; training letter words have one', () => {
  for (const e of tasks.heldout.filter((x) => x.family === 'spell' || x.family === 'repeat' || x.family === 'plural')) {
    assert.ok(
      sensesOf(wn, String(e.check.word)).every((s) => isHeldOut(s.offset)),
      e.prompt,
    );
    assert.equal(e.input_seen, false);
  }
  for (const e of tasks.train.filter((x) => x.family === 'spell'))
    assert.ok(
      sensesOf(wn, String(e.check.word)).some((s) => !isHeldOut(s.offset)),
      e.prompt,
    );
});

test('seeded: the same options build the same examples; another seed builds others', () => {
  const again = buildTasks(wn, { ...options, families: ['spell', 'antonym'] });
  const sameFamilies = (x: Example[]) => x.filter((e) => e.family === 'spell' || e.family === 'antonym');
  assert.deepEqual(
    again.heldout,
    sameFamilies(tasks.heldout),
    "a family's examples do not depend on which other families are built",
  );
  assert.deepEqual(new Set(again.train.map((e) => e.prompt)), new Set(sameFamilies(tasks.train).map((e) => e.prompt)));
  const other = buildTasks(wn, { ...options, seed: 100, families: ['spell'] });
  assert.notDeepEqual(
    other.heldout.map((e) => e.prompt),
    tasks.heldout.filter((e) => e.family === 'spell').map((e) => e.prompt),
  );
});

test('the committed train/data/heldout.jsonl: every family, >= 600 prompts, answers pass, inputs held out', () => {
  const lines = readFileSync('train/data/heldout.jsonl', 'utf8').trim().split('\n');
  const examples = lines.map((l) => JSON.parse(l) as Example);
  assert.ok(examples.length >= 600, `${examples.length} prompts`);
  for (const f of FAMILIES) assert.ok(examples.filter((e) => e.family === f.name).length >= 40, f.name);
  assert.equal(new Set(examples.map((e) => e.id)).size, examples.length);
  for (const e of examples) {
    assert.equal(checkAnswer(e, e.answer, wn), true, `${e.id}: ${e.answer}`);
    e.instruction_offsets.forEach(([s, t], k) => assert.equal(e.prompt.slice(s, t), e.instruction_spans[k]));
    const word = String(e.check.word ?? e.check.correct);
    assert.ok(
      sensesOf(wn, word).some((s) => isHeldOut(s.offset)),
      `${e.id}: "${word}" has no held-out sense`,
    );
  }
});
