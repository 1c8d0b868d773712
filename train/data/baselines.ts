// How often the answer checkers accept answers that are NOT answers to the prompt: a held-out example's
// reference answer given to another example of the same family (shuffled), and the best of a few generic
// answers given to every example (constant). Both are what a model that ignores its input would score; the
// evaluation's per-family numbers mean something only above them.
import type { Example } from './family';
import { checkAnswer } from './tasks';
import type { WordNet } from './wordnet';

/** Generic answers a lazy model might give, per family; letters families need none (shuffled covers them). */
export const CONSTANT_ANSWERS: Readonly<Record<string, readonly string[]>> = {
  define: [
    'A person who works.',
    'A genus of plants.',
    'A small animal.',
    'The act of doing something.',
    'A kind of tree.',
    'Having a quality.',
  ],
  synonym: ['person', 'thing', 'good', 'plant'],
  antonym: ['bad', 'good', 'not', 'small', 'unhappy'],
  sentence: ['This is a sentence.', 'I like it.'],
  hyponym: ['dog', 'tree', 'person', 'plant'],
  hypernym: ['organism', 'person', 'plant', 'animal', 'genus', 'act', 'state', 'artifact', 'object'],
  list_kinds: ['dog, cat, bird', 'one, two, three'],
};

export interface Baseline {
  readonly family: string;
  readonly examples: number;
  readonly shuffled: number; // share accepted, 0..1
  readonly constant: number; // the best constant answer's share accepted, 0..1
  readonly bestConstant: string;
}

/** Where an option of a choose_kind prompt stands: the options follow the category. */
function optionAt(e: Example, which: 'correct' | 'wrong'): number {
  const after = e.prompt.indexOf(String(e.check.category)) + String(e.check.category).length;
  const option = String(e.check[which]).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`\\b${option}\\b`).exec(e.prompt.slice(after));
  return m ? m.index : -1;
}

export function baselines(heldout: readonly Example[], wn: WordNet): Baseline[] {
  const byFamily = new Map<string, Example[]>();
  for (const e of heldout) byFamily.set(e.family, [...(byFamily.get(e.family) ?? []), e]);
  const out: Baseline[] = [];
  for (const [family, examples] of byFamily) {
    let shuffled = 0;
    examples.forEach((e, k) => {
      if (checkAnswer(e, examples[(k + 1) % examples.length].answer, wn)) shuffled++;
    });
    let constant = 0;
    let bestConstant = '';
    for (const answer of CONSTANT_ANSWERS[family] ?? []) {
      const accepted = examples.filter((e) => checkAnswer(e, answer, wn)).length;
      if (accepted > constant) [constant, bestConstant] = [accepted, answer];
    }
    if (family === 'choose_kind') {
      // the constant strategy here is positional: always the first option, or always the second
      for (const [label, first] of [
        ['(first option)', true],
        ['(second option)', false],
      ] as const) {
        const accepted = examples.filter((e) => optionAt(e, 'correct') < optionAt(e, 'wrong') === first).length;
        if (accepted > constant) [constant, bestConstant] = [accepted, label];
      }
    }
    out.push({
      family,
      examples: examples.length,
      shuffled: shuffled / examples.length,
      constant: constant / examples.length,
      bestConstant,
    });
  }
  return out;
}
