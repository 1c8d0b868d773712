// The one ONNX model we run per checkpoint. It holds two computations over one shared set of weights:
//
//   step:        embeds (1, S, D), positions (S), past key/values (1, P, Hkv, Dh) per layer
//                -> logits of the last position (1, 1, V) and their argmax next_id (1, 1), the S new positions'
//                key/values (1, S, Hkv, Dh), attention probabilities (1, Hkv, G, S, P+S) per layer (G = query
//                heads per key/value head)
//                The cache is position-major so that the caller can keep it in one buffer per layer and feed
//                its first P positions as a view: no cache-sized array is allocated per generated token.
//   attribution: attr_embeds (1, T, D), attr_positions (T), attr_select (M, T) one-hot rows picking the
//                position that predicts each response token, attr_targets (M, V) one-hot response ids
//                -> probabilities (1, M) = p(y_m | x, y_<m),
//                   attribution (M, 1, T) = Σ_d ∂p(y_m)/∂E[t, d] · E[t, d], or per chain of rows
//                   attribution_k (M_k, 1, T) (LensGraphOptions.backwardChains)
//
// The token embeddings are inputs: the caller reads the few rows it needs from the checkpoint file (the
// architecture's embeddingTable), where a Gather over the mapped table would page in tens of KiB around each
// row. One session over both keeps a single copy of the weights in memory (separate sessions each map or copy
// them). The attribution sits in an If on the input attr_run: a step run feeds it empty inputs and false;
// an attribution run feeds the step part empty inputs (S = P = 0), which cost nothing. The attribution has
// its own forward pass, inside the If: sharing the step's would keep its activations alive in every step
// (the If reads them) and, measured, raised the peak by 20 MiB on a 58M llama.
import type { Architecture, KeyValue } from '../arch';
import { Graph, argMax, expand, grad, matmul, mul, reduceSum, reshape, softmax, takeLast, transpose, type ConditionalOutputs, type GraphOutput, type Tensor } from '../graph';

export interface LensGraph {
  readonly graph: Graph;
  readonly outputs: readonly GraphOutput[];
  /** The attribution's outputs, computed only when the bool input attr_run is true. */
  readonly attribution: ConditionalOutputs;
}

export interface LensGraphOptions {
  /**
   * The attribution's backward pass over the response tokens in this many chains, run one after the other
   * over the one forward pass: the backward's activations, which scale with the tokens in a chain, are
   * alive for one chain at a time. Chain k takes the rows of the one-hot input attr_chain_k (M_k, M); each
   * must take at least one row. Default 1: one backward pass over all M rows, no chain inputs.
   */
  readonly backwardChains?: number;
}

/** `attributionArch` may read its weights through its own scope (see checkpointWeights). */
export function buildLensGraph(graph: Graph, arch: Architecture, attributionArch: Architecture = arch, options: LensGraphOptions = {}): LensGraph {
  const { numLayers, numKvHeads: Hkv, headDim: Dh, vocabSize: V, hiddenSize: D } = arch.config;
  const outputs: GraphOutput[] = [];

  // step: generation with a KV cache (prefill is a step with P = 0)
  const embeds = graph.input('embeds', [1, 'S', D]);
  const positions = graph.input('positions', ['S'], 'int64');
  const past: KeyValue[] = [];
  for (let i = 0; i < numLayers; i++) {
    const headMajor = (name: string) => transpose(graph.input(name, [1, 'P', Hkv, Dh]), [0, 2, 1, 3]); // (1, Hkv, P, Dh)
    past.push({ k: headMajor(`past_key_${i}`), v: headMajor(`past_value_${i}`) });
  }
  const step = arch.forward({ embeds, positions, past, keyDim: 'K' });
  const logits = arch.logits(takeLast(step.hidden, 1));
  outputs.push({ name: 'logits', tensor: logits }, { name: 'next_id', tensor: argMax(logits, -1) }); // greedy decoding reads only the argmax
  const positionMajor = (t: Tensor) => transpose(t, [0, 2, 1, 3]); // (1, S, Hkv, Dh)
  step.fresh.forEach((kv, i) => outputs.push({ name: `new_key_${i}`, tensor: positionMajor(kv.k) }, { name: `new_value_${i}`, tensor: positionMajor(kv.v) }));
  // attention probabilities of each layer, (1, Hkv, G, S, K): computed for the logits anyway, copied out only
  // when a run asks for them (LensModel.attention; generation fetches the argmax and the cache only)
  step.attention.forEach((probs, i) => outputs.push({ name: `attention_${i}`, tensor: probs }));

  // attribution: one forward pass, then the backward in two steps, both by autodiff:
  //  1. the head: p_m depends only on the hidden state that predicts y_m, so one backward pass of Σ_m p_m
  //     gives every row's ∂p_m/∂h_m at once, (M, D) instead of a dense (M, M, V) cotangent;
  //  2. the body: one backward pass vectorised over the response tokens (or over each chain's), cotangent m
  //     being ∂p_m/∂h_m placed at its row of the hidden states.
  const attrRun = graph.input('attr_run', [], 'bool');
  const E = graph.input('attr_embeds', [1, 'T', D]); // (1, T, D)
  const attrPositions = graph.input('attr_positions', ['T'], 'int64');
  const select = graph.input('attr_select', ['M', 'T']); // one-hot: the position whose logits predict y_m
  const targets = graph.input('attr_targets', ['M', V]); // one-hot y_m
  // a length-dependent rotation (longrope) goes by the whole sequence, not the prefix a batch runs over
  const ropeLength = arch.config.ropeScaling?.type === 'longrope' ? graph.input('attr_rope_length', [1], 'int64') : undefined;
  const { hidden } = attributionArch.forward({ embeds: E, positions: attrPositions, keyDim: 'T', ropeLength }); // (1, T, D)
  const predicting = matmul(select, hidden); // (1, M, D)
  const p = reduceSum(mul(softmax(attributionArch.logits(predicting)), targets), [-1], false); // (1, M)
  const [dPredicting] = grad(p, [predicting], expand(graph.scalar(1), [1, 1, 'M'])); // (1, 1, M, D)
  const dHead = reshape(dPredicting!, ['M', D]);
  /** The attribution (B, 1, T) of the rows whose one-hot positions are `rows` (B, T) and head gradients `dRows` (B, D). */
  const body = (B: string, rows: Tensor, dRows: Tensor, salt: number) => {
    const seed = mul(reshape(rows, [B, 1, 'T', 1]), reshape(dRows, [B, 1, 1, D])); // (B, 1, T, D)
    const [dE] = grad(hidden, [E], seed, { salt }); // (B, 1, T, D)
    return reduceSum(mul(dE!, E), [-1], false);
  };
  const attributionOutputs: GraphOutput[] = [{ name: 'probabilities', tensor: p }];
  const chains = options.backwardChains ?? 1;
  if (chains === 1) attributionOutputs.push({ name: 'attribution', tensor: body('M', select, dHead, 0) });
  for (let k = 0; chains > 1 && k < chains; k++) {
    const chain = graph.input(`attr_chain_${k}`, [`M${k}`, 'M']); // one-hot: the rows of this chain
    attributionOutputs.push({ name: `attribution_${k}`, tensor: body(`M${k}`, matmul(chain, select), matmul(chain, dHead), k) });
  }
  return { graph, outputs, attribution: { condition: attrRun, outputs: attributionOutputs } };
}
