// Head patterns (docs/ARCHITECTURE.md, method 2) against a naive re-computation written separately here in plain
// float64
// loops from the checkpoint's tensors as the test wrote them (Hugging Face names and layouts, not
// globalWeights): word vectors, Hq = X diag(norm) Wq^T per head, Hk per key head, dimension energies and
// ranking, top-K words by |activation|, the sign / different-word / relatedness filters, the random-pair
// baseline (re-drawn from the documented scheme), and the verb shares. On a random llama with grouped
// key/value heads and on a random gpt2 (fused Conv1D qkv), with the model's embeddings or a GloVe file as
// the relatedness source.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { globalWeights } from '../../../src/arch';
import { computeHeadPatterns, type HeadsComputation } from '../../../src/methods/heads/run';
import { rankDescending, topByMagnitude, topByMagnitudeColumns } from '../../../src/methods/heads/headPatterns';
import { GENERAL_VERBS, INSTRUCTION_VERBS, parseWordList, verbForms } from '../../../src/methods/heads/wordLists';
import { loadCheckpoint } from '../../../src/runtime/checkpoint';
import { readGloveFor } from '../../../src/methods/heads/glove';
import { encodeWords } from '../../../src/model/wordTokens';
import {
  writeRandomCheckpoint,
  type RandomCheckpoint,
  type RandomCheckpointOptions,
} from '../../helpers/randomCheckpoint';
import { gaussian, mulberry32 } from '../../helpers/prng';

const root = mkdtempSync(join(tmpdir(), 'lens-heads-'));
after(() => rmSync(root, { recursive: true, force: true }));

// inflected forms share tokens, so some pairs are related in the model's own embeddings; the verbs make
// both shares non-trivial
const WORDS = [
  'write',
  'writes',
  'writing',
  'list',
  'lists',
  'listed',
  'explain',
  'explains',
  'translate',
  'name',
  'named',
  'go',
  'goes',
  'going',
  'see',
  'seen',
  'run',
  'running',
  'the',
  'then',
  'them',
  'there',
  'and',
  'another',
  'apple',
  'apples',
  'river',
  'rivers',
  'stone',
  'stones',
  'tree',
  'trees',
  'water',
  'winter',
  'sand',
  'sing',
];

// ---------------------------------------------------------------------------------------------------
// the naive reference

interface NaivePair {
  query: string;
  key: string;
  queryActivation: number;
  keyActivation: number;
  cosine: number;
}

interface NaiveHead {
  energy: number[]; // [Dh], by dim index
  topQuery: Map<number, { word: number; activation: number }[]>; // per leading dim (module's choice)
  topKey: Map<number, { word: number; activation: number }[]>;
  pairs: Map<number, NaivePair[]>;
  pairCount: number;
  instruction: number;
  general: number;
}

