// Whether two words are related, for the head-pattern method (docs/ARCHITECTURE.md, method 2): the cosine of their
// vectors in a static embedding source (the model's input embeddings by default, or GloVe) lies above
// mean + 1.96 std of the cosines of random word pairs, the paper's test against a baseline. The baseline
// pairs are drawn with a seeded generator from the words that have a vector, two different words a pair.
// W words, R source width.
import { mulberry32 } from '../prng';

/** Unit rows of a [W, R] table; a word without a vector (or with a zero one) has a zero row and present 0. */
export interface UnitVectors {
  readonly unit: Float32Array; // [W, R]
  readonly width: number; // R
  readonly present: Uint8Array; // [W]
}

export interface RelatednessBaseline {
  readonly pairs: number;
  readonly mean: number;
  readonly std: number; // population standard deviation
  readonly threshold: number; // mean + BASELINE_Z * std: related when the cosine is above it
}

export const BASELINE_Z = 1.96;

/** Normalises each row of `vectors` [W, R]; rows marked absent in `present` (or of zero length) become zero. */
export function unitRows(
  vectors: Readonly<Float32Array>,
  words: number,
  width: number,
  present?: Readonly<Uint8Array>,
): UnitVectors {
  const unit = new Float32Array(words * width);
  const has = new Uint8Array(words);
  for (let w = 0; w < words; w++) {
    if (present && !present[w]) continue;
    let norm = 0;
    for (let r = 0; r < width; r++) norm += vectors[w * width + r] * vectors[w * width + r];
    if (!(norm > 0)) continue;
    const inv = 1 / Math.sqrt(norm);
    for (let r = 0; r < width; r++) unit[w * width + r] = vectors[w * width + r] * inv;
    has[w] = 1;
  }
  return { unit, width, present: has };
}

/** Cosine of words a and b; 0 when either has no vector. */
export function cosine(u: UnitVectors, a: number, b: number): number {
  let s = 0;
  const R = u.width;
  for (let r = 0; r < R; r++) s += u.unit[a * R + r] * u.unit[b * R + r];
  return s;
}

/** Mean and std of the cosines of `pairs` random pairs of two different words that have vectors. */
export function relatednessBaseline(u: UnitVectors, pairs: number, seed: number): RelatednessBaseline {
  const candidates: number[] = [];
  for (let w = 0; w < u.present.length; w++) if (u.present[w]) candidates.push(w);
  if (candidates.length < 2) throw new Error(`relatednessBaseline: ${candidates.length} words with vectors, need 2`);
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`relatednessBaseline: pairs ${pairs}`);
  const rand = mulberry32(seed);
  const m = candidates.length;
  let sum = 0;
  let sumSq = 0;
  for (let p = 0; p < pairs; p++) {
    const i = Math.floor(rand() * m);
    let j = Math.floor(rand() * (m - 1));
    if (j >= i) j++; // uniform over the other m - 1 words
    const c = cosine(u, candidates[i], candidates[j]);
    sum += c;
    sumSq += c * c;
  }
  const mean = sum / pairs;
  const std = Math.sqrt(Math.max(0, sumSq / pairs - mean * mean));
  return { pairs, mean, std, threshold: mean + BASELINE_Z * std };
}
