// Self-attention head patterns (docs/ARCHITECTURE.md, method 2; Wu et al. §5, after Dar et al., "Analyzing Transformers
// in Embedding Space"): given every word's query and key activations in one layer (word embeddings projected
// through each head's norm-scaled W_q and W_k, computed by the caller), this file ranks each head's
// dimensions by activation energy and, for the leading ones, pairs the top words by |query| with the top
// words by |key| that have the same sign and are related; then it counts the pairs that involve an
// instruction verb and a general verb. Pure functions over typed arrays: no weights, no tokenizer, no I/O.
// RoPE rotates q and k by position; a position-free word projection leaves it out, as the paper does.
//
// W words, H query heads, Hkv key/value heads (a query head h reads key head h / (H / Hkv)), Dh head dim,
// C = (H + Hkv) * Dh activation columns per word, K top words per side.
import { cosine, type UnitVectors } from './relatedness';

export interface HeadGeometry {
  readonly numHeads: number; // H
  readonly numKvHeads: number; // Hkv
  readonly headDim: number; // Dh
}

/** What the filters and counts know about each word, all indexed by word. */
export interface WordFacts {
  readonly related: UnitVectors; // the relatedness source
  readonly threshold: number; // related when the cosine is above it
  readonly identity: Readonly<Int32Array>; // [W]: words with the same value are one word (e.g. "The", "the")
  readonly instructionVerb: Readonly<Uint8Array>; // [W]
  readonly generalVerb: Readonly<Uint8Array>; // [W]
}

export interface PatternSettings {
  readonly top: number; // K words per side and dimension
  readonly dims: number; // leading dimensions per head that get word pairs
}

export interface WordActivation {
  readonly word: number;
  readonly activation: number;
}

export interface WordPair {
  readonly query: number; // word index
  readonly key: number;
  readonly queryActivation: number;
  readonly keyActivation: number;
  readonly cosine: number; // in the relatedness source
}

export interface DimensionPairs {
  readonly dim: number; // index within the head, 0..Dh-1
  readonly energy: number;
  readonly topQuery: WordActivation[]; // K, by |activation| descending
  readonly topKey: WordActivation[];
  readonly pairs: WordPair[]; // in topQuery order, then topKey order
}

export interface PairCounts {
  readonly pairs: number;
  readonly instructionVerbPairs: number; // pairs with an instruction verb as query or key word
  readonly generalVerbPairs: number;
}

export interface HeadPattern {
  readonly head: number;
  readonly kvHead: number;
  readonly dimOrder: Int32Array; // [Dh]: dims by energy, descending
  readonly dimEnergy: Float64Array; // [Dh]: their energies, in that order
  readonly leading: DimensionPairs[]; // the first `dims` of dimOrder
  readonly counts: PairCounts; // over the leading dimensions' pairs
}

export interface LayerPattern {
  readonly heads: HeadPattern[];
  readonly counts: PairCounts; // all heads' pairs together
}

export const kvHeadOf = (head: number, g: HeadGeometry): number => Math.floor(head / (g.numHeads / g.numKvHeads));

/** Σ_words value² per column of qk [W, C], in float64. */
export function columnSquares(qk: Readonly<Float32Array>, words: number, columns: number): Float64Array {
  const sums = new Float64Array(columns);
  for (let w = 0; w < words; w++) {
    const row = w * columns;
    for (let c = 0; c < columns; c++) sums[c] += qk[row + c] * qk[row + c];
  }
  return sums;
}

/** [H * Dh]: energy of dim j of query head h = Σ_words (Hq[w, h, j]² + Hk[w, kv(h), j]²). */
export function dimensionEnergies(squares: Readonly<Float64Array>, g: HeadGeometry): Float64Array {
  const { numHeads: H, headDim: Dh } = g;
  const out = new Float64Array(H * Dh);
  for (let h = 0; h < H; h++) {
    const k0 = H * Dh + kvHeadOf(h, g) * Dh;
    for (let j = 0; j < Dh; j++) out[h * Dh + j] = squares[h * Dh + j] + squares[k0 + j];
  }
  return out;
}

/** Indices of `values` by value, descending; ties keep the lower index first. */
export function rankDescending(values: Readonly<Float64Array>): Int32Array {
  const order = Int32Array.from(values.keys());
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order;
}

