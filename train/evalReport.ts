// What `npm run eval:models` concludes from its measurements: instruction following per family and per kind
// of family, the paper's Finding 1 (instruction importance, each model explaining its own response, and the
// control: both explaining the tuned model's response), Finding 2 (the share of attention-head word pairs
// with an instruction verb, per layer), the targets the embedded pair is held to, and the model cards'
// Evaluation section. Pure: rows in, numbers and text out.
import type { FamilyKind, FamilyName } from './data/family';

export interface Scored {
  readonly correct: boolean;
  readonly importance: number;
  readonly response: string;
}

export interface EvalRow {
  readonly id: string;
  readonly family: FamilyName;
  readonly kind: FamilyKind;
  readonly base: Scored;
  readonly tuned: Scored;
  /** The control: both models' instruction importance on the same text, the tuned model's response. */
  readonly control: { readonly base: number; readonly tuned: number };
}

/** One model's head word pairs per layer: how many, and the share with an instruction verb (and over all layers). */
export interface LayerShares {
  readonly pairs: readonly number[];
  readonly perLayer: readonly number[];
  readonly all: number;
}

/** Finding 2 for one list of instruction verbs. */
export interface VerbShares {
  readonly verbs: readonly string[];
  readonly base: LayerShares;
  readonly tuned: LayerShares;
}

export const TARGETS = {
  /** tuned model, macro average over the letter and language families */
  followMin: 0.7,
  /** base model, the same average */
  baseFollowMax: 0.15,
  /** Finding 1: share of prompts where tuned > base, each explaining its own response */
  tunedHigherMin: 0.6,
  minPrompts: 100,
} as const;

export interface FamilyLine {
  readonly family: FamilyName;
  readonly kind: FamilyKind;
  readonly prompts: number;
  readonly base_correct: number;
  readonly tuned_correct: number;
  readonly tuned_importance_higher: number; // each model its own response
  readonly tuned_importance_higher_control: number; // both on the tuned response
}

export interface Summary {
  readonly prompts: number;
  readonly follow: Record<FamilyKind | 'letters_and_language', { readonly base: number; readonly tuned: number }>;
  readonly finding1: {
    readonly own: { readonly base: number; readonly tuned: number; readonly tunedHigher: number };
    readonly control: { readonly base: number; readonly tuned: number; readonly tunedHigher: number };
  };
  readonly targets: readonly { readonly name: string; readonly value: number; readonly met: boolean }[];
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);
const share = <T>(xs: readonly T[], p: (x: T) => boolean) => (xs.length === 0 ? 0 : xs.filter(p).length / xs.length);

export function familyLines(rows: readonly EvalRow[]): FamilyLine[] {
  const families = [...new Set(rows.map((r) => r.family))];
  return families.map((family) => {
    const r = rows.filter((x) => x.family === family);
    return {
      family,
      kind: r[0].kind,
      prompts: r.length,
      base_correct: share(r, (x) => x.base.correct),
      tuned_correct: share(r, (x) => x.tuned.correct),
      tuned_importance_higher: share(r, (x) => x.tuned.importance > x.base.importance),
      tuned_importance_higher_control: share(r, (x) => x.control.tuned > x.control.base),
    };
  });
}

/** Macro averages (each family counts once) of the families whose kind is in `kinds`. */
function macro(lines: readonly FamilyLine[], kinds: readonly FamilyKind[]): { base: number; tuned: number } {
  const chosen = lines.filter((l) => kinds.includes(l.kind));
  return { base: mean(chosen.map((l) => l.base_correct)), tuned: mean(chosen.map((l) => l.tuned_correct)) };
}

export function summarize(rows: readonly EvalRow[]): Summary {
  const lines = familyLines(rows);
  const follow = {
    letters: macro(lines, ['letters']),
    language: macro(lines, ['language']),
    knowledge: macro(lines, ['knowledge']),
    letters_and_language: macro(lines, ['letters', 'language']),
  };
  const own = {
    base: mean(rows.map((r) => r.base.importance)),
    tuned: mean(rows.map((r) => r.tuned.importance)),
    tunedHigher: share(rows, (r) => r.tuned.importance > r.base.importance),
  };
  const control = {
    base: mean(rows.map((r) => r.control.base)),
    tuned: mean(rows.map((r) => r.control.tuned)),
    tunedHigher: share(rows, (r) => r.control.tuned > r.control.base),
  };
  const targets = [
    {
      name: `tuned follows >= ${pct(TARGETS.followMin)} (letters and language, macro)`,
      value: follow.letters_and_language.tuned,
      met: follow.letters_and_language.tuned >= TARGETS.followMin,
    },
    {
      name: `base follows <= ${pct(TARGETS.baseFollowMax)} (letters and language, macro)`,
      value: follow.letters_and_language.base,
      met: follow.letters_and_language.base <= TARGETS.baseFollowMax,
    },
    {
      name: 'Finding 1: mean instruction importance, tuned > base',
      value: own.tuned - own.base,
      met: own.tuned > own.base,
    },
    {
      name: `Finding 1: tuned > base on >= ${pct(TARGETS.tunedHigherMin)} of >= ${TARGETS.minPrompts} prompts`,
      value: own.tunedHigher,
      met: own.tunedHigher >= TARGETS.tunedHigherMin && rows.length >= TARGETS.minPrompts,
    },
  ];
  return { prompts: rows.length, follow, finding1: { own, control }, targets };
}

