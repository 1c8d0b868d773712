// How an attribution of M response tokens is split into runs: batches of at most `batchSize` tokens (equal
// sizes, give or take one), each run over the causal prefix its last token needs, and each batch's backward
// pass in `chains` chains of equal shares. LensModel.attribute runs this plan; the cost estimate prices it.
// N prompt tokens, M response tokens.

export interface AttributionBatch {
  /** The first response token of the batch. */
  readonly first: number;
  readonly count: number;
  /** Positions fed: the prompt and the response up to the last token's predicting position. */
  readonly T: number;
}

export function attributionBatches(N: number, M: number, batchSize: number): AttributionBatch[] {
  const batches = Math.ceil(M / batchSize);
  const out: AttributionBatch[] = [];
  for (let b = 0, first = 0; b < batches; b++) {
    const count = Math.floor(M / batches) + (b < M % batches ? 1 : 0);
    out.push({ first, count, T: N + first + count - 1 });
    first += count;
  }
  return out;
}

/** The rows of each backward chain of a batch of `count` rows; with fewer rows than chains, the last row repeats. */
export function chainRows(count: number, chains: number): number[][] {
  if (chains === 1) return [Array.from({ length: count }, (_, r) => r)];
  const out: number[][] = [];
  for (let k = 0, r0 = 0; k < chains; k++) {
    const size = Math.floor(count / chains) + (k < count % chains ? 1 : 0);
    out.push(size > 0 ? Array.from({ length: size }, (_, j) => r0 + j) : [count - 1]);
    r0 += size;
  }
  return out;
}
