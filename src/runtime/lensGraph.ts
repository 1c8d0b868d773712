// The one ONNX model we run per checkpoint. It holds two computations over one shared set of weights:
//
//   step:        ids (1, S), positions (S), past key/values (1, Hkv, P, Dh) per layer
//                -> logits of the last position (1, 1, V), present key/values (1, Hkv, P+S, Dh)
//   attribution: attr_ids (1, T), attr_positions (T), attr_select (M, T) one-hot rows picking the position that
//                predicts each response token, attr_targets (M, V) one-hot response ids, attr_seed (B, 1, M)
//                -> probabilities (1, M) = p(y_m | x, y_<m),
//                   attribution (B, 1, T) = Σ_d ∂<seed_b, p>/∂E[t, d] · E[t, d]
//
// One session over both keeps a single copy of the weights in memory (separate sessions each map or copy
// them). A call runs one computation and feeds the other empty tensors, which cost nothing.
import type { Architecture, KeyValue } from '../arch';
import { Graph, grad, matmul, mul, reduceSum, softmax, takeLast, type GraphOutput } from '../graph';

export interface LensGraph {
  readonly graph: Graph;
  readonly outputs: readonly GraphOutput[];
}

export function buildLensGraph(graph: Graph, arch: Architecture): LensGraph {
  const { numLayers, numKvHeads: Hkv, headDim: Dh, vocabSize: V } = arch.config;
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

  // attribution: one forward, then one backward vectorised over the M response tokens
  const attrIds = graph.input('attr_ids', [1, 'T'], 'int64');
  const attrPositions = graph.input('attr_positions', ['T'], 'int64');
  const select = graph.input('attr_select', ['M', 'T']);
  const targets = graph.input('attr_targets', ['M', V]);
  const seed = graph.input('attr_seed', ['B', 1, 'M']);
  const E = arch.embed(attrIds); // (1, T, D)
  const { hidden } = arch.forward({ embeds: E, positions: attrPositions, keyDim: 'T' });
  const predicting = matmul(select, hidden); // (1, M, D): the hidden state before each response token
  const probs = softmax(arch.logits(predicting)); // (1, M, V)
  const p = reduceSum(mul(probs, targets), [-1], false); // (1, M)
  const [dE] = grad(p, [E], seed); // (B, 1, T, D)
  outputs.push({ name: 'probabilities', tensor: p }, { name: 'attribution', tensor: reduceSum(mul(dE!, E), [-1], false) });
  return { graph, outputs };
}

