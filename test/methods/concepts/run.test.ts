// The concepts engine's orchestration: progress covers every layer, results are reproducible, cancellation
// and bad options come back as LensErrors, and the option checks happen before any weight is read. The numbers
// themselves are checked in test/methods/concepts/ffnConcepts.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  checkConceptsOptions,
  computeConcepts,
  conceptsFor,
  type ConceptsProgress,
} from '../../../src/methods/concepts/run';
import { loadCheckpoint } from '../../../src/runtime/checkpoint';
import { writeRandomCheckpoint } from '../../helpers/randomCheckpoint';
import { checkpointHandle } from '../../../src/runtime/openCheckpoint';

const root = mkdtempSync(join(tmpdir(), 'lens-concepts-engine-'));
after(() => rmSync(root, { recursive: true, force: true }));

const ck = writeRandomCheckpoint(join(root, 'llama'), {
  family: 'llama',
  hiddenSize: 24,
  intermediateSize: 64,
  numLayers: 4,
  seed: 51,
});

test('progress: a pca step per layer, then words and labels; two runs give identical results', async () => {
  const checkpoint = await loadCheckpoint(ck.dir);
  assert.ok(checkpoint.ok);
  const runs = [];
  for (let run = 0; run < 2; run++) {
    const progress: ConceptsProgress[] = [];
    const r = await computeConcepts(checkpoint.value, { components: 3, top: 5, onProgress: (p) => progress.push(p) });
    assert.ok(r.ok);
    const pca = progress.filter((p) => p.stage === 'pca') as { done: number; total: number }[];
    assert.deepEqual(
      pca.map((p) => [p.done, p.total]),
      [
        [0, 4],
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
      ],
    );
    assert.ok(
      progress.findIndex((p) => p.stage === 'words') > progress.findIndex((p) => p.stage === 'pca' && p.done === 4),
    );
    assert.ok(progress.some((p) => p.stage === 'labels'));
    runs.push(
      r.value.layers.map((l) => ({
        vectors: [...l.vectors],
        components: l.components.map((c) => [c.variance, c.words]),
      })),
    );
  }
  assert.deepEqual(runs[1], runs[0]);
});

test('an aborted signal comes back as a cancelled error', async () => {
  const checkpoint = await loadCheckpoint(ck.dir);
  assert.ok(checkpoint.ok);
  const controller = new AbortController();
  controller.abort();
  const r = await computeConcepts(checkpoint.value, { components: 2, top: 3, signal: controller.signal });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'cancelled');
});

test('option checks: components within 1..d_model, top within the non-special vocabulary', async () => {
  const checkpoint = await loadCheckpoint(ck.dir);
  assert.ok(checkpoint.ok);
  const bad = (components: number, top: number, code: string, what: RegExp) => {
    const r = checkConceptsOptions(checkpoint.value, { components, top });
    assert.ok(!r.ok, `${components}, ${top}`);
    assert.equal(r.error.code, code);
    assert.match(r.error.message, what);
    assert.ok(r.error.hint.length > 0);
  };
  bad(0, 5, 'bad-argument', /components must be a positive integer, got 0/);
  bad(2.5, 5, 'bad-argument', /got 2.5/);
  bad(25, 5, 'bad-argument', /25 components asked, but the model's d_model \(hidden size\) is 24/);
  bad(3, 0, 'bad-argument', /top must be a positive integer/);
  bad(3, 1e6, 'bad-argument', /1000000 words a component asked/);
  const good = checkConceptsOptions(checkpoint.value, { components: 24, top: 1 });
  assert.ok(good.ok);
  assert.ok(good.value.candidates.every((v) => !checkpoint.value.tokenizer.specialIds.has(v)));
});

test('conceptsFor: a missing folder is a missing-file error; the load time is recorded', async () => {
  const missing = await conceptsFor(checkpointHandle(join(root, 'nope')), { components: 2, top: 3 });
  assert.ok(!missing.ok);
  assert.equal(missing.error.code, 'missing-file');
  const r = await conceptsFor(checkpointHandle(ck.dir), { components: 2, top: 3 });
  assert.ok(r.ok);
  assert.ok(r.value.timing.load > 0);
});

test('a layer whose tensor is missing is a missing-tensor error naming it', async () => {
  const short = writeRandomCheckpoint(join(root, 'short'), { family: 'llama', hiddenSize: 16, numLayers: 2, seed: 52 });
  const path = join(short.dir, 'config.json');
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), num_hidden_layers: 5 }));
  const r = await conceptsFor(checkpointHandle(short.dir), { components: 2, top: 3 });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'missing-tensor');
  // the shape check before any read names the first tensor of the first missing layer
  assert.match(r.error.message, /tensor "model\.layers\.2\.input_layernorm\.weight" not found/);
});

