// The one ONNX model we run per checkpoint. It holds two computations over one shared set of weights:
//
//   step:        ids (1, S), positions (S), past key/values (1, Hkv, P, Dh) per layer
//                -> logits of the last position (1, 1, V), present key/values (1, Hkv, P+S, Dh),
//                   attention probabilities (1, Hkv, G, S, P+S) per layer (G = query heads per key/value head)
//   attribution: attr_ids (1, T), attr_positions (T), attr_select (M, T) one-hot rows picking the position that
//                predicts each response token, attr_targets (M, V) one-hot response ids
//                -> probabilities (1, M) = p(y_m | x, y_<m),
//                   attribution (M, 1, T) = Σ_d ∂p(y_m)/∂E[t, d] · E[t, d]
//
// One session over both keeps a single copy of the weights in memory (separate sessions each map or copy
// them). The attribution sits in an If on the input attr_run: a step run feeds it empty inputs and false;
// an attribution run feeds the step part empty inputs (S = P = 0), which cost nothing.
import type { Architecture, KeyValue } from '../arch';
import { Graph, expand, grad, matmul, mul, reduceSum, reshape, softmax, takeLast, type ConditionalOutputs, type GraphOutput } from '../graph';

export interface LensGraph {
  readonly graph: Graph;
  readonly outputs: readonly GraphOutput[];
  /** The attribution's outputs, computed only when the bool input attr_run is true. */
  readonly attribution: ConditionalOutputs;
}

/** `attributionArch` may read its weights through its own scope (see checkpointWeights). */
export function buildLensGraph(graph: Graph, arch: Architecture, attributionArch: Architecture = arch): LensGraph {
  const { numLayers, numKvHeads: Hkv, headDim: Dh, vocabSize: V, hiddenSize: D } = arch.config;
  const outputs: GraphOutput[] = [];

  // step: generation with a KV cache (prefill is a step with P = 0)
  const ids = graph.input('ids', [1, 'S'], 'int64');
  const positions = graph.input('positions', ['S'], 'int64');
  const past: KeyValue[] = [];
  for (let i = 0; i < numLayers; i++) {
    past.push({ k: graph.input(`past_key_${i}`, [1, Hkv, 'P', Dh]), v: graph.input(`past_value_${i}`, [1, Hkv, 'P', Dh]) });
  }
  const step = arch.forward({ embeds: arch.embed(ids), positions, past, keyDim: 'K' });
  outputs.push({ name: 'logits', tensor: arch.logits(takeLast(step.hidden, 1)) });
  step.present.forEach((kv, i) => outputs.push({ name: `present_key_${i}`, tensor: kv.k }, { name: `present_value_${i}`, tensor: kv.v }));
  // attention probabilities of each layer, (1, Hkv, G, S, K): computed for the logits anyway, copied out only
  // when a run asks for them (LensModel.attention; generation fetches logits and the cache only)
  step.attention.forEach((probs, i) => outputs.push({ name: `attention_${i}`, tensor: probs }));

  // attribution: one forward pass, then the backward in two steps, both by autodiff:
  //  1. the head: p_m depends only on the hidden state that predicts y_m, so one backward pass of Σ_m p_m
  //     gives every row's ∂p_m/∂h_m at once, (M, D) instead of a dense (M, M, V) cotangent;
  //  2. the body: one backward pass vectorised over the response tokens, cotangent m being ∂p_m/∂h_m placed
  //     at its row of the hidden states.
  const attrRun = graph.input('attr_run', [], 'bool');
  const attrIds = graph.input('attr_ids', [1, 'T'], 'int64');
  const attrPositions = graph.input('attr_positions', ['T'], 'int64');
  const select = graph.input('attr_select', ['M', 'T']); // one-hot: the position whose logits predict y_m
  const targets = graph.input('attr_targets', ['M', V]); // one-hot y_m
  const E = attributionArch.embed(attrIds); // (1, T, D)
  const { hidden } = attributionArch.forward({ embeds: E, positions: attrPositions, keyDim: 'T' }); // (1, T, D)
  const predicting = matmul(select, hidden); // (1, M, D)
  const p = reduceSum(mul(softmax(attributionArch.logits(predicting)), targets), [-1], false); // (1, M)
  const [dPredicting] = grad(p, [predicting], expand(graph.scalar(1), [1, 1, 'M'])); // (1, 1, M, D)
  const seed = mul(reshape(select, ['M', 1, 'T', 1]), reshape(dPredicting!, ['M', 1, 1, D])); // (M, 1, T, D)
  const [dE] = grad(hidden, [E], seed); // (M, 1, T, D)
  const attribution = reduceSum(mul(dE!, E), [-1], false); // (M, 1, T)
  return { graph, outputs, attribution: { condition: attrRun, outputs: [{ name: 'probabilities', tensor: p }, { name: 'attribution', tensor: attribution }] } };
}

