// What the compare panel shows: the two explanations side by side, their instruction importance and its
// difference, and the global comparison (the engine's compare job, the `global` block of `compare --json`)
// as charts: per layer the instruction-verb share of the heads' word pairs (Finding 2) with general verbs
// as the control, the rotation of the feed-forward principal subspace, and the concept categories
// (Finding 3). The same numbers go into the HTML report as tables. Pure (no vscode).
import type { ExplainJson } from '../../methods/attribution/json';
import type { CompareChart, CompareView } from '../../protocol';
import { demonstratorPairNotice } from './demonstrator';
import { explainView } from './explainView';

/**
 * What the charts read of the global comparison (src/methods/compare/json.ts: GlobalComparisonJson is one); a part left
 * out draws as empty.
 */
export interface GlobalSource {
  readonly layers: readonly {
    readonly layer: number;
    readonly instruction_verb_share?: SharePair;
    readonly general_verb_share?: SharePair;
    readonly mean_principal_angle_deg?: number | null;
  }[];
  readonly overall: {
    readonly categories?: {
      readonly base: Readonly<Record<string, number>>;
      readonly tuned: Readonly<Record<string, number>>;
    };
  };
}

interface SharePair {
  readonly base: number | null;
  readonly tuned: number | null;
}

/** A number to draw: a missing one (e.g. a layer without word pairs) draws as 0. */
const value = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export interface CompareSide {
  readonly name: string;
  readonly explanation: ExplainJson;
  /** One of the embedded pair (the view says so). */
  readonly embedded?: boolean;
}

const allZero = (series: readonly { values: readonly number[] }[]) =>
  series.every((s) => s.values.every((v) => v === 0));

/** Why a verb-share chart has nothing but zeros. */
function noVerbPairs(kind: string): string {
  return (
    `No word pair of either model's attention heads holds ${kind}, so every share is 0: nothing to ` +
    `compare. Heads pair the words their query and key directions both rank high; a small vocabulary ` +
    `or model leaves few pairs (the heads view lists each head's).`
  );
}

/** Charts of the global comparison JSON (layers[] and overall, as compare --json writes them). */
export function globalCharts(global: GlobalSource, baseName: string, tunedName: string): CompareChart[] {
  const layers = global.layers;
  const labels = layers.map((l) => `layer ${l.layer}`);
  const pair = (field: 'instruction_verb_share' | 'general_verb_share') => [
    { label: baseName, values: layers.map((l) => value(l[field]?.base)) },
    { label: tunedName, values: layers.map((l) => value(l[field]?.tuned)) },
  ];
  const baseCats = global.overall.categories?.base ?? {};
  const tunedCats = global.overall.categories?.tuned ?? {};
  const names = [...new Set([...Object.keys(baseCats), ...Object.keys(tunedCats)])].filter((c) => c !== 'none').sort();
  // each chart with what its note says when it has nothing to draw
  const charts: (Omit<CompareChart, 'emptyNote'> & { readonly whyEmpty: string })[] = [
    {
      title: 'Instruction verbs in attention-head word pairs',
      whyEmpty: noVerbPairs('an instruction verb'),
      description:
        'Per layer, the share of word pairs (all heads) with an instruction verb such as write, list or ' +
        'explain. Finding 2 of Wu et al.: it grows with instruction tuning.',
      kind: 'bar',
      labels,
      series: pair('instruction_verb_share'),
      yLabel: 'share of word pairs',
    },
    {
      title: 'General verbs in attention-head word pairs (control)',
      whyEmpty: noVerbPairs('a general verb'),
      description:
        'The same share for general verbs (be, have, make, …): a shift here too means the pairs changed ' +
        'overall, not toward instructions.',
      kind: 'bar',
      labels,
      series: pair('general_verb_share'),
      yLabel: 'share of word pairs',
    },
    {
      title: 'Rotation of the feed-forward principal subspace',
      whyEmpty: 'The leading feed-forward directions of the two models are the same in every layer (all angles 0°).',
      description:
        `Per layer, the mean principal angle between the leading feed-forward components of ${baseName} ` +
        `and ${tunedName}: 0° keeps the directions, 90° is orthogonal.`,
      kind: 'line',
      labels,
      series: [{ label: `${baseName} → ${tunedName}`, values: layers.map((l) => value(l.mean_principal_angle_deg)) }],
      yLabel: 'degrees',
    },
    {
      title: 'Concept categories of the feed-forward components',
      whyEmpty:
        'No feed-forward component of either model has top words in a concept category, so there is nothing to count.',
      description:
        'Components of all layers counted by the category their top words fall in (unlabelled ones left ' +
        'out). Finding 3 of Wu et al.: tuning shifts them toward user-oriented tasks.',
      kind: 'bar',
      labels: names,
      series: [
        { label: baseName, values: names.map((c) => value(baseCats[c])) },
        { label: tunedName, values: names.map((c) => value(tunedCats[c])) },
      ],
      yLabel: 'components',
    },
  ];
  return charts.map(({ whyEmpty, ...c }) => ({
    ...c,
    emptyNote: c.labels.length === 0 || allZero(c.series) ? whyEmpty : null,
  }));
}

/** `global`: the global comparison, null while it is computed (`pending`) or when it could not be. */
export function compareView(
  base: CompareSide,
  tuned: CompareSide,
  global: GlobalSource | null,
  pending: boolean,
): CompareView {
  const charts = global ? globalCharts(global, base.name, tuned.name) : [];
  return {
    demonstrator: demonstratorPairNotice(
      { name: base.name, embedded: base.embedded === true },
      { name: tuned.name, embedded: tuned.embedded === true },
      tuned.explanation.model.parameters,
    ),
    base: explainView(base.explanation, base.name, false),
    tuned: explainView(tuned.explanation, tuned.name, false),
    difference: tuned.explanation.instruction_importance - base.explanation.instruction_importance,
    charts,
    chartsNote: pending
      ? 'Computing the global comparison (attention-head word pairs and feed-forward concepts of both models)…'
      : global
        ? null
        : 'The global comparison was not computed.',
  };
}

/** The charts as the HTML report's tables. */
export function chartTables(
  charts: readonly CompareChart[],
): { title: string; columns: string[]; rows: { label: string; values: number[] }[]; note: string }[] {
  return charts.map((c) => ({
    title: c.title,
    columns: ['', ...c.series.map((s) => s.label)],
    rows: c.labels.map((label, i) => ({ label, values: c.series.map((s) => s.values[i]) })),
    note: c.emptyNote ? `${c.description} ${c.emptyNote}` : c.description,
  }));
}

/** The export in the shape of `compare --json` (docs/cli.md), with the models' names. */
export function compareExport(base: CompareSide, tuned: CompareSide, global: GlobalSource | null) {
  const b = base.explanation.instruction_importance;
  const t = tuned.explanation.instruction_importance;
  return {
    format_version: 1,
    method: 'compare',
    models: { base: base.name, tuned: tuned.name },
    settings: {
      chat: base.explanation.settings.chat,
      max_new_tokens: base.explanation.settings.max_new_tokens,
      global: global !== null,
    },
    base: base.explanation,
    tuned: tuned.explanation,
    instruction_importance: { base: b, tuned: t, difference: t - b },
    global,
  };
}