test('read buffers kept between runs: side by side, of the same and another shape, equal the runs alone', async () => {
  const other = writeRandomCheckpoint(join(root, 'llama-other'), {
    family: 'llama',
    hiddenSize: 16,
    intermediateSize: 40,
    numLayers: 3,
    seed: 52,
  });
  const twin = writeRandomCheckpoint(join(root, 'llama-twin'), {
    family: 'llama',
    hiddenSize: 24,
    intermediateSize: 64,
    numLayers: 4,
    seed: 53,
  }); // ck's shape, other weights
  const a = await loadCheckpoint(ck.dir);
  const b = await loadCheckpoint(other.dir);
  const c = await loadCheckpoint(twin.dir);
  assert.ok(a.ok && b.ok && c.ok);
  const options = { components: 3, top: 4, pieceRows: 7 }; // several pieces of the output embeddings each
  const summary = (r: Awaited<ReturnType<typeof computeConcepts>>) => {
    assert.ok(r.ok);
    return r.value.layers.map((l) => ({
      vectors: [...l.vectors],
      words: l.components.map((c) => c.words.map((w) => [w.id, w.cosine])),
    }));
  };
  const aloneA = summary(await computeConcepts(a.value, options));
  const aloneB = summary(await computeConcepts(b.value, options));
  const aloneC = summary(await computeConcepts(c.value, options));
  assert.notDeepEqual(aloneC, aloneA);
  await computeConcepts(a.value, options); // leaves buffers of this shape kept
  const together = await Promise.all([
    computeConcepts(a.value, options),
    computeConcepts(c.value, options),
    computeConcepts(b.value, options),
    computeConcepts(a.value, options),
  ]);
  assert.deepEqual(together.map(summary), [aloneA, aloneC, aloneB, aloneA]);
  assert.deepEqual(summary(await computeConcepts(a.value, options)), aloneA, 'after the runs side by side');
});

test('layers solved in groups of 1, 3 (groups of 3 and 1) or all 4 give the same components', async () => {
  const checkpoint = await loadCheckpoint(ck.dir);
  assert.ok(checkpoint.ok);
  const results = [];
  for (const groupLayers of [1, 3, undefined]) {
    const r = await computeConcepts(checkpoint.value, {
      components: 3,
      top: 5,
      ...(groupLayers === undefined ? {} : { groupLayers }),
    });
    assert.ok(r.ok);
    results.push(r.value);
  }
  const [alone, ...grouped] = results;
  for (const r of grouped) {
    assert.equal(r.layers.length, 4);
    r.layers.forEach((layer, l) => {
      const want = alone.layers[l];
      assert.equal(layer.passes, want.passes, `layer ${l}: passes`);
      assert.ok(layer.converged);
      assert.ok(layer.seconds > 0);
      layer.components.forEach((c, j) => {
        const w = want.components[j];
        assert.ok(Math.abs(c.variance - w.variance) <= 1e-6 * w.variance, `layer ${l}, component ${j}: variance`);
        assert.deepEqual(
          c.words.map((x) => x.id),
          w.words.map((x) => x.id),
        );
      });
      for (let i = 0; i < layer.vectors.length; i++)
        assert.ok(Math.abs(layer.vectors[i] - want.vectors[i]) < 1e-4, `layer ${l}: vectors`);
    });
  }
});