/** Float64 weights of one layer as the reference reads them: Wq [H*Dh][D], Wk [Hkv*Dh][D], norm [D]. */
function naiveLayerWeights(ck: RandomCheckpoint, layer: number): { wq: number[][]; wk: number[][]; norm: number[] } {
  const { hiddenSize: D, numHeads: H, numKvHeads: Hkv, headDim: Dh } = ck.config;
  if (ck.config.modelType === 'gpt2') {
    const pre = ck.weights.has('h.0.ln_1.weight') ? '' : 'transformer.';
    const qkv = ck.weights.get(`${pre}h.${layer}.attn.c_attn.weight`)!; // Conv1D [D, 3D]: out = x @ W
    const wq: number[][] = [];
    const wk: number[][] = [];
    for (let o = 0; o < D; o++) {
      const q: number[] = [];
      const k: number[] = [];
      for (let i = 0; i < D; i++) {
        q.push(qkv[i * 3 * D + o]);
        k.push(qkv[i * 3 * D + D + o]);
      }
      wq.push(q);
      wk.push(k);
    }
    return { wq, wk, norm: [...ck.weights.get(`${pre}h.${layer}.ln_1.weight`)!] };
  }
  const p = `model.layers.${layer}.`;
  // qwen3: output dim j of every head is scaled by q_norm[j] (k_norm[j]); olmo2: output r of the whole
  // projection by q_norm[r]; the norms' weights only, their RMS left out. olmo2 has no input norm (scale 1).
  const family = ck.config.modelType;
  // gemma3: as qwen3, its norm weights scaling by 1 + w
  const gemma = family === 'gemma2' || family === 'gemma3_text' || family === 'gemma3';
  const scaleOf = (name: string) =>
    family === 'qwen3' ||
    family === 'qwen3_moe' ||
    family === 'olmo2' ||
    family === 'gemma3_text' ||
    family === 'gemma3'
      ? ck.weights.get(p + `self_attn.${name}.weight`)!.map((x) => (gemma ? 1 + x : x))
      : null;
  const rows = (w: Float64Array, n: number, scale: Float64Array | null) =>
    Array.from({ length: n }, (_, r) =>
      [...w.subarray(r * D, (r + 1) * D)].map(
        (x) => x * (scale === null ? 1 : family === 'olmo2' ? scale[r] : scale[r % Dh]),
      ),
    );
  // phi3: the query rows, then the key rows, of the fused qkv_proj
  const qkv = family === 'phi3' ? ck.weights.get(p + 'self_attn.qkv_proj.weight')! : null;
  return {
    wq: rows(
      qkv ? qkv.subarray(0, H * Dh * D) : ck.weights.get(p + 'self_attn.q_proj.weight')!,
      H * Dh,
      scaleOf('q_norm'),
    ),
    wk: rows(
      qkv ? qkv.subarray(H * Dh * D, (H + Hkv) * Dh * D) : ck.weights.get(p + 'self_attn.k_proj.weight')!,
      Hkv * Dh,
      scaleOf('k_norm'),
    ),
    // gemma2's norm scales by 1 + w
    norm:
      family === 'olmo2'
        ? new Array<number>(D).fill(1)
        : [...ck.weights.get(p + 'input_layernorm.weight')!].map((x) => (gemma ? 1 + x : x)),
  };
}

function naiveWordVectors(ck: RandomCheckpoint, tokens: readonly (readonly number[])[]): number[][] {
  const D = ck.config.hiddenSize;
  const E = ck.weights.get(
    ck.config.modelType === 'gpt2'
      ? ck.weights.has('wte.weight')
        ? 'wte.weight'
        : 'transformer.wte.weight'
      : 'model.embed_tokens.weight',
  )!;
  return tokens.map((ids) => {
    const v = new Array<number>(D).fill(0);
    for (const id of ids) for (let d = 0; d < D; d++) v[d] += E[id * D + d] / ids.length;
    return v;
  });
}

function naiveCosine(a: number[] | undefined, b: number[] | undefined): number | null {
  if (!a || !b) return null;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 || bb === 0 ? null : ab / Math.sqrt(aa * bb);
}

/** The documented baseline: `pairs` draws of two different words among those with vectors, mulberry32(seed). */
function naiveThreshold(
  vectors: (number[] | undefined)[],
  pairs: number,
  seed: number,
): { mean: number; std: number; threshold: number } {
  const have = vectors.map((v, i) => (v ? i : -1)).filter((i) => i >= 0);
  const rand = mulberry32(seed);
  const cosines: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const i = Math.floor(rand() * have.length);
    let j = Math.floor(rand() * (have.length - 1));
    if (j >= i) j += 1;
    cosines.push(naiveCosine(vectors[have[i]], vectors[have[j]])!);
  }
  const mean = cosines.reduce((a, b) => a + b, 0) / pairs;
  const variance = cosines.reduce((a, c) => a + (c - mean) * (c - mean), 0) / pairs;
  return { mean, std: Math.sqrt(variance), threshold: mean + 1.96 * Math.sqrt(variance) };
}

/** The top k of all words by |activation|, largest first, ties by lower index. */
function naiveTop(activations: number[], k: number): { word: number; activation: number }[] {
  return activations
    .map((activation, word) => ({ word, activation }))
    .sort((a, b) => Math.abs(b.activation) - Math.abs(a.activation) || a.word - b.word)
    .slice(0, k);
}

