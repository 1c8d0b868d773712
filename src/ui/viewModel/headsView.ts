// What the heads view (side panel) shows, from the engine's JSON: the layers x heads grid with both
// shadings, one head's word pairs and attention map, one layer's feed-forward concepts. The JSON comes from
// the worker (the CLI's contracts for heads and concepts, docs/cli.md); it is read defensively, field by field,
// so a missing field shows as "not computed" rather than breaking the view. Pure (no vscode).
import type { AttentionPayload, ConceptsView, HeadCell, HeadDetailView, HeadsGridView, WordPair } from '../../protocol';

import { array, number, object, text, type Json } from './jsonFields';

/** Layers and heads of a model, from the heads JSON's model block. */
export function headsShape(headsJson: unknown): { layers: number; heads: number } | null {
  const model = object(object(headsJson).model);
  const layers = number(model.layers);
  const heads = number(model.heads);
  return layers !== null && heads !== null && layers > 0 && heads > 0 ? { layers, heads } : null;
}

/**
 * Per head, the attention from the response to the instruction tokens: Σ over instruction tokens n of
 * toPrompt[layer, head, n] (toPrompt holds each prompt token's mean attention). layers x heads, row-major.
 */
export function instructionAttention(attention: Pick<AttentionPayload, 'layers' | 'heads' | 'promptLength' | 'toPrompt'>, mask: readonly boolean[]): number[] {
  const { layers, heads, promptLength: N, toPrompt } = attention;
  const out: number[] = [];
  for (let lh = 0; lh < layers * heads; lh++) {
    let sum = 0;
    for (let n = 0; n < N; n++) if (mask[n]) sum += toPrompt[lh * N + n];
    out.push(sum);
  }
  return out;
}

export function headsGrid(modelName: string, shape: { layers: number; heads: number }, headsJson: unknown | null, local: readonly number[] | null, promptExcerpt: string | null, demonstrator: string | null = null): HeadsGridView {
  const layerList = array(object(headsJson).layers);
  const cells: HeadCell[] = [];
  for (let layer = 0; layer < shape.layers; layer++) {
    const heads = array(object(layerList[layer]).heads);
    for (let head = 0; head < shape.heads; head++) {
      const h = object(heads[head]);
      cells.push({
        layer,
        head,
        verbShare: headsJson === null ? null : number(h.instruction_verb_share),
        verbPairs: headsJson === null ? null : number(h.instruction_verb_pairs),
        instructionAttention: local ? local[layer * shape.heads + head] : null,
      });
    }
  }
  return { modelName, demonstrator, layers: shape.layers, heads: shape.heads, cells, promptExcerpt };
}

/** Most word pairs a head's table shows (a head can have hundreds). */
export const PAIRS_SHOWN = 40;

export function headDetail(headsJson: unknown | null, instructionVerbs: ReadonlySet<string>, layer: number, head: number, attention: HeadDetailView['attention']): HeadDetailView {
  const h = object(array(object(array(object(headsJson).layers)[layer]).heads)[head]);
  const pairs: WordPair[] = [];
  const seen = new Set<string>();
  for (const dim of array(h.dims)) {
    for (const p of array(object(dim).pairs)) {
      const query = text(object(p).query);
      const key = text(object(p).key);
      const id = `${query}\u0000${key}`;
      if (seen.has(id)) continue;
      seen.add(id);
      pairs.push({ query, key, instructionVerb: instructionVerbs.has(query.toLowerCase()) || instructionVerbs.has(key.toLowerCase()) });
    }
  }
  // instruction-verb pairs first (what the view is about), then in the method's order (leading dims first)
  const ordered = [...pairs.filter((p) => p.instructionVerb), ...pairs.filter((p) => !p.instructionVerb)];
  return { layer, head, pairs: ordered.slice(0, PAIRS_SHOWN), totalPairs: pairs.length, attention };
}

/** The instruction verbs the heads run counted (settings.instruction_verbs), lower case. */
export function instructionVerbSet(headsJson: unknown): Set<string> {
  return new Set(array(object(object(headsJson).settings).instruction_verbs).map((v) => text(v).toLowerCase()));
}

/** One head's attention map over the tokens, rows = query positions (the map arrives flat, T x T). */
export function attentionMap(tokens: readonly string[], promptLength: number, map: Float32Array): NonNullable<HeadDetailView['attention']> {
  const T = tokens.length;
  const rows: number[][] = [];
  for (let q = 0; q < T; q++) rows.push(Array.from(map.subarray(q * T, (q + 1) * T)));
  return { tokens, promptLength, rows };
}

/** The main part of speech of a component's words, from the concepts JSON's fractions, e.g. "mostly nouns". */
function partOfSpeech(mix: Json): string | null {
  let best: [string, number] | null = null;
  for (const [pos, share] of Object.entries(mix)) if (typeof share === 'number' && share > 0 && (!best || share > best[1])) best = [pos, share];
  return best && best[0] !== 'other' ? `${Math.round(best[1] * 100)}% ${best[0]}s` : null;
}

/** `names`: per component, a language model's name for it (`namedBy` says which model), when asked for. */
export function conceptsView(conceptsJson: unknown, layer: number, names: readonly (string | null)[] = [], namedBy: string | null = null): ConceptsView {
  const layers = array(object(conceptsJson).layers);
  const l = object(layers.find((x) => number(object(x).layer) === layer));
  const components = array(l.components).map((c, i) => {
    const o = object(c);
    const words = array(o.words).map((w) => (typeof w === 'string' ? w : text(object(w).text)));
    const category = typeof o.category === 'string' && o.category !== 'none' ? o.category : null;
    const label = [category, partOfSpeech(object(o.part_of_speech))].filter((x): x is string => x !== null).join(' · ');
    return { index: number(o.index) ?? i, explainedVariance: number(o.explained_variance_ratio) ?? 0, words, label: label || null, modelName: names[i] ?? null };
  });
  return { layer, layers: layers.length, components, namedBy };
}
