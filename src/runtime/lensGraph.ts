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
import {
  Graph,
  argMax,
  expand,
  grad,
  matmul,
  mul,
  reduceSum,
  reshape,
  softmax,
  takeLast,
  transpose,
  type ConditionalOutputs,
  type GraphOutput,
  type Tensor,
} from '../graph';

/**
 * The model's inputs and outputs by name, declared once: the graph is built with them, LensModel feeds and fetches by
 * them.
 */
export const LENS_IO = {
  // the step's inputs and outputs
  embeds: 'embeds',
  positions: 'positions',
  pastKey: (layer: number) => `past_key_${layer}`,
  pastValue: (layer: number) => `past_value_${layer}`,
  logits: 'logits',
  nextId: 'next_id',
  newKey: (layer: number) => `new_key_${layer}`,
  newValue: (layer: number) => `new_value_${layer}`,
  attention: (layer: number) => `attention_${layer}`,
  // the attribution's
  attrRun: 'attr_run',
  attrEmbeds: 'attr_embeds',
  attrPositions: 'attr_positions',
  attrSelect: 'attr_select',
  attrTargets: 'attr_targets',
  attrChain: (chain: number) => `attr_chain_${chain}`,
  attrRopeLength: 'attr_rope_length',
  probabilities: 'probabilities',
  attribution: 'attribution',
  attributionChain: (chain: number) => `attribution_${chain}`,
} as const;

/** The step's inputs by meaning; one past key and value a layer. */
export interface StepInputs<T> {
  readonly embeds: T;
  readonly positions: T;
  readonly pastKeys: readonly T[];
  readonly pastValues: readonly T[];
}

/**
 * The attribution's inputs by meaning; `chains` one a backward chain when there are several, `ropeLength` for longrope.
 */
export interface AttributionInputs<T> {
  readonly run: T;
  readonly embeds: T;
  readonly positions: T;
  readonly select: T;
  readonly targets: T;
  readonly chains: readonly T[];
  readonly ropeLength?: T;
}

/** The step's inputs under their names in the graph. */
export function stepFeeds<T>(inputs: StepInputs<T>): Record<string, T> {
  const feeds: Record<string, T> = { [LENS_IO.embeds]: inputs.embeds, [LENS_IO.positions]: inputs.positions };
  inputs.pastKeys.forEach((t, layer) => (feeds[LENS_IO.pastKey(layer)] = t));
  inputs.pastValues.forEach((t, layer) => (feeds[LENS_IO.pastValue(layer)] = t));
  return feeds;
}

/** The attribution's inputs under their names in the graph. */
export function attributionFeeds<T>(inputs: AttributionInputs<T>): Record<string, T> {
  const feeds: Record<string, T> = {
    [LENS_IO.attrRun]: inputs.run,
    [LENS_IO.attrEmbeds]: inputs.embeds,
    [LENS_IO.attrPositions]: inputs.positions,
    [LENS_IO.attrSelect]: inputs.select,
    [LENS_IO.attrTargets]: inputs.targets,
  };
  inputs.chains.forEach((t, k) => (feeds[LENS_IO.attrChain(k)] = t));
  if (inputs.ropeLength !== undefined) feeds[LENS_IO.attrRopeLength] = inputs.ropeLength;
  return feeds;
}