export function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

const cell = (x: number) => pct(x).padStart(6);

/** The model cards' Evaluation section (markdown), without its heading. */
export function evaluationText(
  rows: readonly EvalRow[],
  verbShares: readonly VerbShares[],
  maxNewTokens: number,
): string {
  const s = summarize(rows);
  const lines = familyLines(rows);
  const kinds: [keyof Summary['follow'], string][] = [
    ['letters', 'letters'],
    ['language', 'language'],
    ['knowledge', 'knowledge (reported as it is)'],
    ['letters_and_language', '**letters and language (the target)**'],
  ];
  const finding2 = verbShares.flatMap((v) => [
    '',
    `Instruction verbs: ${v.verbs.join(', ')}.`,
    '',
    `| layer | ${v.base.perLayer.map((_, l) => l).join(' | ')} | all |`,
    `|---|${v.base.perLayer.map(() => '---:').join('|')}|---:|`,
    `| base: share | ${v.base.perLayer.map(cell).join(' | ')} | ${cell(v.base.all)} |`,
    `| tuned: share | ${v.tuned.perLayer.map(cell).join(' | ')} | ${cell(v.tuned.all)} |`,
    `| base: word pairs | ${v.base.pairs.join(' | ')} | ${v.base.pairs.reduce((a, b) => a + b, 0)} |`,
    `| tuned: word pairs | ${v.tuned.pairs.join(' | ')} | ${v.tuned.pairs.reduce((a, b) => a + b, 0)} |`,
  ]);
  return [
    `Held-out split: ${s.prompts} prompts from synsets never seen in training (offset divisible by ` +
      `20), greedy decoding, at most ${maxNewTokens} new tokens, both models prompted through the chat ` +
      `template. Measured with Instruction Lens's own engine.`,
    '',
    '### Instruction following',
    '',
    '| family | kind | prompts | base correct | tuned correct |',
    '|---|---|---:|---:|---:|',
    ...lines.map(
      (t) => `| ${t.family} | ${t.kind} | ${t.prompts} | ${cell(t.base_correct)} | ${cell(t.tuned_correct)} |`,
    ),
    '',
    '| families (macro average) | base | tuned |',
    '|---|---:|---:|',
    ...kinds.map(([k, label]) => `| ${label} | ${cell(s.follow[k].base)} | ${cell(s.follow[k].tuned)} |`),
    '',
    '### Finding 1: instruction importance',
    '',
    'Wu et al.: an instruction-tuned model attributes more of its response to the instruction words ' +
      'of the prompt than its pre-trained base does. Each model explains its own greedy response (as ' +
      "the paper does); the control has both explain the tuned model's response, so the response text " +
      'is the same.',
    '',
    '| family | tuned > base, own responses | tuned > base, control |',
    '|---|---:|---:|',
    ...lines.map(
      (t) => `| ${t.family} | ${cell(t.tuned_importance_higher)} | ${cell(t.tuned_importance_higher_control)} |`,
    ),
    '',
    '| | mean importance, base | mean importance, tuned | tuned > base |',
    '|---|---:|---:|---:|',
    `| each model its own response | ${s.finding1.own.base.toFixed(3)} | ` +
      `${s.finding1.own.tuned.toFixed(3)} | ${cell(s.finding1.own.tunedHigher)} |`,
    `| control: both on the tuned response | ${s.finding1.control.base.toFixed(3)} | ` +
      `${s.finding1.control.tuned.toFixed(3)} | ${cell(s.finding1.control.tunedHigher)} |`,
    '',
    '### Finding 2: instruction verbs in attention heads',
    '',
    "Share of the heads' word pairs (`heads`, default settings) with an instruction verb as query " +
      'or key word, per layer.',
    ...finding2,
    '',
    '### Targets',
    '',
    ...s.targets.map(
      (t) =>
        `- ${t.met ? 'met' : 'NOT met'}: ${t.name} (` +
        `${t.name.startsWith('Finding 1: mean') ? `difference ${t.value.toFixed(3)}` : pct(t.value)})`,
    ),
  ].join('\n');
}