/**
 * One layer, every head. Leading dims are the module's (checked separately to be ranked as the naive
 * energies rank them), so a near-tie of two energies cannot make the two sides look at different dims.
 */
function naiveLayer(
  ck: RandomCheckpoint,
  layer: number,
  X: number[][],
  words: readonly string[],
  related: (number[] | undefined)[],
  threshold: number,
  top: number,
  leadingDims: (head: number) => number[],
): NaiveHead[] {
  const { hiddenSize: D, numHeads: H, numKvHeads: Hkv, headDim: Dh } = ck.config;
  const { wq, wk, norm } = naiveLayerWeights(ck, layer);
  // q[w][h][j] = Σ_d X[w][d] norm[d] Wq[h Dh + j][d]
  const project = (w: number[][], heads: number) =>
    X.map((x) =>
      Array.from({ length: heads }, (_, h) =>
        Array.from({ length: Dh }, (_, j) => {
          let s = 0;
          for (let d = 0; d < D; d++) s += x[d] * norm[d] * w[h * Dh + j][d];
          return s;
        }),
      ),
    );
  const q = project(wq, H);
  const k = project(wk, Hkv);
  const instructionForms = verbForms(INSTRUCTION_VERBS);
  const generalForms = verbForms(GENERAL_VERBS);
  const heads: NaiveHead[] = [];
  for (let h = 0; h < H; h++) {
    const kv = Math.floor((h * Hkv) / H);
    const energy: number[] = [];
    for (let j = 0; j < Dh; j++) {
      let e = 0;
      for (let w = 0; w < X.length; w++) e += q[w][h][j] ** 2 + k[w][kv][j] ** 2;
      energy.push(e);
    }
    const head: NaiveHead = {
      energy,
      topQuery: new Map(),
      topKey: new Map(),
      pairs: new Map(),
      pairCount: 0,
      instruction: 0,
      general: 0,
    };
    for (const j of leadingDims(h)) {
      const tq = naiveTop(
        q.map((r) => r[h][j]),
        top,
      );
      const tk = naiveTop(
        k.map((r) => r[kv][j]),
        top,
      );
      const pairs: NaivePair[] = [];
      for (const a of tq) {
        for (const b of tk) {
          if (a.activation * b.activation <= 0) continue; // signs differ
          if (words[a.word].toLowerCase() === words[b.word].toLowerCase()) continue; // the same word
          const c = naiveCosine(related[a.word], related[b.word]);
          if (c === null || c <= threshold) continue;
          pairs.push({
            query: words[a.word],
            key: words[b.word],
            queryActivation: a.activation,
            keyActivation: b.activation,
            cosine: c,
          });
          head.pairCount++;
          if (instructionForms.has(words[a.word].toLowerCase()) || instructionForms.has(words[b.word].toLowerCase()))
            head.instruction++;
          if (generalForms.has(words[a.word].toLowerCase()) || generalForms.has(words[b.word].toLowerCase()))
            head.general++;
        }
      }
      head.topQuery.set(j, tq);
      head.topKey.set(j, tk);
      head.pairs.set(j, pairs);
    }
    heads.push(head);
  }
  return heads;
}

// ---------------------------------------------------------------------------------------------------
// the comparison

const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1e-6, Math.abs(b)), `${what}: ${a} vs ${b}`);

