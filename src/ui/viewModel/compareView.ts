// What the compare panel shows: the two explanations side by side, their instruction importance and its
// difference, and the global comparisons as charts (per-layer instruction-verb share of the heads' word
// pairs; concept categories of the feed-forward components), from each model's heads and concepts JSON.
// The same numbers go into the HTML report as tables. Pure (no vscode).
import type { ExplainJson } from '../../engine/explainJson';
import type { CompareChart, CompareView, GlobalJson } from '../../protocol';
import { explainView } from './explainView';

type Json = Record<string, unknown>;
const object = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const array = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface CompareSide {
  readonly name: string;
  readonly explanation: ExplainJson;
  readonly heads?: GlobalJson;
  readonly concepts?: GlobalJson;
}

/** Per layer, the share of the heads' word pairs that involve an instruction verb (Finding 2). */
export function verbShareChart(base: CompareSide, tuned: CompareSide): CompareChart | null {
  if (!base.heads || !tuned.heads) return null;
  const layers = (json: GlobalJson) => array(json.layers).map((l) => object(l).instruction_verb_share);
  const b = layers(base.heads);
  const t = layers(tuned.heads);
  const n = Math.max(b.length, t.length);
  const value = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    title: 'Instruction verbs in attention-head word pairs',
    description: 'Per layer, the share of word pairs (all heads) that involve an instruction verb such as write, list or explain. Finding 2 of Wu et al.: it grows with instruction tuning.',
    kind: 'bar',
    labels: Array.from({ length: n }, (_, i) => `layer ${i}`),
    series: [
      { label: base.name, values: Array.from({ length: n }, (_, i) => value(b[i])) },
      { label: tuned.name, values: Array.from({ length: n }, (_, i) => value(t[i])) },
    ],
    yLabel: 'share of word pairs',
  };
}

/** How many feed-forward components (all layers) each concept category labels (Finding 3). */
export function conceptCategoryChart(base: CompareSide, tuned: CompareSide): CompareChart | null {
  if (!base.concepts || !tuned.concepts) return null;
  const counts = (json: GlobalJson) => {
    const c = new Map<string, number>();
    for (const layer of array(json.layers)) {
      for (const comp of array(object(layer).components)) {
        const category = object(comp).category;
        if (typeof category === 'string' && category !== 'none') c.set(category, (c.get(category) ?? 0) + 1);
      }
    }
    return c;
  };
  const b = counts(base.concepts);
  const t = counts(tuned.concepts);
  const labels = [...new Set([...b.keys(), ...t.keys()])].sort();
  return {
    title: 'Concept categories of the feed-forward components',
    description: 'Principal components of every layer\'s down-projection, counted by the category their top words fall in. Finding 3 of Wu et al.: tuning shifts them toward user-oriented tasks.',
    kind: 'bar',
    labels,
    series: [
      { label: base.name, values: labels.map((l) => b.get(l) ?? 0) },
      { label: tuned.name, values: labels.map((l) => t.get(l) ?? 0) },
    ],
    yLabel: 'components',
  };
}

export function compareView(base: CompareSide, tuned: CompareSide, pending: boolean): CompareView {
  const charts = [verbShareChart(base, tuned), conceptCategoryChart(base, tuned)].filter((c): c is CompareChart => c !== null);
  return {
    base: explainView(base.explanation, base.name, false),
    tuned: explainView(tuned.explanation, tuned.name, false),
    difference: tuned.explanation.instruction_importance - base.explanation.instruction_importance,
    charts,
    chartsNote: pending ? 'Computing the global comparison (attention-head word pairs and feed-forward concepts of both models)…' : charts.length === 0 ? 'The global comparison could not be computed.' : null,
  };
}

/** The charts as the HTML report's tables. */
export function chartTables(charts: readonly CompareChart[]): { title: string; columns: string[]; rows: { label: string; values: number[] }[]; note: string }[] {
  return charts.map((c) => ({
    title: c.title,
    columns: ['', ...c.series.map((s) => s.label)],
    rows: c.labels.map((label, i) => ({ label, values: c.series.map((s) => s.values[i]) })),
    note: c.description,
  }));
}
