// Causal multi-head attention with grouped key/value heads and an optional KV cache.
// B batch (always 1 here), S new tokens, P cached tokens, K = P + S keys, H query heads, Hkv key/value
// heads, G = H / Hkv queries per key head, Dh head width.
import {
  Tensor,
  and,
  attend,
  concat,
  dimOf,
  greater,
  lessOrEqual,
  range,
  reshape,
  sub,
  transpose,
  type Dim,
} from '../graph';

export interface KeyValue {
  readonly k: Tensor; // (1, Hkv, K, Dh)
  readonly v: Tensor; // (1, Hkv, K, Dh)
}

export interface AttentionShape {
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly slidingWindow: number | null;
  /** The scores' scale; 1/sqrt(headDim) when absent. */
  readonly scale?: number;
  /** cap · tanh(score / cap) before the mask (gemma2); none when absent. */
  readonly softcap?: number | null;
}

/** Key positions 0..K-1 against query positions: true where the query may attend. (S, K) */
export function causalMask(queryPositions: Tensor, keys: Tensor, keyDim: Dim, window: number | null): Tensor {
  const g = queryPositions.graph;
  const S = queryPositions.shape[0];
  g.bindDim(String(keyDim), keys, 2);
  const zero = g.constant([0], [1], 'int64');
  const keyPos = reshape(range(zero, dimOf(keys, 2), keyDim), [1, keyDim]); // (1, K)
  const queryPos = reshape(queryPositions, [S, 1]); // (S, 1)
  const causal = lessOrEqual(keyPos, queryPos);
  if (window === null) return causal;
  // HF's sliding window: key j is visible to query i when i - window < j
  return and(causal, greater(keyPos, sub(queryPos, g.constant([window], [1], 'int64'))));
}

/**
 * q: (1, H, S, Dh); k, v: (1, Hkv, K, Dh) already including the cache. Returns the output (1, S, H*Dh) and the
 * attention probabilities (1, Hkv, G, S, K).
 */
export function attention(
  q: Tensor,
  kv: KeyValue,
  mask: Tensor,
  shape: AttentionShape,
): { out: Tensor; probs: Tensor } {
  const { heads: H, kvHeads: Hkv, headDim: Dh } = shape;
  const G = H / Hkv;
  const S = q.shape[2];
  const K = kv.k.shape[2];
  const q5 = reshape(q, [1, Hkv, G, S, Dh]);
  const kT = reshape(transpose(kv.k, [0, 1, 3, 2]), [1, Hkv, 1, Dh, K]);
  const v5 = reshape(kv.v, [1, Hkv, 1, K, Dh]);
  // -1e9: finite, so exp underflows to exactly 0; the backward pass recomputes probs (attend)
  // probs (1, Hkv, G, S, K)
  const { probs, out: ctx5 } = attend(q5, kT, v5, mask, shape.scale ?? 1 / Math.sqrt(Dh), -1e9, shape.softcap ?? null);
  const ctx = reshape(ctx5, [1, H, S, Dh]);
  return { out: reshape(transpose(ctx, [0, 2, 1, 3]), [1, S, H * Dh]), probs };
}

/** Appends new keys/values to the cache along the sequence axis. */
export function extendCache(past: KeyValue | undefined, fresh: KeyValue, keyDim: Dim): KeyValue {
  if (!past) return fresh;
  return { k: concat([past.k, fresh.k], 2, keyDim), v: concat([past.v, fresh.v], 2, keyDim) };
}

/** (1, S, heads*Dh) -> (1, heads, S, Dh) */
export function splitHeads(x: Tensor, heads: number, headDim: number): Tensor {
  return transpose(reshape(x, [1, x.shape[1], heads, headDim]), [0, 2, 1, 3]);
}
