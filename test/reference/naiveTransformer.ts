// One entry point over the naive float64 references (naiveLlama.ts, naiveGemma2.ts, naiveGpt2.ts), plus the oracles the
// engine's attribution is checked against: probabilities of chosen tokens, and gradient x input by central
// finite differences. Nothing here differentiates anything analytically, on purpose: the engine has
// autodiff, the reference has only forward passes.
//
// T tokens, D hidden size, V vocab, N prompt tokens, M response tokens.
//
// Conventions (the engine's tests rely on them):
// - logits row t scores the token at t + 1, so p(ids[t + 1] | ids[0..t]) = softmax(logits[t])[ids[t + 1]];
// - the "embeddings" are the token embedding rows E (T, D) only; gpt2 adds its position embeddings inside;
// - an attribution A is (N, M) row-major: A[n * M + m] = Σ_d ∂p(y_m | x, y_<m)/∂E[n, d] · E[n, d], for the N
//   prompt tokens (BOS included, when the prompt holds one) and the M response tokens.
import type { ModelConfig } from '../../src/model/config';
import { naiveEmbed, naiveLlamaLogits, type NaiveTrace, type Weights } from './naiveLlama';
import { naiveGemma2Logits } from './naiveGemma2';
import { naiveGpt2Logits } from './naiveGpt2';

export { naiveEmbed, tokenEmbeddingName, type NaiveTrace, type Weights } from './naiveLlama';

/** Logits (T, V) for the token embedding rows `embeddings` (T, D), whichever the family. */
export function naiveLogits(
  config: ModelConfig,
  weights: Weights,
  embeddings: Float64Array,
  T: number,
  trace?: NaiveTrace,
): Float64Array {
  if (config.modelType === 'gpt2') return naiveGpt2Logits(config, weights, embeddings, T, trace);
  if (config.modelType === 'gemma2' || config.modelType === 'gemma3_text' || config.modelType === 'gemma3')
    return naiveGemma2Logits(config, weights, embeddings, T, trace);
  return naiveLlamaLogits(config, weights, embeddings, T, trace);
}

/** Softmax of row t of `logits` (T, V), in float64 with the max subtracted. */
export function naiveSoftmaxRow(logits: Float64Array, V: number, t: number): Float64Array {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[t * V + v]);
  const p = new Float64Array(V);
  let sum = 0;
  for (let v = 0; v < V; v++) {
    p[v] = Math.exp(logits[t * V + v] - max);
    sum += p[v];
  }
  for (let v = 0; v < V; v++) p[v] /= sum;
  return p;
}

/**
 * p(target | ids[0..position]): the softmax probability of `target` in logits row `position`. So the
 * probability the model gives the token that actually follows is naiveProbability(.., ids, t, ids[t + 1]).
 * Tokens after `position` do not matter (causal). `embeddingsOverride` (ids.length, D) replaces the rows
 * looked up from `ids`, e.g. to perturb one of them.
 */
export function naiveProbability(
  config: ModelConfig,
  weights: Weights,
  ids: readonly number[],
  position: number,
  target: number,
  embeddingsOverride?: Float64Array,
): number {
  const T = ids.length;
  if (!(position >= 0 && position < T))
    throw new Error(`naiveProbability: position ${position} is outside 0..${T - 1}`);
  const E = embeddingsOverride ?? naiveEmbed(config, weights, ids);
  const logits = naiveLogits(config, weights, E, T);
  return naiveSoftmaxRow(logits, config.vocabSize, position)[target];
}

/**
 * The sequence the attribution runs on: the prompt, then every response token but the last (which is only predicted).
 */
function attributionSequence(promptIds: readonly number[], responseIds: readonly number[]): number[] {
  if (promptIds.length === 0) throw new Error('naive attribution: the prompt is empty');
  if (responseIds.length === 0) throw new Error('naive attribution: the response is empty');
  return [...promptIds, ...responseIds.slice(0, -1)];
}

