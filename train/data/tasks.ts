// The instruction-tuning data: 16 task families generated from WordNet, split into training examples (from
// training synsets and words only) and held-out evaluation prompts (from held-out synsets; for letter tasks,
// from words never seen in training). The held-out split is drawn first; training then skips every held-out
// input word of the same family and every held-out prompt string. `checkAnswer` is the one entry point the
// evaluation uses. Generation is seeded per family, so adding a family leaves the others' examples unchanged.
import { GENERAL_VERBS } from '../../src/methods/heads/wordLists';
import {
  renderAnswer,
  renderPrompt,
  restatedRequest,
  type Example,
  type Family,
  type FamilyName,
  type Item,
  type Phrasing,
  type Split,
} from './family';
import { LETTER_FAMILIES } from './families/letters';
import { MEANING_FAMILIES } from './families/meaning';
import { TAXONOMY_FAMILIES } from './families/taxonomy';
import { derive, type Rng } from './random';
import { relationsOf, type Relations } from './relations';
import { isHeldOut, loadWordNet, sensesOf, type WordNet } from './wordnet';

export type { Example, FamilyName } from './family';

export const FAMILIES: readonly Family[] = [...MEANING_FAMILIES, ...TAXONOMY_FAMILIES, ...LETTER_FAMILIES];

export function familyOf(name: FamilyName): Family {
  const f = FAMILIES.find((x) => x.name === name);
  if (!f) throw new Error(`unknown task family ${name}`);
  return f;
}

export interface TaskOptions {
  readonly seed: number;
  readonly trainPerFamily: number;
  readonly heldoutPerFamily: number;
  /** Consider only this many candidate items per family and split (tests). */
  readonly limit?: number;
  /** Families to build; all by default. */
  readonly families?: readonly FamilyName[];
}

export const DEFAULT_TASKS: TaskOptions = { seed: 1234, trainPerFamily: 5000, heldoutPerFamily: 50 };

export interface TaskSet {
  readonly train: Example[];
  readonly heldout: Example[];
}

/** `answers` draws the response wording from its own stream, so prompts and the split do not depend on it. */
function toExample(family: Family, split: Split, k: number, item: Item, phrasing: Phrasing, answers: Rng): Example {
  const { prompt, spans } = renderPrompt(phrasing.prompt, item.slots);
  return {
    id: `${family.name}-${split}-${String(k).padStart(5, '0')}`,
    family: family.name,
    prompt,
    instruction_spans: spans.map(([s, e]) => prompt.slice(s, e)),
    instruction_offsets: spans,
    answer: `${restatedRequest(prompt)} ${renderAnswer(family, answers.pick(phrasing.answers), item)}`,
    check: item.check,
  };
}

/** Up to heldoutPerFamily held-out examples, one per input word and synset, and those words. */
function heldoutExamples(
  family: Family,
  rel: Relations,
  options: TaskOptions,
): { examples: Example[]; keys: Set<string> } {
  const rng = derive(options.seed, `heldout:${family.name}`);
  const answers = derive(options.seed, `heldout-answers:${family.name}`);
  const items = rng.shuffle(family.items(rel, 'heldout', rng)).slice(0, options.limit ?? Infinity);
  const out: Example[] = [];
  const keys = new Set<string>();
  const groups = new Set<string>();
  for (const item of items) {
    if (out.length >= options.heldoutPerFamily) break;
    if (keys.has(item.key) || (item.group !== undefined && groups.has(item.group))) continue;
    keys.add(item.key);
    if (item.group !== undefined) groups.add(item.group);
    const seen = sensesOf(rel.wn, item.key).some((s) => !isHeldOut(s.offset));
    out.push({
      ...toExample(family, 'heldout', out.length, item, rng.pick(family.phrasings), answers),
      input_seen: seen,
    });
  }
  return { examples: out, keys };
}

/**
 * Up to trainPerFamily training examples: items in a seeded shuffle, each with a random phrasing, cycling through the
 * items again (new phrasings) when there are fewer items than examples wanted. Never a held-out input word of
 * this family, never a held-out prompt, never the same prompt twice.
 */
function trainExamples(
  family: Family,
  rel: Relations,
  options: TaskOptions,
  heldKeys: ReadonlySet<string>,
  heldPrompts: ReadonlySet<string>,
): Example[] {
  const rng = derive(options.seed, `train:${family.name}`);
  const answers = derive(options.seed, `train-answers:${family.name}`);
  const items = rng
    .shuffle(family.items(rel, 'train', rng).filter((i) => !heldKeys.has(i.key)))
    .slice(0, options.limit ?? Infinity);
  const out: Example[] = [];
  const prompts = new Set<string>();
  const MAX_PASSES = 8;
  for (let pass = 0; pass < MAX_PASSES && out.length < options.trainPerFamily && items.length > 0; pass++) {
    for (const item of items) {
      if (out.length >= options.trainPerFamily) break;
      const example = toExample(family, 'train', out.length, item, rng.pick(family.phrasings), answers);
      if (prompts.has(example.prompt) || heldPrompts.has(example.prompt)) continue;
      prompts.add(example.prompt);
      out.push(example);
    }
  }
  return out;
}

/** Builds both splits. The training list is shuffled across families; held-out stays grouped by family. */
export function buildTasks(
  wn: WordNet,
  options: TaskOptions = DEFAULT_TASKS,
  onFamily?: (name: FamilyName, done: number, total: number) => void,
): TaskSet {
  const rel = relationsOf(wn);
  const families = FAMILIES.filter((f) => !options.families || options.families.includes(f.name));
  const heldout: Example[] = [];
  const train: Example[] = [];
  const heldPrompts = new Set<string>();
  const perFamily = families.map((f) => {
    const { examples, keys } = heldoutExamples(f, rel, options);
    for (const e of examples) heldPrompts.add(e.prompt);
    heldout.push(...examples);
    return { family: f, heldKeys: keys };
  });
  // held-out prompts of every family are known before any training prompt is drawn
  perFamily.forEach(({ family, heldKeys }, k) => {
    onFamily?.(family.name, k, families.length);
    train.push(...trainExamples(family, rel, options, heldKeys, heldPrompts));
  });
  onFamily?.(families[families.length - 1]?.name ?? 'define', families.length, families.length);
  return { train: derive(options.seed, 'train-order').shuffle(train), heldout };
}

/** The verbs the task phrasings start with ("Spell", "List", "Define"), for Finding 2: question words and
 *  the head patterns' general-verb control list (say, put) left out, so the two shares never count one verb. */
export function taskVerbs(): string[] {
  const questions = new Set(['what', 'which', 'how']);
  const firsts = FAMILIES.flatMap((f) => f.phrasings.map((p) => p.prompt.split(/\s/)[0].toLowerCase()));
  return [...new Set(firsts)].filter((w) => !questions.has(w) && !GENERAL_VERBS.includes(w)).sort();
}

/** Is `response` a correct answer to `example`? Only its first line is read. */
export function checkAnswer(
  example: Pick<Example, 'family' | 'check'>,
  response: string,
  wn: WordNet = loadWordNet(),
): boolean {
  return familyOf(example.family).check(example.check, response, relationsOf(wn));
}
