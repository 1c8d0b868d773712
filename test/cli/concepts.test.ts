// `concepts` end to end through the bundled CLI: the JSON contract re-derived from the checkpoint's tensors in
// float64 (test/reference/naiveConcepts.ts) on random llama and gpt2 checkpoints, the text report, the
// embedded tuned model when it is built, and bad input (one error/hint pair, status 1, no stack trace).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadTokenizer } from '../../src/model/tokenizer';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';
import { downRows, expertDownRows, naiveCosines, naiveOutputEmbeddings, naivePca } from '../reference/naiveConcepts';
import { runCli } from './cliRunner';

const root = mkdtempSync(join(tmpdir(), 'lens-cli-concepts-'));
after(() => rmSync(root, { recursive: true, force: true }));

const llama = writeRandomCheckpoint(join(root, 'llama'), {
  family: 'llama',
  hiddenSize: 32,
  intermediateSize: 80,
  numLayers: 2,
  numKvHeads: 2,
  seed: 41,
});

test('llama: JSON variances, ratios and words re-derived in float64; the text report', async () => {
  const out = join(root, 'llama.json');
  const run = runCli(['concepts', '--model', llama.dir, '--components', '4', '--top', '6', '--json', out]);
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8'));
  const { hiddenSize: D, intermediateSize: F, numLayers: L, vocabSize: V } = llama.config;
  assert.equal(json.format_version, 1);
  assert.equal(json.method, 'concepts');
  assert.deepEqual(json.model, {
    path: llama.dir,
    architecture: 'LlamaForCausalLM',
    parameters: json.model.parameters,
    hidden_size: D,
    intermediate_size: F,
    num_layers: L,
    vocab_size: V,
  });
  assert.deepEqual(json.settings, { components: 4, top: 6, expert: null });
  const tok = await loadTokenizer(llama.dir);
  assert.ok(tok.ok);
  const candidates = Array.from({ length: V }, (_, v) => v).filter(
    (v) => !tok.value.specialIds.has(v) && tok.value.rawToken(v) !== undefined,
  );
  assert.equal(json.candidate_words, candidates.length);
  const E = naiveOutputEmbeddings(llama);
  assert.equal(json.layers.length, L);
  json.layers.forEach((layer: any, l: number) => {
    const naive = naivePca(downRows(llama, l), F, D);
    assert.equal(layer.layer, l);
    assert.equal(layer.converged, true);
    assert.ok(Math.abs(layer.total_variance - naive.trace) <= 1e-5 * naive.trace); // the trace of the f32 scatter
    assert.equal(layer.components.length, 4);
    let sum = 0;
    layer.components.forEach((c: any, j: number) => {
      assert.equal(c.index, j);
      assert.ok(Math.abs(c.variance - naive.values[j]) <= 1e-5 * naive.values[0], `layer ${l} component ${j} variance`);
      assert.ok(Math.abs(c.explained_variance_ratio - naive.values[j] / naive.trace) <= 1e-5);
      sum += c.explained_variance_ratio;
      assert.equal(c.words.length, 6);
      // the words' cosines against the naive eigenvector, oriented as the JSON's first word says
      const u = Array.from({ length: D }, (_, d) => naive.vectors[j * D + d]);
      const ref = naiveCosines(E, D, u, candidates);
      const sign = Math.sign(ref.find((x) => x.id === c.words[0].id)!.cosine);
      for (const w of c.words) {
        const want = sign * ref.find((x) => x.id === w.id)!.cosine;
        assert.ok(Math.abs(w.cosine - want) < 1e-4, `layer ${l} component ${j} word ${w.id}: ${w.cosine} vs ${want}`);
        assert.equal(w.text, tok.value.tokenText(w.id));
      }
      assert.ok(
        Math.abs(Math.abs(c.words[5].cosine) - Math.abs(ref[5].cosine)) < 1e-4,
        'the sixth |cosine| is the naive sixth',
      );
      const pos = c.part_of_speech;
      assert.deepEqual(Object.keys(pos), ['noun', 'verb', 'adjective', 'adverb', 'other']);
      assert.ok(Math.abs(Object.values(pos as Record<string, number>).reduce((a, b) => a + b, 0) - 1) < 1e-9);
      assert.ok(
        ['writing', 'coding', 'math', 'translation', 'question_answering', 'everyday_knowledge', 'none'].includes(
          c.category,
        ),
      );
      assert.deepEqual(Object.keys(c.category_counts).length, 6);
    });
    assert.ok(Math.abs(layer.explained_variance_ratio - sum) < 1e-12);
  });
  assert.deepEqual(Object.keys(json.flops), ['covariance', 'eigensolver', 'words']);
  assert.equal(json.flops.covariance, L * 2 * D * D * F);
  assert.deepEqual(Object.keys(json.timing), ['load', 'pca', 'words', 'labels']);
  // text: a heading per layer and two lines per component (share, category, part of speech; then the words)
  for (let l = 0; l < L; l++)
    assert.match(run.stdout, new RegExp(`^layer ${l}: \\d+\\.\\d% of the variance in 4 components$`, 'm'));
  assert.match(run.stdout, /^ {4}1 +\d+\.\d% {2}\S/m);
  assert.match(run.stdout, new RegExp(`^wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
});

test('gpt2 (tied embeddings, Conv1D layout): runs and reports every layer', () => {
  const ck = writeRandomCheckpoint(join(root, 'gpt2'), {
    family: 'gpt2',
    hiddenSize: 24,
    numLayers: 3,
    dtype: 'F16',
    seed: 42,
  });
  const out = join(root, 'gpt2.json');
  const run = runCli(['concepts', '--model', ck.dir, '--components', '3', '--top', '4', '--json', out]);
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(json.layers.length, 3);
  const naive = naivePca(downRows(ck, 2), ck.config.intermediateSize, 24);
  json.layers[2].components.forEach((c: any, j: number) =>
    assert.ok(Math.abs(c.variance - naive.values[j]) <= 1e-5 * naive.values[0]),
  );
});

// the newer families read W_down and the output embeddings through the same lookups: the multimodal Gemma 3
// under its language_model prefix, the tied Gemma and Qwen3 heads from the input embeddings
for (const [name, options] of [
  ['qwen3', { family: 'qwen3', numKvHeads: 2, headDim: 12, tie: true }],
  ['olmo2', { family: 'olmo2', numKvHeads: 2 }],
  ['phi3', { family: 'phi3', numKvHeads: 2 }],
  ['gemma2', { family: 'gemma2', numKvHeads: 2 }],
  ['gemma3 multimodal', { family: 'gemma3', multimodal: true, numKvHeads: 2 }],
] as [string, RandomCheckpointOptions][]) {
  test(`${name}: variances and top words equal the naive float64 PCA`, async () => {
    const ck = writeRandomCheckpoint(join(root, name.replace(/\W+/g, '-')), {
      ...options,
      hiddenSize: 24,
      intermediateSize: 48,
      seed: 43,
    });
    const out = join(root, `${name.replace(/\W+/g, '-')}.json`);
    const run = runCli(['concepts', '--model', ck.dir, '--components', '3', '--top', '4', '--json', out]);
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    const { hiddenSize: D, intermediateSize: F } = ck.config;
    const E = naiveOutputEmbeddings(ck);
    const tok = await loadTokenizer(ck.dir);
    assert.ok(tok.ok);
    const candidates = Array.from({ length: ck.config.vocabSize }, (_, v) => v).filter(
      (v) => !tok.value.specialIds.has(v) && tok.value.rawToken(v) !== undefined,
    );
    for (const l of [0, 1]) {
      const naive = naivePca(downRows(ck, l), F, D);
      json.layers[l].components.forEach(
        (c: { variance: number; words: { id: number; cosine: number }[] }, j: number) => {
          assert.ok(
            Math.abs(c.variance - naive.values[j]) <= 1e-5 * naive.values[0],
            `layer ${l} component ${j} variance`,
          );
          const u = Array.from({ length: D }, (_, d) => naive.vectors[j * D + d]);
          // over the whole vocabulary: the first word's |cosine| is the naive largest
          const top = naiveCosines(E, D, u, candidates)[0];
          assert.ok(
            Math.abs(Math.abs(c.words[0].cosine) - Math.abs(top.cosine)) < 1e-4,
            `layer ${l} component ${j}: first word`,
          );
        },
      );
    }
  });
}

// a mixture of experts: a layer's components are of all its experts' neurons pooled, or of one expert's
// with --expert; qwen3_moe's dense layer (mlp_only_layers) is read as any dense one
for (const [name, options] of [
  [
    'qwen3_moe with a dense layer',
    { family: 'qwen3_moe', numLayers: 3, numKvHeads: 2, experts: 3, moeIntermediateSize: 16, mlpOnlyLayers: [1] },
  ],
  ['mixtral', { family: 'mixtral', numKvHeads: 2, experts: 3, intermediateSize: 20 }],
] as [string, RandomCheckpointOptions][]) {
  test(`${name}: pooled and single-expert variances equal the naive float64 PCA`, () => {
    const ck = writeRandomCheckpoint(join(root, name.replace(/\W+/g, '-')), { ...options, hiddenSize: 24, seed: 44 });
    const moe = ck.config.moe!;
    const D = ck.config.hiddenSize;
    for (const expert of [undefined, 1]) {
      const out = join(root, `${name.replace(/\W+/g, '-')}-${expert}.json`);
      const run = runCli([
        'concepts',
        '--model',
        ck.dir,
        '--components',
        '3',
        '--top',
        '4',
        '--json',
        out,
        ...(expert === undefined ? [] : ['--expert', String(expert)]),
      ]);
      assert.equal(run.status, 0, run.stderr);
      const json = JSON.parse(readFileSync(out, 'utf8'));
      assert.equal(json.settings.expert, expert ?? null);
      json.layers.forEach(
        (layer: {
          layer: number;
          experts: { count: number; of: string | number } | null;
          components: { variance: number }[];
        }) => {
          const l = layer.layer;
          const routed = moe.layers.includes(l);
          let rows: Float64Array;
          if (!routed) rows = downRows(ck, l);
          else if (expert !== undefined) rows = expertDownRows(ck, l, expert);
          else {
            const parts = Array.from({ length: moe.experts }, (_, e) => expertDownRows(ck, l, e));
            rows = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
            parts.reduce((at, p) => (rows.set(p, at), at + p.length), 0);
          }
          assert.deepEqual(layer.experts, routed ? { count: moe.experts, of: expert ?? 'pooled' } : null);
          const naive = naivePca(rows, rows.length / D, D);
          layer.components.forEach((c, j) =>
            assert.ok(
              Math.abs(c.variance - naive.values[j]) <= 1e-5 * naive.values[0],
              `layer ${l} component ${j} (expert ${expert}): ${c.variance} vs ${naive.values[j]}`,
            ),
          );
        },
      );
      assert.match(
        run.stdout,
        expert === undefined ? /layer 0 \(its 3 experts' neurons pooled\)/ : /layer 0 \(expert 1 of 3\)/,
      );
    }
  });
}

const tuned = join(__dirname, '..', '..', 'models', 'wordnet-tuned');

test(
  'the embedded tuned model with the defaults: 10 components of 10 words a layer, converged',
  { skip: existsSync(join(tuned, 'config.json')) ? false : 'models/wordnet-tuned is not built' },
  () => {
    const out = join(root, 'tuned.json');
    const run = runCli(['concepts', '--model', tuned, '--json', out], 120_000);
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(json.layers.length, 4);
    for (const layer of json.layers) {
      assert.equal(layer.converged, true);
      assert.ok(layer.max_residual <= 1e-5);
      assert.equal(layer.components.length, 10);
      for (const c of layer.components) assert.equal(c.words.length, 10);
      for (let j = 1; j < 10; j++) assert.ok(layer.components[j].variance <= layer.components[j - 1].variance);
    }
  },
);

// bad input
function expectError(args: string[], what: RegExp): void {
  const run = runCli(args, 30_000);
  assert.equal(run.status, 1, `expected status 1, got ${run.status}; stdout: ${run.stdout}`);
  assert.match(run.stderr, /^error: .+\nhint: .+\n$/, `stderr: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'a stack trace leaked');
  assert.match(run.stderr, what);
}

const m = () => ['concepts', '--model', llama.dir];

test('bad --components and --top: not positive integers, or more than the model has', () => {
  for (const v of ['0', '-1', 'abc', '1.5', '']) {
    expectError([...m(), '--components', v], /--components must be an integer >= 1/);
    expectError([...m(), '--top', v], /--top must be an integer >= 1/);
  }
  expectError(
    [...m(), '--components', '33'],
    new RegExp(
      String.raw`33 components asked, but the model's d_model \(hidden size\) is 32: there are only 32 principal ` +
        String.raw`components\nhint: Pass --components 10 \(at most 32\)`,
    ),
  );
  expectError(
    [...m(), '--top', '100000'],
    /100000 words a component asked, but the vocabulary has \d+ non-special tokens/,
  );
});

test('bad --expert: on a dense model, out of range, not an integer', () => {
  expectError([...m(), '--expert', '0'], /expert 0 asked, but llama has no experts\nhint: Leave out --expert/);
  const moe = writeRandomCheckpoint(join(root, 'moe-bad-expert'), { family: 'mixtral', experts: 3, seed: 45 });
  expectError(
    ['concepts', '--model', moe.dir, '--expert', '3'],
    /expert 3 asked, but the layers have experts 0 to 2\nhint: Pass --expert 0 to 2/,
  );
  expectError(['concepts', '--model', moe.dir, '--expert', 'x'], /--expert must be an integer >= 0/);
});

test('bad --model and --json', () => {
  expectError(['concepts', '--model', join(root, 'nope')], /no such directory/);
  expectError(
    [...m(), '--json', join(root, 'no', 'such', 'folder', 'x.json')],
    /--json .*the folder .* does not exist/,
  );
});