/** The k words with the largest |qk[w, column]|, largest first; ties keep the lower word index first.
 *  One column at a time: the reference for topByMagnitudeColumns. */
export function topByMagnitude(
  qk: Readonly<Float32Array>,
  words: number,
  columns: number,
  column: number,
  k: number,
): WordActivation[] {
  const n = Math.min(k, words);
  const idx = new Int32Array(n);
  const mag = new Float64Array(n).fill(-1);
  let filled = 0;
  for (let w = 0; w < words; w++) {
    const m = Math.abs(qk[w * columns + column]);
    if (filled === n && !(m > mag[n - 1])) continue;
    // insertion point: after every kept entry of larger or equal magnitude (those came first)
    let p = filled < n ? filled : n - 1;
    while (p > 0 && mag[p - 1] < m) p--;
    const last = Math.min(filled, n - 1);
    for (let q = last; q > p; q--) {
      idx[q] = idx[q - 1];
      mag[q] = mag[q - 1];
    }
    idx[p] = w;
    mag[p] = m;
    if (filled < n) filled++;
  }
  return Array.from(idx.subarray(0, filled), (w) => ({ word: w, activation: qk[w * columns + column] }));
}

/**
 * topByMagnitude for many columns in one row-major pass over qk (what layerPatterns runs: a column-by-column
 * scan strides through memory a row apart and costs a cache miss per word). Same order and ties.
 */
export function topByMagnitudeColumns(
  qk: Readonly<Float32Array>,
  words: number,
  columns: number,
  wanted: readonly number[],
  k: number,
): WordActivation[][] {
  const n = Math.min(k, words);
  const count = wanted.length;
  const idx = new Int32Array(count * n);
  const mag = new Float64Array(count * n);
  const filled = new Int32Array(count);
  const floor = new Float64Array(count).fill(-1); // the smallest kept magnitude once full
  for (let w = 0; w < words; w++) {
    const row = w * columns;
    for (let c = 0; c < count; c++) {
      const m = Math.abs(qk[row + wanted[c]]);
      const f = filled[c];
      if (f === n && !(m > floor[c])) continue;
      const base = c * n;
      let p = f < n ? f : n - 1;
      while (p > 0 && mag[base + p - 1] < m) p--;
      for (let q = Math.min(f, n - 1); q > p; q--) {
        idx[base + q] = idx[base + q - 1];
        mag[base + q] = mag[base + q - 1];
      }
      idx[base + p] = w;
      mag[base + p] = m;
      if (f < n) filled[c] = f + 1;
      if (filled[c] === n) floor[c] = mag[base + n - 1];
    }
  }
  return wanted.map((col, c) =>
    Array.from(idx.subarray(c * n, c * n + filled[c]), (w) => ({ word: w, activation: qk[w * columns + col] })),
  );
}

/** The pairs of one dimension: same sign (product > 0), two different words, cosine above the threshold. */
export function pairWords(
  topQuery: readonly WordActivation[],
  topKey: readonly WordActivation[],
  facts: WordFacts,
): WordPair[] {
  const pairs: WordPair[] = [];
  for (const q of topQuery) {
    for (const k of topKey) {
      if (!(q.activation * k.activation > 0)) continue;
      if (facts.identity[q.word] === facts.identity[k.word]) continue;
      if (!facts.related.present[q.word] || !facts.related.present[k.word]) continue;
      const c = cosine(facts.related, q.word, k.word);
      if (c > facts.threshold)
        pairs.push({
          query: q.word,
          key: k.word,
          queryActivation: q.activation,
          keyActivation: k.activation,
          cosine: c,
        });
    }
  }
  return pairs;
}

export function countPairs(pairs: readonly WordPair[], facts: WordFacts): PairCounts {
  let instructionVerbPairs = 0;
  let generalVerbPairs = 0;
  for (const p of pairs) {
    if (facts.instructionVerb[p.query] || facts.instructionVerb[p.key]) instructionVerbPairs++;
    if (facts.generalVerb[p.query] || facts.generalVerb[p.key]) generalVerbPairs++;
  }
  return { pairs: pairs.length, instructionVerbPairs, generalVerbPairs };
}

export function addCounts(a: PairCounts, b: PairCounts): PairCounts {
  return {
    pairs: a.pairs + b.pairs,
    instructionVerbPairs: a.instructionVerbPairs + b.instructionVerbPairs,
    generalVerbPairs: a.generalVerbPairs + b.generalVerbPairs,
  };
}

