// The CLI's JSON contract for `compare` (docs/cli.md, "JSON schema (`compare --json`)"): the two explanations in
// the explain schema, their instruction importance and its difference, and the per-layer global comparison.
import type { ComparisonTable } from '../attribution/html';
import type { GlobalComparison, ShareComparison } from './modelComparison';
import type { CompareResult } from './run';

export const COMPARE_FORMAT_VERSION = 1;

const share = (s: ShareComparison) => ({ base: s.base, tuned: s.tuned, difference: s.difference });

/** The `global` block of `compare --json`: what the compare job sends to the compare panel. */
export type GlobalComparisonJson = ReturnType<typeof globalJson>;

/** `compare --json`. */
export type CompareJson = ReturnType<typeof compareJson>;

export function globalJson(g: GlobalComparison) {
  return {
    layers: g.layers.map((l) => ({
      layer: l.layer,
      instruction_verb_share: share(l.instructionVerbShare),
      general_verb_share: share(l.generalVerbShare),
      principal_angles_deg: l.principalAnglesDeg,
      mean_principal_angle_deg: l.meanPrincipalAngleDeg,
      categories: l.categories,
    })),
    overall: {
      instruction_verb_share: share(g.overall.instructionVerbShare),
      general_verb_share: share(g.overall.generalVerbShare),
      mean_principal_angle_deg: g.overall.meanPrincipalAngleDeg,
      categories: g.overall.categories,
      category_shift: g.overall.categoryShift,
    },
  };
}

export function compareJson(r: CompareResult) {
  const b = r.base.instruction_importance;
  const t = r.tuned.instruction_importance;
  return {
    format_version: COMPARE_FORMAT_VERSION,
    method: 'compare' as const,
    settings: { chat: r.chat, max_new_tokens: r.base.settings.max_new_tokens, global: r.global !== null },
    base: r.base,
    tuned: r.tuned,
    instruction_importance: { base: b, tuned: t, difference: t - b },
    global: r.global ? globalJson(r.global) : null,
  };
}

/** The global comparison as the HTML report's tables: one row per layer, then the pooled row. */
export function globalTables(g: GlobalComparison): ComparisonTable[] {
  const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  const categories = [
    ...new Set([...Object.keys(g.overall.categories.base), ...Object.keys(g.overall.categories.tuned)]),
  ].sort();
  return [
    {
      title: 'Attention heads: share of word pairs with an instruction verb (general verbs as the control)',
      columns: [
        'layer',
        'instruction verbs, base',
        'instruction verbs, tuned',
        'general verbs, base',
        'general verbs, tuned',
      ],
      rows: [
        ...g.layers.map((l) => ({
          label: String(l.layer),
          values: [
            l.instructionVerbShare.base,
            l.instructionVerbShare.tuned,
            l.generalVerbShare.base,
            l.generalVerbShare.tuned,
          ].map(round),
        })),
        {
          label: 'all',
          values: [
            g.overall.instructionVerbShare.base,
            g.overall.instructionVerbShare.tuned,
            g.overall.generalVerbShare.base,
            g.overall.generalVerbShare.tuned,
          ].map(round),
        },
      ],
      note: 'Finding 2 of Wu et al.: instruction tuning raises the share of instruction verbs.',
    },
    {
      title: 'Feed-forward concepts: rotation of the leading principal subspace (degrees)',
      columns: ['layer', 'mean principal angle', 'smallest', 'largest'],
      rows: g.layers.map((l) => ({
        label: String(l.layer),
        values: [
          l.meanPrincipalAngleDeg,
          l.principalAnglesDeg[0],
          l.principalAnglesDeg[l.principalAnglesDeg.length - 1],
        ].map((x) => round(x ?? null)),
      })),
      note:
        '0 degrees: the tuned model keeps that direction; 90: it is orthogonal to all of the base ' +
        "model's components.",
    },
    {
      title: 'Feed-forward concepts: components per category (all layers)',
      columns: ['category', 'base', 'tuned', 'shift of the labelled share'],
      rows: categories.map((c) => ({
        label: c,
        values: [
          g.overall.categories.base[c] ?? 0,
          g.overall.categories.tuned[c] ?? 0,
          c === 'none' ? null : round(g.overall.categoryShift[c] ?? 0),
        ],
      })),
      note: 'Finding 3 of Wu et al.: tuning shifts concepts toward user-oriented tasks.',
    },
  ];
}
