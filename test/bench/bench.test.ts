// Smoke test of the benchmark's code path: `bench/engine.bench.ts --quick` (a tiny model, one repeat) must
// finish and write a result with every figure of (a)-(i), the machine, the model and the commit. Times are
// never asserted: they depend on the machine and on whatever else runs on it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { summary } from '../../bench/summary';

const root = mkdtempSync(join(tmpdir(), 'lens-bench-'));
after(() => rmSync(root, { recursive: true, force: true }));

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/** `bench/engine.bench.ts --quick` with `flags`, writing under this file's temporary folder: the result's path. */
function runQuickBench(flags: readonly string[], timeout: number): string {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/engine.bench.ts',
      '--quick',
      ...flags,
      '--out-dir',
      join(root, 'results'),
      '--cache',
      join(root, 'cache'),
    ],
    { encoding: 'utf8', timeout },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').pop()!;
}

test('bench --quick writes a result with every figure', () => {
  const path = runQuickBench([], 120_000);
  assert.equal(path, join(root, 'results', 'latest-quick.json'));
  const result = JSON.parse(readFileSync(path, 'utf8'));

  assert.equal(result.quick, true);
  assert.match(result.machine.commit, /^[0-9a-f]{40}$/);
  for (const key of ['cpuModel', 'cores', 'memoryBytes', 'onnxruntime'])
    assert.ok(result.machine[key], `machine.${key}`);
  for (const key of [
    'hiddenSize',
    'numLayers',
    'numHeads',
    'numKvHeads',
    'intermediateSize',
    'vocabSize',
    'parameters',
    'promptTokens',
    'responseTokens',
  ]) {
    assert.ok(finite(result.model[key]), `model.${key}`);
  }

  assert.ok(finite(result.a_matmul.peakGflops) && result.a_matmul.results.length > 0);
  assert.ok(finite(result.a_matmul.gemv.gbPerSecond));
  for (const key of ['seconds', 'flops', 'flopsFormula', 'flopsProfiled', 'achievedGflops', 'fractionOfPeak'])
    assert.ok(finite(result.b_attribution[key]), `b_attribution.${key}`);
  // the FLOPs counted from our graph are those of the products onnxruntime ran (the graph counted with the
  // product's backward chains: each chain recomputes the attention probabilities)
  assert.equal(result.b_attribution.flops, result.b_attribution.flopsProfiled);
  for (const key of ['seconds', 'flops', 'ratio', 'flopRatio'])
    assert.ok(finite(result.c_naive[key]), `c_naive.${key}`);
  assert.ok(result.c_naive.attributionAgreement.ratio < 1e-3, 'naive and vectorised attributions agree');
  for (const key of ['decodeMsPerToken', 'recomputeMsPerToken', 'ratio'])
    assert.ok(finite(result.d_generation[key]), `d_generation.${key}`);
  assert.equal(result.d_generation.sameTokens, true);
  // the bench installs the PyTorch peer itself: the section runs
  assert.equal(result.e_torch.ok, true, JSON.stringify(result.e_torch));
  assert.ok(finite(result.e_torch.ratio));
  assert.ok(result.e_torch.attributionAgreement.ratio < 1e-3, 'PyTorch and engine attributions agree');
  for (const dtype of ['f32', 'bf16']) {
    assert.ok(finite(result.f_memory[dtype].ratio) && result.f_memory[dtype].peakBytes > 0, `f_memory.${dtype}`);
  }
  assert.ok(result.f_memory.overheadPeakBytes > 0);
  for (const key of ['seconds', 'flops', 'achievedGflops', 'fractionOfPeak', 'layersSeconds'])
    assert.ok(finite(result.g_heads[key]), `g_heads.${key}`);
  const m = result.model;
  assert.equal(
    result.g_heads.flops,
    m.numLayers * 2 * result.g_heads.words * (m.numHeads + m.numKvHeads) * m.headDim * m.hiddenSize,
    'the projections of every layer',
  );
  for (const key of [
    'seconds',
    'medianSeconds',
    'medianFractionOfPeak',
    'flops',
    'eigensolverFlops',
    'achievedGflops',
    'fractionOfPeak',
    'labelsSeconds',
  ])
    assert.ok(finite(result.h_concepts[key]), `h_concepts.${key}`);
  assert.equal(result.h_concepts.seconds, Math.min(...result.h_concepts.secondsAll), 'the figure is the best run');
  assert.ok(result.h_concepts.medianSeconds >= result.h_concepts.seconds);
  const { hiddenSize: D, intermediateSize: F, vocabSize: V, numLayers: L } = m;
  assert.equal(
    result.h_concepts.flops,
    L * (2 * D * D * F + 2 * result.h_concepts.components * V * D),
    'covariances and words of every layer',
  );
  assert.equal(result.h_concepts.layers.length, L);
  for (const l of result.h_concepts.layers)
    assert.ok(finite(l.fractionOfPeak) && l.converged === true, `h_concepts layer ${l.layer}`);
  assert.deepEqual(
    result.j_families.map((j: { family: string }) => j.family),
    ['gemma2', 'mixtral'],
  );
  for (const j of result.j_families)
    for (const key of ['seconds', 'flops', 'achievedGflops', 'fractionOfPeak', 'overLlama', 'activeParameters'])
      assert.ok(finite(j[key]), `j_families ${j.name}.${key}`);
  const [, moe] = result.j_families;
  assert.ok(moe.activeParameters < moe.parameters, 'a mixture runs part of its experts');
  assert.ok(result.profile.attribution.byOp.length > 0);
  // (i) the cost estimate: its attribution FLOPs are the profiled ones, every figure is there
  assert.equal(result.i_estimate.attribution.estimatedFlops, result.i_estimate.attribution.profiledFlops);
  for (const key of ['estimatedSeconds', 'measuredSeconds', 'ratio'])
    assert.ok(
      finite(result.i_estimate.attribution[key]) && result.i_estimate.attribution[key] > 0,
      `i_estimate.attribution.${key}`,
    );
  assert.ok(finite(result.i_estimate.decode.ratio) && result.i_estimate.peakMemory.f32.estimatedBytes > 0);
  // where (h)'s time went: each kernel's calls and seconds, and the JS rest, adding up to the whole
  const kernels = result.h_concepts.breakdown.kernels;
  for (const name of ['scatter', 'multiplyRows', 'filterRows', 'topCosines'])
    assert.ok(kernels[name].calls > 0 && finite(kernels[name].seconds), `h_concepts.breakdown.${name}`);
  assert.equal(kernels.scatter.calls, L);
  const kernelSeconds = Object.values(kernels).reduce((t: number, k) => t + (k as { seconds: number }).seconds, 0);
  assert.ok(Math.abs(kernelSeconds + result.h_concepts.breakdown.otherSeconds - result.h_concepts.seconds) < 1e-9);
  assert.equal(
    kernels.multiplyRows.productRows + kernels.filterRows.productRows,
    result.h_concepts.eigensolverFlops / (2 * D * D),
    'the rows the eigensolver counted',
  );

  assert.match(summary(result), /\(f\) memory/);
});

