// train/evalReport.ts: what `npm run eval:models` concludes from its rows (macro averages per kind of family,
// Finding 1 with its control, the targets), and the verbs Finding 2 counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluationText, summarize, type EvalRow } from '../../train/evalReport';
import type { FamilyKind, FamilyName } from '../../train/data/family';
import { taskVerbs } from '../../train/data/tasks';

function row(
  family: FamilyName,
  kind: FamilyKind,
  k: number,
  o: { base: [boolean, number]; tuned: [boolean, number]; control: [number, number] },
): EvalRow {
  return {
    id: `${family}-${k}`,
    family,
    kind,
    base: { correct: o.base[0], importance: o.base[1], response: 'b' },
    tuned: { correct: o.tuned[0], importance: o.tuned[1], response: 't' },
    control: { base: o.control[0], tuned: o.control[1] },
  };
}

// spell (letters): 60 prompts, tuned right on all, base on 6; higher importance on 45 of them
// sentence (language): 40 prompts, tuned right on 20, base on none; higher importance on all
// define (knowledge): 20 prompts, nobody right; tuned lower everywhere (must not enter the following target)
const rows: EvalRow[] = [
  ...Array.from({ length: 60 }, (_, k) =>
    row('spell', 'letters', k, { base: [k < 6, 0.5], tuned: [true, k < 45 ? 0.8 : 0.3], control: [0.4, 0.6] }),
  ),
  ...Array.from({ length: 40 }, (_, k) =>
    row('sentence', 'language', k, { base: [false, 0.2], tuned: [k < 20, 0.9], control: [0.9, 0.1] }),
  ),
  ...Array.from({ length: 20 }, (_, k) =>
    row('define', 'knowledge', k, { base: [false, 0.9], tuned: [false, 0.1], control: [0.5, 0.5] }),
  ),
];

test('summarize: macro averages per kind, each family counting once', () => {
  const s = summarize(rows);
  assert.equal(s.prompts, 120);
  assert.deepEqual(s.follow.letters, { base: 0.1, tuned: 1 });
  assert.deepEqual(s.follow.language, { base: 0, tuned: 0.5 });
  assert.deepEqual(s.follow.knowledge, { base: 0, tuned: 0 });
  assert.deepEqual(s.follow.letters_and_language, { base: 0.05, tuned: 0.75 });
});

test('summarize: Finding 1 on own responses and on the control are counted apart', () => {
  const s = summarize(rows);
  assert.equal(s.finding1.own.tunedHigher, (45 + 40) / 120);
  assert.ok(Math.abs(s.finding1.own.base - (60 * 0.5 + 40 * 0.2 + 20 * 0.9) / 120) < 1e-12);
  assert.equal(s.finding1.control.tunedHigher, 60 / 120); // sentence's control goes the other way, define ties
  assert.ok(Math.abs(s.finding1.control.tuned - (60 * 0.6 + 40 * 0.1 + 20 * 0.5) / 120) < 1e-12);
});

test('summarize: the targets, met and missed', () => {
  const met = (rs: EvalRow[]) =>
    Object.fromEntries(summarize(rs).targets.map((t) => [t.name.split(' (')[0].split(' on >=')[0], t.met]));
  assert.deepEqual(Object.values(met(rows)), [true, true, true, true]);
  // base follows too often
  const chatty = rows.map((r) => (r.family === 'sentence' ? { ...r, base: { ...r.base, correct: true } } : r));
  assert.deepEqual(Object.values(met(chatty)), [true, false, true, true]);
  // fewer than 100 prompts: the 60% share is not enough
  assert.deepEqual(Object.values(met(rows.slice(0, 90))).slice(3), [false]);
  // tuned below base on most prompts
  const flipped = rows.map((r) => ({ ...r, tuned: { ...r.tuned, importance: r.base.importance - 0.1 } }));
  assert.deepEqual(Object.values(met(flipped)).slice(2), [false, false]);
});

test('evaluationText: every family, both Finding 1 rows, the verb shares per layer and the verdicts', () => {
  const text = evaluationText(
    rows,
    [
      {
        verbs: ['spell', 'write'],
        base: { pairs: [3, 4], perLayer: [0, 0.25], all: 0.1 },
        tuned: { pairs: [2, 0], perLayer: [0.5, 0], all: 0.2 },
      },
    ],
    64,
  );
  for (const f of ['spell', 'sentence', 'define']) assert.match(text, new RegExp(`\\| ${f} \\|`));
  assert.match(text, /\| each model its own response \| 0\.467 \| 0\.654 \| {2}70\.8% \|/);
  assert.match(text, /\| control: both on the tuned response/);
  assert.match(text, /Instruction verbs: spell, write\./);
  assert.match(text, /\| tuned: share \| {2}50\.0% \| {3}0\.0% \| {2}20\.0% \|/);
  assert.match(text, /\| base: word pairs \| 3 \| 4 \| 7 \|/);
  assert.match(text, /- met: Finding 1: tuned > base on >= 60\.0% of >= 100 prompts \(70\.8%\)/);
});

test('taskVerbs: the verbs the phrasings start with, no question words, none of the general-verb control', () => {
  const verbs = taskVerbs();
  for (const v of ['spell', 'count', 'reverse', 'define', 'list', 'write', 'repeat', 'name', 'capitalize'])
    assert.ok(verbs.includes(v), v);
  for (const v of ['what', 'which', 'how', 'say', 'put']) assert.ok(!verbs.includes(v), v);
});