/** p(y_m | x, y_<m) for every m, (M), from one forward pass over the embedding rows E. */
function responseProbabilities(
  config: ModelConfig,
  weights: Weights,
  E: Float64Array,
  N: number,
  responseIds: readonly number[],
): Float64Array {
  const M = responseIds.length;
  const T = N + M - 1;
  const logits = naiveLogits(config, weights, E, T);
  const p = new Float64Array(M);
  for (let m = 0; m < M; m++) p[m] = naiveSoftmaxRow(logits, config.vocabSize, N - 1 + m)[responseIds[m]];
  return p;
}

export interface NaiveAttribution {
  readonly N: number; // rows: prompt tokens
  readonly M: number; // columns: response tokens
  readonly probabilities: Float64Array; // (M): p(y_m | x, y_<m)
  readonly attribution: Float64Array; // (N, M) row-major: A[n * M + m]
}

/**
 * Gradient x input of the response probabilities with respect to the prompt's embedding rows, by central
 * differences: A[n, m] = d/de p(y_m | x, y_<m) with row n of E scaled by (1 + e), at e = 0, which equals
 * Σ_d ∂p/∂E[n, d] · E[n, d] (the directional derivative along E[n] itself). The sequence fed is the prompt
 * followed by the response but its last token; rows are the prompt tokens only (BOS included), columns the
 * response tokens. Only the input rows move: a tied head (lm_head = embed_tokens / wte) keeps its values, as
 * in the paper, where E is the input to the network. Costs 1 + 2N forward passes; eps = 1e-4 leaves errors
 * near 1e-9 relative in float64.
 */
export function naiveAttributionFD(
  config: ModelConfig,
  weights: Weights,
  promptIds: readonly number[],
  responseIds: readonly number[],
  eps = 1e-4,
): NaiveAttribution {
  const ids = attributionSequence(promptIds, responseIds);
  const N = promptIds.length;
  const M = responseIds.length;
  const D = config.hiddenSize;
  const E = naiveEmbed(config, weights, ids); // (T, D)
  const probabilities = responseProbabilities(config, weights, E, N, responseIds);
  const attribution = new Float64Array(N * M); // (N, M)
  for (let n = 0; n < N; n++) {
    const plus = Float64Array.from(E);
    const minus = Float64Array.from(E);
    for (let d = 0; d < D; d++) {
      plus[n * D + d] = E[n * D + d] * (1 + eps);
      minus[n * D + d] = E[n * D + d] * (1 - eps);
    }
    const pPlus = responseProbabilities(config, weights, plus, N, responseIds);
    const pMinus = responseProbabilities(config, weights, minus, N, responseIds);
    for (let m = 0; m < M; m++) attribution[n * M + m] = (pPlus[m] - pMinus[m]) / (2 * eps);
  }
  return { N, M, probabilities, attribution };
}

/**
 * ∂p(target | ids[0..position]) / ∂E[t, d] for every row t and dimension d, (T, D), by central differences
 * with an absolute step `h` on each entry. Costs 2 T D forward passes: for tiny models only. It checks the
 * engine's raw input gradient; Σ_d grad[n, d] E[n, d] is the attribution of row n.
 */
export function naiveInputGradientFD(
  config: ModelConfig,
  weights: Weights,
  ids: readonly number[],
  position: number,
  target: number,
  h = 1e-5,
): Float64Array {
  const T = ids.length;
  const D = config.hiddenSize;
  const E = naiveEmbed(config, weights, ids);
  const grad = new Float64Array(T * D); // (T, D)
  // rows after `position` cannot change p (causal), so their gradient stays 0 without being probed
  for (let i = 0; i < (position + 1) * D; i++) {
    const shifted = Float64Array.from(E);
    shifted[i] = E[i] + h;
    const pPlus = naiveProbability(config, weights, ids, position, target, shifted);
    shifted[i] = E[i] - h;
    const pMinus = naiveProbability(config, weights, ids, position, target, shifted);
    grad[i] = (pPlus - pMinus) / (2 * h);
  }
  return grad;
}