/** Whether an output is one a generation step fetches: the next id and the new positions' keys and values. */
export const isStepOutput = (name: string) => name === LENS_IO.nextId || /^new_(key|value)_\d+$/.test(name);

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
export function buildLensGraph(
  graph: Graph,
  arch: Architecture,
  attributionArch: Architecture = arch,
  options: LensGraphOptions = {},
): LensGraph {
  const { numLayers, numKvHeads: Hkv, headDim: Dh, vocabSize: V, hiddenSize: D } = arch.config;
  const outputs: GraphOutput[] = [];

  // step: generation with a KV cache (prefill is a step with P = 0)
  const embeds = graph.input(LENS_IO.embeds, [1, 'S', D]);
  const positions = graph.input(LENS_IO.positions, ['S'], 'int64');
  const past: KeyValue[] = [];
  for (let i = 0; i < numLayers; i++) {
    // (1, Hkv, P, Dh)
    const headMajor = (name: string) => transpose(graph.input(name, [1, 'P', Hkv, Dh]), [0, 2, 1, 3]);
    past.push({ k: headMajor(LENS_IO.pastKey(i)), v: headMajor(LENS_IO.pastValue(i)) });
  }
  const step = arch.forward({ embeds, positions, past, keyDim: 'K' });
  const logits = arch.logits(takeLast(step.hidden, 1));
  // greedy decoding reads only the argmax
  outputs.push({ name: LENS_IO.logits, tensor: logits }, { name: LENS_IO.nextId, tensor: argMax(logits, -1) });
  const positionMajor = (t: Tensor) => transpose(t, [0, 2, 1, 3]); // (1, S, Hkv, Dh)
  step.fresh.forEach((kv, i) =>
    outputs.push(
      { name: LENS_IO.newKey(i), tensor: positionMajor(kv.k) },
      { name: LENS_IO.newValue(i), tensor: positionMajor(kv.v) },
    ),
  );
  // attention probabilities of each layer, (1, Hkv, G, S, K): computed for the logits anyway, copied out only
  // when a run asks for them (LensModel.attention; generation fetches the argmax and the cache only)
  step.attention.forEach((probs, i) => outputs.push({ name: LENS_IO.attention(i), tensor: probs }));

  // attribution: one forward pass, then the backward in two steps, both by autodiff:
  //  1. the head: p_m depends only on the hidden state that predicts y_m, so one backward pass of Σ_m p_m
  //     gives every row's ∂p_m/∂h_m at once, (M, D) instead of a dense (M, M, V) cotangent;
  //  2. the body: one backward pass vectorised over the response tokens (or over each chain's), cotangent m
  //     being ∂p_m/∂h_m placed at its row of the hidden states.
  const attrRun = graph.input(LENS_IO.attrRun, [], 'bool');
  const E = graph.input(LENS_IO.attrEmbeds, [1, 'T', D]); // (1, T, D)
  const attrPositions = graph.input(LENS_IO.attrPositions, ['T'], 'int64');
  const select = graph.input(LENS_IO.attrSelect, ['M', 'T']); // one-hot: the position whose logits predict y_m
  const targets = graph.input(LENS_IO.attrTargets, ['M', V]); // one-hot y_m
  // a length-dependent rotation (longrope) goes by the whole sequence, not the prefix a batch runs over
  const ropeLength =
    arch.config.ropeScaling?.type === 'longrope' ? graph.input(LENS_IO.attrRopeLength, [1], 'int64') : undefined;
  // (1, T, D)
  const { hidden } = attributionArch.forward({ embeds: E, positions: attrPositions, keyDim: 'T', ropeLength });
  const predicting = matmul(select, hidden); // (1, M, D)
  const p = reduceSum(mul(softmax(attributionArch.logits(predicting)), targets), [-1], false); // (1, M)
  const [dPredicting] = grad(p, [predicting], expand(graph.scalar(1), [1, 1, 'M'])); // (1, 1, M, D)
  const dHead = reshape(dPredicting!, ['M', D]);
  /**
   * The attribution (B, 1, T) of the rows whose one-hot positions are `rows` (B, T) and head gradients `dRows` (B, D).
   */
  const body = (B: string, rows: Tensor, dRows: Tensor, salt: number) => {
    const seed = mul(reshape(rows, [B, 1, 'T', 1]), reshape(dRows, [B, 1, 1, D])); // (B, 1, T, D)
    const [dE] = grad(hidden, [E], seed, { salt }); // (B, 1, T, D)
    return reduceSum(mul(dE!, E), [-1], false);
  };
  const attributionOutputs: GraphOutput[] = [{ name: LENS_IO.probabilities, tensor: p }];
  const chains = options.backwardChains ?? 1;
  if (chains === 1) attributionOutputs.push({ name: LENS_IO.attribution, tensor: body('M', select, dHead, 0) });
  for (let k = 0; chains > 1 && k < chains; k++) {
    const chain = graph.input(LENS_IO.attrChain(k), [`M${k}`, 'M']); // one-hot: the rows of this chain
    attributionOutputs.push({
      name: LENS_IO.attributionChain(k),
      tensor: body(`M${k}`, matmul(chain, select), matmul(chain, dHead), k),
    });
  }
  return { graph, outputs, attribution: { condition: attrRun, outputs: attributionOutputs } };
}
