// The naive feed-forward concepts for tests: plain float64 loops over a random checkpoint's tensors as the
// test wrote them (test/helpers/randomCheckpoint.ts), and the full Jacobi eigendecomposition. Shares nothing
// with src/ but the layout conventions of Hugging Face checkpoints.
// F feed-forward width, D model width, V vocabulary.
import type { RandomCheckpoint } from '../helpers/randomCheckpoint';
import { jacobiEigen } from './jacobiEigen';

export interface NaivePca {
  readonly values: Float64Array; // all D eigenvalues of the covariance, descending
  readonly vectors: Float64Array; // [D, D], row i the eigenvector of values[i]
  readonly trace: number;
}

/** W_down^T rows [F, D] straight from the stored tensors: llama down_proj is [D, F], gpt2 Conv1D c_proj [F, D]. */
export function downRows(ck: RandomCheckpoint, layer: number): Float64Array {
  const { hiddenSize: D, intermediateSize: F } = ck.config;
  const llama = ck.weights.get(`model.layers.${layer}.mlp.down_proj.weight`);
  if (llama) return Float64Array.from({ length: F * D }, (_, i) => llama[(i % D) * F + Math.floor(i / D)]);
  return ck.weights.get(`h.${layer}.mlp.c_proj.weight`) ?? ck.weights.get(`transformer.h.${layer}.mlp.c_proj.weight`)!;
}

/**
 * An expert's W_down^T rows [I, D], from mixtral's block_sparse_moe.experts.e.w2 or qwen3_moe's mlp.experts.e.down_proj
 * ([D, I]).
 */
export function expertDownRows(ck: RandomCheckpoint, layer: number, expert: number): Float64Array {
  const D = ck.config.hiddenSize;
  const w =
    ck.weights.get(`model.layers.${layer}.block_sparse_moe.experts.${expert}.w2.weight`) ??
    ck.weights.get(`model.layers.${layer}.mlp.experts.${expert}.down_proj.weight`)!;
  const I = w.length / D;
  return Float64Array.from({ length: I * D }, (_, i) => w[(i % D) * I + Math.floor(i / D)]);
}

/** The sample covariance of the centred rows [F, D] and its full eigendecomposition. */
export function naivePca(rows: ArrayLike<number>, F: number, D: number): NaivePca {
  const mean = new Float64Array(D);
  for (let f = 0; f < F; f++) for (let d = 0; d < D; d++) mean[d] += rows[f * D + d] / F;
  const C = new Float64Array(D * D);
  for (let f = 0; f < F; f++)
    for (let a = 0; a < D; a++)
      for (let b = 0; b < D; b++) C[a * D + b] += ((rows[f * D + a] - mean[a]) * (rows[f * D + b] - mean[b])) / (F - 1);
  let trace = 0;
  for (let d = 0; d < D; d++) trace += C[d * D + d];
  const e = jacobiEigen(C, D);
  return { values: e.values, vectors: e.vectors, trace };
}

/** [V, D]: the LM head, or the (tied) input embeddings. */
export function naiveOutputEmbeddings(ck: RandomCheckpoint): Float64Array {
  return (
    ck.weights.get('lm_head.weight') ??
    ck.weights.get('wte.weight') ??
    ck.weights.get('transformer.wte.weight') ??
    ck.weights.get('model.embed_tokens.weight')!
  );
}

/** cos(u, e_v) for each candidate id, sorted by |cosine| descending, then id. */
export function naiveCosines(
  E: Float64Array,
  D: number,
  u: ArrayLike<number>,
  candidates: readonly number[],
): { id: number; cosine: number }[] {
  return candidates
    .map((v) => {
      let dot = 0;
      let norm = 0;
      for (let d = 0; d < D; d++) {
        dot += u[d] * E[v * D + d];
        norm += E[v * D + d] ** 2;
      }
      return { id: v, cosine: dot / Math.sqrt(norm) };
    })
    .sort((a, b) => Math.abs(b.cosine) - Math.abs(a.cosine) || a.id - b.id);
}
