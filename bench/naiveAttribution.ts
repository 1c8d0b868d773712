// (c) The baseline the engine's attribution is compared with: what a PyTorch autograd loop does by default,
// rebuilt with our own graph DSL and runtime so that only the method differs. Per response token m, one
// full run: forward over all T positions, p(y_m), and a backward with a single seed that produces the
// gradient with respect to the input embeddings E *and* every weight (parameters are not frozen; as in the
// paper's code, E is a detached copy of the embedding rows, so the embedding table itself gets no gradient).
// M runs in all, against the engine's one forward plus one backward vectorised over the M seeds.
//
// N prompt tokens, M response tokens, T = N + M - 1, D width, V vocabulary.
import { familyOf, type WeightSource } from '../src/arch';
import {
  add,
  emitModel,
  grad,
  Graph,
  matmul,
  mul,
  reduceSum,
  softmax,
  type GraphOutput,
  type Tensor,
} from '../src/graph';
import type { Checkpoint } from '../src/runtime/checkpoint';
import { checkpointWeights } from '../src/runtime/checkpointWeights';
import { createSession, i64, ort } from '../src/runtime/onnxSession';
import { relative } from 'node:path';

export interface NaiveAttributor {
  readonly outputs: readonly GraphOutput[]; // for counting FLOPs
  readonly weightCount: number; // how many weight tensors get a gradient
  /** Probabilities (M) and attribution (N, M) row-major, from M forward+backward runs, and each run's time. */
  attribute(
    promptIds: readonly number[],
    responseIds: readonly number[],
  ): Promise<{ probabilities: Float64Array; attribution: Float64Array; runSeconds: number[] }>;
  release(): Promise<void>;
}

export async function loadNaiveAttributor(checkpoint: Checkpoint, threads: number): Promise<NaiveAttributor> {
  const { config } = checkpoint;
  const V = config.vocabSize;
  const graph = new Graph('float32');
  const source = checkpointWeights(graph, checkpoint.weights);
  const used = new Map<string, Tensor>();
  const recording: WeightSource = {
    has: (name) => source.has(name),
    rows: (name, ids) => source.rows(name, ids), // embedding rows: the gradient is taken at E itself
    get(name) {
      const t = source.get(name);
      used.set(name, t);
      return t;
    },
  };
  const arch = familyOf(config.modelType).build(config, recording);

  const ids = graph.input('ids', [1, 'T'], 'int64');
  const positions = graph.input('positions', ['T'], 'int64');
  const select = graph.input('select', [1, 'T']); // one-hot: the position predicting y_m
  const target = graph.input('target', [1, V]); // one-hot y_m
  const seed = graph.input('seed', [1, 1, 1]); // a single cotangent
  const E = arch.embed(ids); // (1, T, D)
  const { hidden } = arch.forward({ embeds: E, positions, keyDim: 'T' });
  const p = reduceSum(mul(softmax(arch.logits(matmul(select, hidden))), target), [-1], false); // (1, 1)
  // every weight but the embedding table, which only reaches p through the detached E
  const weights = [...used.entries()].filter(([name]) => !name.includes('embed_tokens')).map(([, t]) => t);
  const [dE, ...dWeights] = grad(p, [E, ...weights], seed); // (1, 1, T, D), (1, ...W.shape)
  // the weight gradients must be computed, not copied out: their sum is the one extra output
  let checksum: Tensor | undefined;
  for (const dW of dWeights) {
    if (!dW) continue;
    const s = reduceSum(
      dW,
      dW.shape.map((_, i) => i),
      false,
    );
    checksum = checksum ? add(checksum, s) : s;
  }
  const outputs: GraphOutput[] = [
    { name: 'probability', tensor: p },
    { name: 'attribution', tensor: reduceSum(mul(dE!, E), [-1], false) }, // (1, 1, T)
    { name: 'weight_grad_sum', tensor: checksum! },
  ];
  const bytes = emitModel(graph, outputs, { externalLocation: (file) => relative(checkpoint.dir, file) });
  const session = await createSession(bytes, { threads, externalDataFolder: checkpoint.dir });

  return {
    outputs,
    weightCount: dWeights.filter((d) => d !== null).length,
    async attribute(promptIds, responseIds) {
      const N = promptIds.length;
      const M = responseIds.length;
      const all = [...promptIds, ...responseIds.slice(0, -1)];
      const T = all.length;
      const probabilities = new Float64Array(M);
      const attribution = new Float64Array(N * M);
      const runSeconds: number[] = [];
      const base = {
        ids: i64(all, [1, T]),
        positions: i64(
          all.map((_, i) => i),
          [T],
        ),
        seed: new ort.Tensor('float32', Float32Array.of(1), [1, 1, 1]),
      };
      for (let m = 0; m < M; m++) {
        const sel = new Float32Array(T);
        sel[N - 1 + m] = 1;
        const tgt = new Float32Array(V);
        tgt[responseIds[m]] = 1;
        const t0 = performance.now();
        const r = await session.run({
          ...base,
          select: new ort.Tensor('float32', sel, [1, T]),
          target: new ort.Tensor('float32', tgt, [1, V]),
        });
        runSeconds.push((performance.now() - t0) / 1000);
        probabilities[m] = (r.probability.data as Float32Array)[0];
        const a = r.attribution.data as Float32Array;
        for (let n = 0; n < N; n++) attribution[n * M + m] = a[n];
      }
      return { probabilities, attribution, runSeconds };
    },
    release: () => session.release(),
  };
}