async function compare(name: string, options: RandomCheckpointOptions, glove: boolean): Promise<void> {
  const ck = writeRandomCheckpoint(join(root, name), options);
  const loaded = await loadCheckpoint(ck.dir);
  assert.ok(loaded.ok);
  const { encoded, empty } = await encodeWords(loaded.value.tokenizer, WORDS);
  assert.deepEqual(empty, []);
  // the encoding, checked against the tokenizer itself: " word" without special or lone-space tokens
  for (const w of encoded) {
    const ids: number[] = (await loaded.value.tokenizer.encode(' ' + w.word, { addSpecialTokens: false })).ids.filter(
      (id) => loaded.value.tokenizer.tokenText(id) !== ' ',
    );
    assert.deepEqual(w.ids, ids, w.word);
  }
  const words = encoded.map((w) => w.word);
  const X = naiveWordVectors(
    ck,
    encoded.map((w) => w.ids),
  );

  // relatedness source: the embeddings, or a GloVe file with random 6-d vectors for all but two words
  let related: (number[] | undefined)[] = X;
  let gloveVectors;
  if (glove) {
    const normal = gaussian(mulberry32(99));
    const vectors = words.map((w, i) =>
      i % 17 === 5 ? undefined : Array.from({ length: 6 }, () => Math.fround(normal())),
    );
    // related words get nearby vectors: "writes" near "write", etc. (same first two letters)
    words.forEach((w, i) => {
      const stem = words.findIndex((o) => o.slice(0, 2) === w.slice(0, 2));
      if (vectors[i] && vectors[stem] && stem !== i)
        vectors[i] = vectors[stem]!.map((v, r) => Math.fround(v + 0.1 * Math.sin(i + r)));
    });
    const file = join(root, `${name}.glove.txt`);
    // upper-cased lines match list words case-insensitively
    writeFileSync(
      file,
      words
        .map((w, i) =>
          vectors[i] ? `${i % 3 === 0 ? w.toUpperCase() : w} ${vectors[i]!.join(' ')}` : `unrelated${i} 1 2 3 4 5 6`,
        )
        .join('\n') + '\n',
    );
    const read = await readGloveFor(file, words);
    assert.ok(read.ok, JSON.stringify(!read.ok && read.error));
    assert.equal(read.value.found, vectors.filter(Boolean).length);
    gloveVectors = read.value;
    related = vectors;
  }

  const settings = { top: 6, dims: 5, baselinePairs: 3000, seed: 11 };
  const weights = globalWeights(loaded.value.config, loaded.value.weights);
  const result = await computeHeadPatterns({
    weights,
    words: encoded,
    glove: gloveVectors,
    instructionVerbs: INSTRUCTION_VERBS,
    generalVerbs: GENERAL_VERBS,
    settings,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
  const r: HeadsComputation = result.value;

  const base = naiveThreshold(related, settings.baselinePairs, settings.seed);
  close(r.baseline.mean, base.mean, 1e-4, 'baseline mean');
  close(r.baseline.std, base.std, 1e-4, 'baseline std');
  close(r.baseline.threshold, base.threshold, 1e-4, 'threshold');
  const { hiddenSize: D, numLayers: L, numHeads: H, numKvHeads: Hkv, headDim: Dh } = ck.config;
  assert.equal(r.flops, L * 2 * words.length * (H + Hkv) * Dh * D);

  let totalPairs = 0;
  let instructionPairs = 0;
  let generalPairs = 0;
  for (let l = 0; l < L; l++) {
    const mine = r.layers[l];
    const ref = naiveLayer(ck, l, X, words, related, r.baseline.threshold, settings.top, (h) =>
      Array.from(mine.heads[h].dimOrder.subarray(0, settings.dims)),
    );
    let layerPairs = 0;
    for (let h = 0; h < H; h++) {
      const got = mine.heads[h];
      const want = ref[h];
      assert.equal(got.kvHead, Math.floor(h / (H / Hkv)), 'GQA: query head h reads key head h / (H / Hkv)');
      // the ranking: the module's order walks the naive energies downwards (up to float32 near-ties)
      const sorted = [...want.energy].sort((a, b) => b - a);
      assert.deepEqual(
        [...got.dimOrder].sort((a, b) => a - b),
        Array.from({ length: Dh }, (_, j) => j),
      );
      got.dimOrder.forEach((j, rank) => {
        close(want.energy[j], sorted[rank], 1e-5, `L${l}H${h} rank ${rank}`);
        close(got.dimEnergy[rank], want.energy[j], 1e-5, `L${l}H${h} energy of dim ${j}`);
      });
      assert.equal(got.leading.length, settings.dims);
      for (const d of got.leading) {
        const tq = want.topQuery.get(d.dim)!;
        const tk = want.topKey.get(d.dim)!;
        assert.deepEqual(
          d.topQuery.map((a) => a.word),
          tq.map((a) => a.word),
          `L${l}H${h}d${d.dim} top query words`,
        );
        assert.deepEqual(
          d.topKey.map((a) => a.word),
          tk.map((a) => a.word),
          `L${l}H${h}d${d.dim} top key words`,
        );
        d.topQuery.forEach((a, i) => close(a.activation, tq[i].activation, 1e-4, 'query activation'));
        d.topKey.forEach((a, i) => close(a.activation, tk[i].activation, 1e-4, 'key activation'));
        const pairs = want.pairs.get(d.dim)!;
        assert.deepEqual(
          d.pairs.map((p) => `${words[p.query]}->${words[p.key]}`),
          pairs.map((p) => `${p.query}->${p.key}`),
          `L${l}H${h}d${d.dim} pairs`,
        );
        d.pairs.forEach((p, i) => close(p.cosine, pairs[i].cosine, 1e-5, 'pair cosine'));
      }
      assert.deepEqual(
        got.counts,
        { pairs: want.pairCount, instructionVerbPairs: want.instruction, generalVerbPairs: want.general },
        `L${l}H${h} counts`,
      );
      layerPairs += want.pairCount;
      totalPairs += want.pairCount;
      instructionPairs += want.instruction;
      generalPairs += want.general;
    }
    assert.equal(mine.counts.pairs, layerPairs, `layer ${l} pairs`);
  }
  console.log(
    `# ${name}: ${totalPairs} pairs, ${instructionPairs} with an instruction verb, ${generalPairs} ` +
      `with a general verb; threshold ${r.baseline.threshold.toFixed(3)}`,
  );
  assert.ok(totalPairs > 0, 'the case exercises the pair filters');
  assert.ok(instructionPairs > 0 && generalPairs > 0, 'the case exercises both verb counts');
}

test('llama (GQA 4/2): the module agrees with the naive loops, relatedness by input embeddings', () =>
  compare('llama-gqa', { family: 'llama', hiddenSize: 32, numHeads: 4, numKvHeads: 2, numLayers: 2, seed: 41 }, false));

test('qwen3 (per-head q/k norm scales, head_dim 12): the module agrees with the naive loops', () =>
  compare(
    'qwen3',
    { family: 'qwen3', hiddenSize: 32, numHeads: 4, numKvHeads: 2, headDim: 12, numLayers: 2, seed: 43 },
    false,
  ));

test('olmo2 (q/k norm over the whole projection, no input norm): the module agrees with the naive loops', () =>
  compare('olmo2', { family: 'olmo2', hiddenSize: 32, numHeads: 4, numKvHeads: 2, numLayers: 2, seed: 45 }, false));

test('gemma2 ((1 + w) input norm, head_dim 12): the module agrees with the naive loops', () =>
  compare(
    'gemma2',
    { family: 'gemma2', hiddenSize: 32, numHeads: 4, numKvHeads: 2, headDim: 12, numLayers: 2, seed: 47 },
    false,
  ));

test('gemma3 ((1 + w) per-head q/k norm scales): the module agrees with the naive loops', () =>
  compare(
    'gemma3',
    { family: 'gemma3', hiddenSize: 32, numHeads: 4, numKvHeads: 2, headDim: 12, numLayers: 2, seed: 47 },
    false,
  ));

test('phi3 (fused qkv_proj): the module agrees with the naive loops', () =>
  compare('phi3', { family: 'phi3', hiddenSize: 32, numHeads: 4, numKvHeads: 2, numLayers: 2, seed: 49 }, false));

test('mixtral (mistral attention beside the experts): the module agrees with the naive loops', () =>
  compare(
    'mixtral',
    { family: 'mixtral', hiddenSize: 32, numHeads: 4, numKvHeads: 2, numLayers: 2, experts: 3, seed: 51 },
    false,
  ));

test('qwen3_moe (per-head q/k norm scales beside the experts): the module agrees with the naive loops', () =>
  compare(
    'qwen3_moe',
    {
      family: 'qwen3_moe',
      hiddenSize: 32,
      numHeads: 4,
      numKvHeads: 2,
      headDim: 12,
      numLayers: 2,
      experts: 3,
      seed: 53,
    },
    false,
  ));

test('gpt2 (fused Conv1D qkv, LayerNorm scale): the module agrees with the naive loops', () =>
  compare('gpt2', { family: 'gpt2', hiddenSize: 32, numHeads: 4, numLayers: 2, seed: 42 }, false));

test('llama bf16, relatedness by a GloVe file (case-insensitive match, words without a vector)', () =>
  compare(
    'llama-glove',
    { family: 'llama', hiddenSize: 32, numHeads: 4, numKvHeads: 1, numLayers: 2, dtype: 'BF16', seed: 44 },
    true,
  ));

// ---------------------------------------------------------------------------------------------------
// the small pieces

test('topByMagnitude: largest |value| first, ties by lower index, k above the word count', () => {
  // 5 words x 2 columns; column 1 holds the values
  const qk = Float32Array.from([0, 1, 0, -3, 0, 3, 0, 0.5, 0, -1]);
  assert.deepEqual(topByMagnitude(qk, 5, 2, 1, 3), [
    { word: 1, activation: -3 },
    { word: 2, activation: 3 },
    { word: 0, activation: 1 },
  ]);
  assert.deepEqual(
    topByMagnitude(qk, 5, 2, 1, 9).map((a) => a.word),
    [1, 2, 0, 4, 3],
  );
  const rand = mulberry32(3);
  const many = Float32Array.from({ length: 300 }, () => Math.round((rand() - 0.5) * 20)); // many ties
  assert.deepEqual(
    topByMagnitude(many, 300, 1, 0, 40).map((a) => a.word),
    naiveTop([...many], 40).map((a) => a.word),
  );
});

test('topByMagnitudeColumns (one row-major pass) equals topByMagnitude column by column', () => {
  const rand = mulberry32(4);
  const words = 500;
  const columns = 12;
  const qk = Float32Array.from({ length: words * columns }, () => Math.round((rand() - 0.5) * 40) / 4); // ties
  for (const k of [1, 7, 500, 600]) {
    const wanted = [3, 0, 11, 7, 3];
    const many = topByMagnitudeColumns(qk, words, columns, wanted, k);
    wanted.forEach((c, i) => assert.deepEqual(many[i], topByMagnitude(qk, words, columns, c, k), `k ${k} column ${c}`));
  }
});

test('rankDescending: by value, ties by lower index', () => {
  assert.deepEqual([...rankDescending(Float64Array.from([1, 3, 3, 0, 2]))], [1, 2, 4, 0, 3]);
});

test('verb lists: at least 20 each, disjoint in every form, inflections matched', () => {
  assert.ok(INSTRUCTION_VERBS.length >= 20 && GENERAL_VERBS.length >= 20);
  const a = verbForms(INSTRUCTION_VERBS);
  const b = verbForms(GENERAL_VERBS);
  assert.deepEqual(
    [...a].filter((f) => b.has(f)),
    [],
  );
  for (const f of ['write', 'writes', 'wrote', 'writing', 'written', 'lists', 'listed', 'summarized'])
    assert.ok(a.has(f), f);
  for (const f of ['go', 'went', 'gone', 'is', 'are', 'were', 'been', 'saw']) assert.ok(b.has(f), f);
  assert.ok(!a.has('will write'));
});

test('parseWordList: trims, skips blanks and # comments, keeps the first of duplicates', () => {
  assert.deepEqual(parseWordList('write\r\n  list \n\n# a comment\nwrite\nice cream\n'), [
    'write',
    'list',
    'ice cream',
  ]);
  assert.deepEqual(parseWordList('\n  \n# only comments\n'), []);
});