test('bench --quick --only-concepts writes (a) and (h) alone', () => {
  const path = runQuickBench(['--only-concepts'], 120_000);
  assert.equal(path, join(root, 'results', 'latest-concepts-quick.json'));
  const result = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(result.onlyConcepts, true);
  assert.equal(result.b_attribution, undefined);
  assert.ok(finite(result.a_matmul.peakGflops));
  const { hiddenSize: D, intermediateSize: F, vocabSize: V, numLayers: L } = result.model;
  assert.equal(result.h_concepts.flops, L * (2 * D * D * F + 2 * result.h_concepts.components * V * D));
  assert.ok(finite(result.h_concepts.fractionOfPeak) && result.h_concepts.secondsAll.length >= 1);
  const text = summary(result);
  assert.match(text, /\(h\) concepts/);
  assert.match(text, /time: scatter/);
  assert.doesNotMatch(text, /\(b\) attribution/);
});

test('bench --quick --only-gguf writes (k) alone, warm and cold', () => {
  const path = runQuickBench(['--only-gguf'], 300_000);
  assert.equal(path, join(root, 'results', 'latest-gguf-quick.json'));
  const k = JSON.parse(readFileSync(path, 'utf8')).k_gguf;
  for (const run of [k.gguf, k.bf16]) {
    assert.equal(run.warmAttributionSeconds.length, 1, 'one warm repeat with --quick');
    assert.ok(finite(run.attributionSeconds) && finite(run.warmAttributionSeconds[0]));
  }
  assert.equal(k.attributionRatio, k.warmAttributionSeconds.gguf / k.warmAttributionSeconds.bf16);
  assert.equal(k.coldAttributionRatio, k.gguf.attributionSeconds / k.bf16.attributionSeconds);
  assert.ok(finite(k.memoryRatio) && k.memoryRatio > 0);
  const text = summary(JSON.parse(readFileSync(path, 'utf8')));
  assert.match(text, /\(k\) GGUF Q4_K_M/);
  assert.match(text, /attribution \(best warm\)/);
  assert.doesNotMatch(text, /\(a\) MatMul/);
});
