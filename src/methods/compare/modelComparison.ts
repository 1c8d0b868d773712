// The global half of a base-vs-tuned comparison (Wu et al. Findings 2 and 3), layer by layer:
// both models' instruction-verb and general-verb shares of attention-head word pairs, the principal angles
// between the two models' leading feed-forward components (how far tuning rotated that subspace), and the
// shift in the concept categories those components are labelled with. Pure: it reads per-layer summaries
// that src/methods/compare/run.ts gathers from the heads and concepts computations of each model.
import { principalAngles } from './principalAngles';

export interface PairShareCounts {
  readonly pairs: number;
  readonly instructionVerbPairs: number;
  readonly generalVerbPairs: number;
}

/** What one model contributes for one layer. */
export interface LayerSummary {
  readonly heads: PairShareCounts; // all heads of the layer together
  readonly components: Float32Array; // [k, D] unit rows: the leading feed-forward components
  readonly componentCount: number; // k
  readonly categories: readonly string[]; // one per component ("none" when unlabelled)
}

export interface ModelSummary {
  readonly hiddenSize: number;
  readonly layers: readonly LayerSummary[];
}

export interface ShareComparison {
  readonly base: number | null; // null: the layer has no word pairs
  readonly tuned: number | null;
  readonly difference: number | null; // tuned - base
}

export interface LayerComparison {
  readonly layer: number;
  readonly instructionVerbShare: ShareComparison;
  readonly generalVerbShare: ShareComparison;
  readonly principalAnglesDeg: readonly number[]; // ascending, min(k_base, k_tuned) of them
  readonly meanPrincipalAngleDeg: number;
  /** Components per category, each model; categories include "none". */
  readonly categories: {
    readonly base: Readonly<Record<string, number>>;
    readonly tuned: Readonly<Record<string, number>>;
  };
}

export interface GlobalComparison {
  readonly layers: readonly LayerComparison[];
  /** Pooled over layers: pairs of all heads of all layers; angles averaged over layers; categories summed. */
  readonly overall: {
    readonly instructionVerbShare: ShareComparison;
    readonly generalVerbShare: ShareComparison;
    readonly meanPrincipalAngleDeg: number;
    readonly categories: {
      readonly base: Readonly<Record<string, number>>;
      readonly tuned: Readonly<Record<string, number>>;
    };
    /** Per category: tuned share of labelled components minus base share ("none" left out); Finding 3's shift. */
    readonly categoryShift: Readonly<Record<string, number>>;
  };
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

function shares(base: number | null, tuned: number | null): ShareComparison {
  return { base, tuned, difference: base === null || tuned === null ? null : tuned - base };
}

function countCategories(categories: readonly string[], into: Record<string, number> = {}): Record<string, number> {
  for (const c of categories) into[c] = (into[c] ?? 0) + 1;
  return into;
}

const sum = (xs: readonly PairShareCounts[]): PairShareCounts =>
  xs.reduce(
    (a, b) => ({
      pairs: a.pairs + b.pairs,
      instructionVerbPairs: a.instructionVerbPairs + b.instructionVerbPairs,
      generalVerbPairs: a.generalVerbPairs + b.generalVerbPairs,
    }),
    { pairs: 0, instructionVerbPairs: 0, generalVerbPairs: 0 },
  );

/** Fractions of the labelled (not "none") components per category. */
function labelledFractions(counts: Readonly<Record<string, number>>): Map<string, number> {
  const labelled = Object.entries(counts).filter(([c]) => c !== 'none');
  const total = labelled.reduce((s, [, n]) => s + n, 0);
  return new Map(labelled.map(([c, n]) => [c, total === 0 ? 0 : n / total]));
}

/**
 * Compares two models layer by layer. They must have the same number of layers and the same width (a base
 * model and its tuned sibling do); otherwise the comparison is meaningless and this throws.
 */
export function compareGlobal(base: ModelSummary, tuned: ModelSummary): GlobalComparison {
  if (base.layers.length !== tuned.layers.length || base.hiddenSize !== tuned.hiddenSize) {
    throw new Error(
      `the models differ in shape: ${base.layers.length} layers of width ${base.hiddenSize} against ` +
        `${tuned.layers.length} of width ${tuned.hiddenSize}`,
    );
  }
  const D = base.hiddenSize;
  const layers = base.layers.map((b, layer): LayerComparison => {
    const t = tuned.layers[layer];
    const angles = [...principalAngles(b.components, b.componentCount, t.components, t.componentCount, D)];
    return {
      layer,
      instructionVerbShare: shares(
        ratio(b.heads.instructionVerbPairs, b.heads.pairs),
        ratio(t.heads.instructionVerbPairs, t.heads.pairs),
      ),
      generalVerbShare: shares(
        ratio(b.heads.generalVerbPairs, b.heads.pairs),
        ratio(t.heads.generalVerbPairs, t.heads.pairs),
      ),
      principalAnglesDeg: angles,
      meanPrincipalAngleDeg: angles.reduce((s, a) => s + a, 0) / angles.length,
      categories: { base: countCategories(b.categories), tuned: countCategories(t.categories) },
    };
  });
  const pooledBase = sum(base.layers.map((l) => l.heads));
  const pooledTuned = sum(tuned.layers.map((l) => l.heads));
  const categories = {
    base: base.layers.reduce((acc, l) => countCategories(l.categories, acc), {} as Record<string, number>),
    tuned: tuned.layers.reduce((acc, l) => countCategories(l.categories, acc), {} as Record<string, number>),
  };
  const fb = labelledFractions(categories.base);
  const ft = labelledFractions(categories.tuned);
  const categoryShift: Record<string, number> = {};
  for (const c of [...new Set([...fb.keys(), ...ft.keys()])].sort())
    categoryShift[c] = (ft.get(c) ?? 0) - (fb.get(c) ?? 0);
  return {
    layers,
    overall: {
      instructionVerbShare: shares(
        ratio(pooledBase.instructionVerbPairs, pooledBase.pairs),
        ratio(pooledTuned.instructionVerbPairs, pooledTuned.pairs),
      ),
      generalVerbShare: shares(
        ratio(pooledBase.generalVerbPairs, pooledBase.pairs),
        ratio(pooledTuned.generalVerbPairs, pooledTuned.pairs),
      ),
      meanPrincipalAngleDeg:
        layers.length === 0 ? 0 : layers.reduce((s, l) => s + l.meanPrincipalAngleDeg, 0) / layers.length,
      categories,
      categoryShift,
    },
  };
}
