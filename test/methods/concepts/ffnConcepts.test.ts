// Feed-forward concepts against a naive re-computation: on tiny random llama and gpt2 checkpoints, the
// engine's result (onnxruntime products, the top-k eigensolver) is checked against plain float64 loops over
// the checkpoint's tensors as the test wrote them (centring, covariance, cosines) and the full Jacobi
// eigendecomposition (test/reference/naiveConcepts.ts). Plus the pure helpers on small hand-made inputs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { computeConcepts, componentRows, type ConceptsResult } from '../../../src/methods/concepts/run';
import {
  centreNeurons,
  kernelsFromMatmul,
  mergeTopWords,
  neuronMeans,
  orientToTopWord,
  startRows,
  topWordLists,
  topWordsByCosine,
} from '../../../src/methods/concepts/ffnConcepts';
import { matmulTransposed } from '../../../src/runtime/matmulSession';
import { loadCheckpoint, type Checkpoint } from '../../../src/runtime/checkpoint';
import { gaussian, mulberry32 } from '../../helpers/prng';
import {
  writeRandomCheckpoint,
  type RandomCheckpoint,
  type RandomCheckpointOptions,
} from '../../helpers/randomCheckpoint';
import { downRows, naiveCosines, naiveOutputEmbeddings, naivePca } from '../../reference/naiveConcepts';