export const NO_PAIRS: PairCounts = { pairs: 0, instructionVerbPairs: 0, generalVerbPairs: 0 };

/** part / whole, or null when there are no pairs to share. */
export const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/**
 * What the method needs of a layer's projections qk [W, C]: each column's sum of squares over the words, and
 * the top words by |activation| of the columns it asks for (computed in onnxruntime by the engine,
 * src/methods/heads/kernel.ts, or from qk by columnStatsOf).
 */
export interface ColumnStats {
  readonly squares: Readonly<Float64Array>; // [C]
  tops(columns: readonly number[], k: number): WordActivation[][];
}

/** The column statistics of qk [W, C] by the loops of this file: the reference for the engine's kernel. */
export function columnStatsOf(qk: Readonly<Float32Array>, words: number, columns: number): ColumnStats {
  if (qk.length !== words * columns)
    throw new Error(`layerPatterns: ${qk.length} activations for ${words} words x ${columns} columns`);
  return {
    squares: columnSquares(qk, words, columns),
    tops: (wanted, k) => topByMagnitudeColumns(qk, words, columns, wanted, k),
  };
}

/**
 * One layer: qk [W, C] holds, per word, the query activations of heads 0..H-1 (Dh columns each) and then the
 * key activations of key heads 0..Hkv-1.
 */
export function layerPatterns(
  qk: Readonly<Float32Array>,
  words: number,
  g: HeadGeometry,
  facts: WordFacts,
  settings: PatternSettings,
): LayerPattern {
  return layerPatternsOf(columnStatsOf(qk, words, (g.numHeads + g.numKvHeads) * g.headDim), g, facts, settings);
}

/** One layer from its columns' statistics (see layerPatterns for the columns' order). */
export function layerPatternsOf(
  stats: ColumnStats,
  g: HeadGeometry,
  facts: WordFacts,
  settings: PatternSettings,
): LayerPattern {
  const { numHeads: H, numKvHeads: Hkv, headDim: Dh } = g;
  if (stats.squares.length !== (H + Hkv) * Dh)
    throw new Error(`layerPatterns: ${stats.squares.length} column energies for ${(H + Hkv) * Dh} columns`);
  if (H % Hkv !== 0) throw new Error(`layerPatterns: ${H} heads are not a multiple of ${Hkv} key/value heads`);
  const energies = dimensionEnergies(stats.squares, g);
  // each head's dims by energy; then the top words of every leading dim's query and key column in one pass
  const ranked = Array.from({ length: H }, (_, h) => rankDescending(energies.subarray(h * Dh, (h + 1) * Dh)));
  const leadingDims = (h: number) => ranked[h].subarray(0, Math.min(settings.dims, Dh));
  const slot = new Map<number, number>(); // column -> index into `wanted`
  const wanted: number[] = [];
  const want = (column: number) => {
    if (!slot.has(column)) {
      slot.set(column, wanted.length);
      wanted.push(column);
    }
  };
  for (let h = 0; h < H; h++) {
    for (const dim of leadingDims(h)) {
      want(h * Dh + dim);
      want(H * Dh + kvHeadOf(h, g) * Dh + dim); // query heads of one group share their key columns
    }
  }
  const tops = stats.tops(wanted, settings.top);
  const heads: HeadPattern[] = [];
  let layerCounts = NO_PAIRS;
  for (let h = 0; h < H; h++) {
    const kvHead = kvHeadOf(h, g);
    const energy = energies.subarray(h * Dh, (h + 1) * Dh);
    const dimOrder = ranked[h];
    const dimEnergy = Float64Array.from(dimOrder, (j) => energy[j]);
    const leading: DimensionPairs[] = [];
    let counts = NO_PAIRS;
    for (const dim of leadingDims(h)) {
      const topQuery = tops[slot.get(h * Dh + dim)!];
      const topKey = tops[slot.get(H * Dh + kvHead * Dh + dim)!];
      const pairs = pairWords(topQuery, topKey, facts);
      counts = addCounts(counts, countPairs(pairs, facts));
      leading.push({ dim, energy: energy[dim], topQuery, topKey, pairs });
    }
    heads.push({ head: h, kvHead, dimOrder, dimEnergy, leading, counts });
    layerCounts = addCounts(layerCounts, counts);
  }
  return { heads, counts: layerCounts };
}
