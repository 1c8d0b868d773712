// The paper's sparsification of an attribution matrix and the importance density of each prompt token
// (Wu et al., arXiv 2310.00492, section 3.1). N prompt tokens (rows), M response tokens (columns).
//
// Per response token m (a column): ReLU, divide by the column's max over the prompt tokens that take part
// (+1e-7), quantise with ceil(x * L), and zero every level <= b. The density of prompt token n is the
// L1 / Lp norm ratio of its row: high when the token matters for many response tokens.
// Rows not included (special tokens) are left out of the normalisation and get no density (null).

export interface SparsifyOptions {
  readonly levels: number; // L
  readonly threshold: number; // b
}

export const PAPER_SPARSIFY: SparsifyOptions = { levels: 10, threshold: 7 };
export const PAPER_DENSITY_NORM = 4; // p

/** Quantised levels 0..L, (N, M) row-major; excluded rows are all 0. */
export function sparsify(
  attribution: ArrayLike<number>,
  N: number,
  M: number,
  include: readonly boolean[],
  options: SparsifyOptions = PAPER_SPARSIFY,
): Uint8Array {
  const out = new Uint8Array(N * M);
  for (let m = 0; m < M; m++) {
    let max = 0;
    for (let n = 0; n < N; n++) if (include[n]) max = Math.max(max, Math.max(0, attribution[n * M + m]));
    for (let n = 0; n < N; n++) {
      if (!include[n]) continue;
      const level = Math.ceil((Math.max(0, attribution[n * M + m]) / (max + 1e-7)) * options.levels);
      out[n * M + m] = level <= options.threshold ? 0 : level;
    }
  }
  return out;
}

/** ‖row‖₁ / ‖row‖_p per included row; 0 for an all-zero row; null for excluded rows. */
export function importanceDensity(
  quantized: ArrayLike<number>,
  N: number,
  M: number,
  include: readonly boolean[],
  p: number = PAPER_DENSITY_NORM,
): (number | null)[] {
  const density: (number | null)[] = [];
  for (let n = 0; n < N; n++) {
    if (!include[n]) {
      density.push(null);
      continue;
    }
    let l1 = 0;
    let lp = 0;
    for (let m = 0; m < M; m++) {
      const v = Math.abs(quantized[n * M + m]);
      l1 += v;
      lp += v ** p;
    }
    density.push(l1 === 0 ? 0 : l1 / lp ** (1 / p));
  }
  return density;
}

/** For matrices that are already quantised to 0..L (as the paper's saved results are): zero levels <= b. */
export function thresholdLevels(levels: ArrayLike<number>, threshold: number = PAPER_SPARSIFY.threshold): Float64Array {
  const out = new Float64Array(levels.length);
  for (let i = 0; i < levels.length; i++) out[i] = levels[i] <= threshold ? 0 : levels[i];
  return out;
}