const root = mkdtempSync(join(tmpdir(), 'lens-concepts-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function open(ck: RandomCheckpoint): Promise<Checkpoint> {
  const c = await loadCheckpoint(ck.dir);
  assert.ok(c.ok);
  return c.value;
}

/** Checks one engine result against the naive computation, layer by layer; returns how many vectors it compared. */
function checkAgainstNaive(ck: RandomCheckpoint, checkpoint: Checkpoint, r: ConceptsResult): number {
  const { hiddenSize: D, intermediateSize: F, numLayers: L, vocabSize: V } = ck.config;
  const k = r.components;
  const K = r.top;
  const E = naiveOutputEmbeddings(ck);
  const candidates = Array.from({ length: V }, (_, v) => v).filter(
    (v) => !checkpoint.tokenizer.specialIds.has(v) && checkpoint.tokenizer.rawToken(v) !== undefined,
  );
  assert.equal(r.candidateWords, candidates.length);
  let comparedVectors = 0;
  assert.equal(r.layers.length, L);
  for (let l = 0; l < L; l++) {
    const naive = naivePca(downRows(ck, l), F, D);
    const layer = r.layers[l];
    assert.ok(layer.converged, `layer ${l} not converged (max residual ${layer.maxResidual})`);
    // the trace of the f32 scatter: as close as the variances
    assert.ok(Math.abs(layer.totalVariance - naive.trace) <= 1e-5 * naive.trace, `layer ${l} trace`);
    const rows = componentRows(r, l);
    assert.deepEqual([rows.count, rows.width, rows.rows.length], [k, D, k * D]);
    for (let j = 0; j < k; j++) {
      const c = layer.components[j];
      assert.equal(c.index, j);
      assert.ok(
        Math.abs(c.variance - naive.values[j]) <= 1e-5 * naive.values[0],
        `layer ${l} component ${j}: variance ${c.variance} vs ${naive.values[j]}`,
      );
      assert.ok(Math.abs(c.explainedRatio - naive.values[j] / naive.trace) <= 1e-5, `layer ${l} component ${j}: ratio`);
      // the vector, up to sign, where the eigenvalue is apart from its neighbours (else only its span is defined)
      const u = layer.vectors.subarray(j * D, (j + 1) * D);
      let along = 0;
      for (let d = 0; d < D; d++) along += u[d] * naive.vectors[j * D + d];
      const sign = Math.sign(along);
      let distance = 0; // ‖u − ±u_naive‖: resolves small angles, where 1 − |cos| cannot in f32
      for (let d = 0; d < D; d++) distance += (u[d] - sign * naive.vectors[j * D + d]) ** 2;
      distance = Math.sqrt(distance);
      const gap =
        Math.min(
          j + 1 < D ? naive.values[j] - naive.values[j + 1] : Infinity,
          j > 0 ? naive.values[j - 1] - naive.values[j] : Infinity,
        ) / naive.values[0];
      if (gap < 1e-2) continue;
      comparedVectors++;
      // an eigenvector's error is at most its residual over the gap to the rest of the spectrum (Davis-Kahan)
      const bound = (2 * layer.maxResidual) / gap + 1e-5;
      if (process.env.DEBUG_CONCEPTS)
        console.log(
          `# L${l} c${j} distance ${distance.toExponential(1)} bound ${bound.toExponential(1)} gap ` +
            `${gap.toFixed(3)} passes ${layer.passes}`,
        );
      assert.ok(distance <= bound, `layer ${l} component ${j}: ‖u − u_naive‖ ${distance} > ${bound} (gap ${gap})`);
      // words: cosines with the naive eigenvector, signed as the engine oriented it
      const cos = naiveCosines(
        E,
        D,
        Array.from({ length: D }, (_, d) => sign * naive.vectors[j * D + d]),
        candidates,
      );
      assert.equal(c.words.length, K);
      assert.ok(c.words[0].cosine > 0, 'oriented toward its top word');
      for (const w of c.words) {
        const ref = cos.find((x) => x.id === w.id)!;
        assert.ok(
          Math.abs(w.cosine - ref.cosine) <= distance + 1e-6,
          `layer ${l} component ${j} word ${w.id}: cosine ${w.cosine} vs ${ref.cosine}`,
        );
        assert.equal(w.text, checkpoint.tokenizer.tokenText(w.id));
      }
      if (Math.abs(cos[K - 1].cosine) - Math.abs(cos[K].cosine) > 2 * distance + 1e-6) {
        assert.deepEqual(
          new Set(c.words.map((w) => w.id)),
          new Set(cos.slice(0, K).map((x) => x.id)),
          `layer ${l} component ${j}: top words`,
        );
      }
      for (let i = 1; i < K; i++) assert.ok(Math.abs(c.words[i - 1].cosine) >= Math.abs(c.words[i].cosine));
    }
  }
  return comparedVectors;
}

const cases: [string, RandomCheckpointOptions, number, number][] = [
  ['llama untied f32', { family: 'llama', hiddenSize: 32, intermediateSize: 96, numLayers: 2, seed: 31 }, 6, 8],
  [
    'gpt2 tied bf16, prefixed names',
    { family: 'gpt2', hiddenSize: 32, numLayers: 2, dtype: 'BF16', prefix: true, seed: 32 },
    5,
    10,
  ],
];

for (const [name, options, k, K] of cases) {
  test(`${name}: variances, ratios, components and top words agree with the naive computation`, async () => {
    const ck = writeRandomCheckpoint(join(root, name.replace(/\W+/g, '-')), options);
    const checkpoint = await open(ck);
    const r = await computeConcepts(checkpoint, { components: k, top: K });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const compared = checkAgainstNaive(ck, checkpoint, r.value);
    assert.ok(compared >= 2, `only ${compared} components were apart enough from their neighbours to compare`);
    const { hiddenSize: D, intermediateSize: F, numLayers: L, vocabSize: V } = ck.config;
    assert.equal(r.value.flops.covariance, L * 2 * D * D * F);
    assert.equal(r.value.flops.words, 2 * L * k * V * D);
    assert.ok(r.value.flops.eigensolver > 0);
  });
}

test(
  'the reference kernels (a plain product and the loops of ffnConcepts.ts) and the words read in ' +
    'pieces of 7 rows agree with the naive computation',
  async () => {
    const ck = writeRandomCheckpoint(join(root, 'reference-kernels'), {
      family: 'llama',
      hiddenSize: 32,
      intermediateSize: 96,
      numLayers: 2,
      seed: 34,
    });
    const checkpoint = await open(ck);
    const reference = await computeConcepts(
      checkpoint,
      { components: 6, top: 8, pieceRows: 7 },
      kernelsFromMatmul((x, n, w, m, k) => matmulTransposed(x, n, w, m, k)),
    );
    assert.ok(reference.ok);
    assert.ok(checkAgainstNaive(ck, checkpoint, reference.value) >= 2);
    const pieces = await computeConcepts(checkpoint, { components: 6, top: 8, pieceRows: 7 });
    assert.ok(pieces.ok);
    assert.ok(checkAgainstNaive(ck, checkpoint, pieces.value) >= 2);
  },
);

test('components = d_model: the whole spectrum, every variance and the ratios summing to 1', async () => {
  const ck = writeRandomCheckpoint(join(root, 'full'), {
    family: 'llama',
    hiddenSize: 16,
    intermediateSize: 48,
    numLayers: 1,
    seed: 33,
  });
  const checkpoint = await open(ck);
  const r = await computeConcepts(checkpoint, { components: 16, top: 3 });
  assert.ok(r.ok);
  checkAgainstNaive(ck, checkpoint, r.value);
  const sum = r.value.layers[0].components.reduce((s, c) => s + c.explainedRatio, 0);
  assert.ok(Math.abs(sum - 1) < 1e-5, `ratios sum to ${sum}`);
});

test("centreNeurons: each coordinate's mean over the neurons removed, [D, F] kept, trace in float64", () => {
  const D = 3;
  const F = 5;
  const wDown = Float32Array.from({ length: D * F }, (_, i) => Math.fround(Math.sin(i) * 3 + (i % D)));
  const { centred, totalVariance } = centreNeurons(wDown, D, F);
  let trace = 0;
  for (let d = 0; d < D; d++) {
    let mean = 0;
    for (let f = 0; f < F; f++) mean += wDown[d * F + f] / F;
    for (let f = 0; f < F; f++) {
      assert.ok(Math.abs(centred[d * F + f] - (wDown[d * F + f] - mean)) < 1e-6);
      trace += (wDown[d * F + f] - mean) ** 2 / (F - 1);
    }
  }
  assert.ok(Math.abs(totalVariance - trace) < 1e-9);
  assert.throws(() => centreNeurons(wDown, D * F, 1), /2 neurons or more/);
});

test('topWordsByCosine: the K largest |cosine| by a full sort, excluded ids never chosen, ties by id', () => {
  const n = 3;
  const V = 200;
  const g = gaussian(mulberry32(8));
  const dots = Float32Array.from({ length: n * V }, g);
  dots[5] = dots[7] = 4; // a tie in row 0: id 5 before id 7
  const inverseNorms = Float32Array.from({ length: V }, (_, v) => (v % 10 === 3 ? 0 : 0.5 + (v % 7) / 10));
  const K = 12;
  const got = topWordsByCosine(dots, n, V, inverseNorms, K);
  for (let r = 0; r < n; r++) {
    const all = Array.from({ length: V }, (_, v) => v)
      .filter((v) => inverseNorms[v] !== 0)
      .map((v) => ({ id: v, cosine: dots[r * V + v] * inverseNorms[v] }))
      .sort((a, b) => Math.abs(b.cosine) - Math.abs(a.cosine) || a.id - b.id);
    assert.deepEqual(got[r], all.slice(0, K));
  }
  assert.ok(got[0].findIndex((w) => w.id === 5) < got[0].findIndex((w) => w.id === 7));
  assert.deepEqual(
    topWordsByCosine(dots, n, V, inverseNorms, V).map((l) => l.length),
    [180, 180, 180],
  );
});

test(
  'neuronMeans: float64 means and trace, F not a multiple of 4; startRows: the rows of S at its ' +
    'largest diagonal entries',
  () => {
    const D = 3;
    const F = 7;
    const wDown = Float32Array.from({ length: D * F }, (_, i) => Math.fround(Math.cos(i) * 2 + 10 * (i % D)));
    const { means, totalVariance } = neuronMeans(wDown, D, F);
    let trace = 0;
    for (let d = 0; d < D; d++) {
      let mean = 0;
      for (let f = 0; f < F; f++) mean += wDown[d * F + f] / F;
      assert.ok(Math.abs(means[d] - mean) < 1e-12);
      for (let f = 0; f < F; f++) trace += (wDown[d * F + f] - mean) ** 2 / (F - 1);
    }
    assert.ok(Math.abs(totalVariance - trace) < 1e-12 * trace);
    const S = Float32Array.from([1, 2, 3, 2, 5, 4, 3, 4, 2]); // diagonal 1, 5, 2
    assert.deepEqual([...startRows(S, 3, 2)], [2, 5, 4, 3, 4, 2]);
  },
);

test('topWordLists drops unfilled slots; mergeTopWords equals one sort over both parts', () => {
  assert.deepEqual(
    topWordLists(
      BigInt64Array.from([3n, 1n, 0n]),
      Float32Array.from([-0.5, 0.25, 0]),
      Float32Array.from([0.5, 0.25, -1]),
      1,
      3,
    ),
    [
      [
        { id: 3, cosine: -0.5 },
        { id: 1, cosine: 0.25 },
      ],
    ],
  );
  const g = gaussian(mulberry32(21));
  const V = 50;
  const n = 2;
  const dots = Float32Array.from({ length: n * V }, g);
  dots[3] = dots[30] = 2.5; // a tie across the two parts: id 3 first
  const ones = new Float32Array(V).fill(1);
  for (const K of [1, 4, 9]) {
    const whole = topWordsByCosine(dots, n, V, ones, K);
    let merged: ReturnType<typeof topWordsByCosine> = [];
    for (const [from, to] of [
      [0, 17],
      [17, 34],
      [34, 50],
    ]) {
      const part = new Float32Array(n * (to - from));
      for (let r = 0; r < n; r++) part.set(dots.subarray(r * V + from, r * V + to), r * (to - from));
      merged = mergeTopWords(merged, topWordsByCosine(part, n, to - from, ones.subarray(from, to), K), from, K);
    }
    assert.deepEqual(merged, whole);
  }
});

test('orientToTopWord: flips a component and its cosines when its top word points away', () => {
  const vectors = Float32Array.from([1, 0, 0, 1]);
  const words = orientToTopWord(vectors, 2, [
    [
      { id: 1, cosine: 0.5 },
      { id: 2, cosine: -0.4 },
    ],
    [
      { id: 3, cosine: -0.9 },
      { id: 4, cosine: 0.2 },
    ],
  ]);
  assert.deepEqual([...vectors], [1, 0, -0, -1]);
  assert.deepEqual(words[1], [
    { id: 3, cosine: 0.9 },
    { id: 4, cosine: -0.2 },
  ]);
  assert.deepEqual(words[0], [
    { id: 1, cosine: 0.5 },
    { id: 2, cosine: -0.4 },
  ]);
});
