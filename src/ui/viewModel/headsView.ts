// What the heads view (side panel) shows, from the engine's JSON: the layers x heads grid with both
// shadings, one head's word pairs and attention map, one layer's feed-forward concepts. The JSON comes from
// the worker (the CLI's contracts for heads and concepts, HeadsJson and ConceptsJson in src/engine); the
// functions take the parts of it they read (HeadsSource, ConceptsSource), where a part left out shows as
// "not computed". Pure (no vscode).
import type { AttentionPayload, ConceptsView, HeadCell, HeadDetailView, HeadsGridView, PairRow } from '../../protocol';

/** What these views read of the heads JSON (src/methods/heads/json.ts: HeadsJson is one). */
export interface HeadsSource {
  readonly model?: { readonly layers: number; readonly heads: number; readonly parameters?: number };
  readonly settings?: { readonly instruction_verbs: readonly string[] };
  readonly layers?: readonly { readonly heads?: readonly HeadSource[] }[];
}

/** One head of HeadsSource.layers. */
export interface HeadSource {
  readonly instruction_verb_share?: number | null;
  readonly instruction_verb_pairs?: number;
  readonly dims?: readonly { readonly pairs: readonly { readonly query: string; readonly key: string }[] }[];
}

/** What the concepts view reads of the concepts JSON (src/methods/concepts/json.ts: ConceptsJson is one). */
export interface ConceptsSource {
  readonly layers: readonly { readonly layer: number; readonly components: readonly ComponentSource[] }[];
}

/** One component of ConceptsSource.layers. */
export interface ComponentSource {
  readonly index?: number;
  readonly explained_variance_ratio?: number;
  readonly words: readonly { readonly text: string }[];
  readonly part_of_speech?: { readonly [pos: string]: number | undefined };
  readonly category?: string;
}

/** Layers and heads of a model, from the heads JSON's model block. */
export function headsShape(headsJson: HeadsSource | null): { layers: number; heads: number } | null {
  const model = headsJson?.model;
  return model && model.layers > 0 && model.heads > 0 ? { layers: model.layers, heads: model.heads } : null;
}

/**
 * Per head, the attention from the response to the instruction tokens: Σ over instruction tokens n of
 * toPrompt[layer, head, n] (toPrompt holds each prompt token's mean attention). layers x heads, row-major.
 */
export function instructionAttention(
  attention: Pick<AttentionPayload, 'layers' | 'heads' | 'promptLength' | 'toPrompt'>,
  mask: readonly boolean[],
): number[] {
  const { layers, heads, promptLength: N, toPrompt } = attention;
  const out: number[] = [];
  for (let lh = 0; lh < layers * heads; lh++) {
    let sum = 0;
    for (let n = 0; n < N; n++) if (mask[n]) sum += toPrompt[lh * N + n];
    out.push(sum);
  }
  return out;
}

export function headsGrid(
  modelName: string,
  shape: { layers: number; heads: number },
  headsJson: HeadsSource | null,
  local: readonly number[] | null,
  promptExcerpt: string | null,
  demonstrator: string | null = null,
): HeadsGridView {
  const cells: HeadCell[] = [];
  for (let layer = 0; layer < shape.layers; layer++) {
    for (let head = 0; head < shape.heads; head++) {
      const h = headsJson?.layers?.[layer]?.heads?.[head];
      cells.push({
        layer,
        head,
        verbShare: h?.instruction_verb_share ?? null,
        verbPairs: h?.instruction_verb_pairs ?? null,
        instructionAttention: local ? local[layer * shape.heads + head] : null,
      });
    }
  }
  return { modelName, demonstrator, layers: shape.layers, heads: shape.heads, cells, promptExcerpt };
}

/** Most word pairs a head's table shows (a head can have hundreds). */
export const PAIRS_SHOWN = 40;

export function headDetail(
  headsJson: HeadsSource | null,
  instructionVerbs: ReadonlySet<string>,
  layer: number,
  head: number,
  attention: HeadDetailView['attention'],
): HeadDetailView {
  const h = headsJson?.layers?.[layer]?.heads?.[head];
  const pairs: PairRow[] = [];
  const seen = new Set<string>();
  for (const dim of h?.dims ?? []) {
    for (const { query, key } of dim.pairs) {
      const id = `${query}\u0000${key}`;
      if (seen.has(id)) continue;
      seen.add(id);
      pairs.push({
        query,
        key,
        instructionVerb: instructionVerbs.has(query.toLowerCase()) || instructionVerbs.has(key.toLowerCase()),
      });
    }
  }
  // instruction-verb pairs first (what the view is about), then in the method's order (leading dims first)
  const ordered = [...pairs.filter((p) => p.instructionVerb), ...pairs.filter((p) => !p.instructionVerb)];
  return { layer, head, pairs: ordered.slice(0, PAIRS_SHOWN), totalPairs: pairs.length, attention };
}

/** The instruction verbs the heads run counted (settings.instruction_verbs), lower case. */
export function instructionVerbSet(headsJson: HeadsSource | null): Set<string> {
  return new Set((headsJson?.settings?.instruction_verbs ?? []).map((v) => v.toLowerCase()));
}

/** One head's attention map over the tokens, rows = query positions (the map arrives flat, T x T). */
export function attentionMap(
  tokens: readonly string[],
  promptLength: number,
  map: Float32Array,
): NonNullable<HeadDetailView['attention']> {
  const T = tokens.length;
  const rows: number[][] = [];
  for (let q = 0; q < T; q++) rows.push(Array.from(map.subarray(q * T, (q + 1) * T)));
  return { tokens, promptLength, rows };
}

/** The main part of speech of a component's words, from the concepts JSON's fractions, e.g. "mostly nouns". */
function partOfSpeech(mix: ComponentSource['part_of_speech']): string | null {
  let best: [string, number] | null = null;
  for (const [pos, share] of Object.entries(mix ?? {}))
    if (share !== undefined && share > 0 && (!best || share > best[1])) best = [pos, share];
  return best && best[0] !== 'other' ? `${Math.round(best[1] * 100)}% ${best[0]}s` : null;
}

/** `names`: per component, a language model's name for it (`namedBy` says which model), when asked for. */
export function conceptsView(
  conceptsJson: ConceptsSource,
  layer: number,
  names: readonly (string | null)[] = [],
  namedBy: string | null = null,
): ConceptsView {
  const l = conceptsJson.layers.find((x) => x.layer === layer);
  const components = (l?.components ?? []).map((c, i) => {
    const category = c.category !== undefined && c.category !== 'none' ? c.category : null;
    const label = [category, partOfSpeech(c.part_of_speech)].filter((x): x is string => x !== null).join(' · ');
    return {
      index: c.index ?? i,
      explainedVariance: c.explained_variance_ratio ?? 0,
      words: c.words.map((w) => w.text),
      label: label || null,
      modelName: names[i] ?? null,
    };
  });
  return { layer, layers: conceptsJson.layers.length, components, namedBy };
}
