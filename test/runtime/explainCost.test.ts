// The cost estimate's FLOPs against two independent counts: the bench's counter over the graph, summed over
// the batches as this test splits them, and onnxruntime's own profile of the products it ran for a real
// attribution and decode step. Also the time model's arithmetic, the peak memory's parts, the calibration cache.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { countFlops } from '../../bench/flops';
import { attributionDims, lensGraphOutputs, profileLensModel } from '../../bench/profile';
import { loadCheckpoint, type Checkpoint } from '../../src/runtime/checkpoint';
import { machineCalibration } from '../../src/runtime/calibration';
import { CostModel } from '../../src/runtime/explainCost';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';

const root = mkdtempSync(join(tmpdir(), 'lens-cost-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function open(name: string, options: RandomCheckpointOptions): Promise<Checkpoint> {
  const ck = writeRandomCheckpoint(join(root, name), { maxPositions: 128, ...options });
  const c = await loadCheckpoint(ck.dir);
  assert.ok(c.ok);
  return c.value;
}

/** The attribution as LensModel runs it, split here by hand: batches of at most 8, sizes equal give or take one. */
function countedAttribution(checkpoint: Checkpoint, N: number, M: number): number {
  const outputs = lensGraphOutputs(checkpoint).attribution;
  const batches = Math.ceil(M / 8);
  let total = 0;
  let first = 0;
  for (let b = 0; b < batches; b++) {
    const count = Math.floor(M / batches) + (b < M % batches ? 1 : 0);
    total += countFlops(outputs, attributionDims(N + first + count - 1, count)).total;
    first += count;
  }
  return total;
}

const families: [string, RandomCheckpointOptions][] = [
  ['llama GQA', { family: 'llama', numHeads: 4, numKvHeads: 2, seed: 3 }],
  ['qwen2 tied bf16', { family: 'qwen2', tie: true, dtype: 'BF16', seed: 4 }],
  ['gpt2', { family: 'gpt2', seed: 5 }],
  [
    'qwen3_moe with a dense layer',
    { family: 'qwen3_moe', numKvHeads: 2, experts: 4, expertsPerToken: 2, mlpOnlyLayers: [0], seed: 7 },
  ],
];

for (const [name, options] of families) {
  test(`${name}: attribution and generation FLOPs equal the bench's counter, per batch and per step`, async () => {
    const checkpoint = await open(name.replace(/\W+/g, '-'), options);
    const costs = new CostModel(checkpoint);
    for (const [N, M] of [
      [10, 3],
      [20, 12],
      [7, 17],
      [5, 1],
    ]) {
      assert.equal(costs.attributionFlops(N, M), countedAttribution(checkpoint, N, M), `attribution N=${N} M=${M}`);
      const step = lensGraphOutputs(checkpoint).step.filter((o) => o.name === 'next_id' || o.name.startsWith('new_'));
      let generation = countFlops(step, { S: N, P: 0, K: N }).total;
      for (let i = 1; i < M; i++) generation += countFlops(step, { S: 1, P: N + i - 1, K: N + i }).total;
      assert.equal(costs.generationFlops(N, M), generation, `generation N=${N} M=${M}`);
    }
  });
}

for (const [name, options] of [
  ['llama', { family: 'llama', numHeads: 4, numKvHeads: 2, seed: 9 }],
  // each token runs exactly k experts: the experts' average shares add up to the products actually run
  ['mixtral', { family: 'mixtral', numHeads: 4, numKvHeads: 2, experts: 5, expertsPerToken: 2, seed: 10 }],
] as [string, RandomCheckpointOptions][])
  test(
    `${name}: the estimate equals onnxruntime's profile of the products it ran (two attribution ` +
      `batches, a decode step)`,
    async () => {
      const checkpoint = await open(`profiled-${name}`, options);
      const prompt = Array.from({ length: 14 }, (_, i) => (i * 37) % 200);
      const response = Array.from({ length: 12 }, (_, i) => (i * 53 + 11) % 200);
      const profile = await profileLensModel(checkpoint, prompt, response, 1, root);
      const costs = new CostModel(checkpoint);
      const N = prompt.length;
      const estimated = costs.attributionFlops(N, response.length);
      assert.ok(
        Math.abs(estimated - profile.attribution.productFlops) <= 1e-9 * estimated,
        `estimated ${estimated}, profiled ${profile.attribution.productFlops}`,
      );
      const decode = costs.generationFlops(N, 2) - costs.generationFlops(N, 1); // the step after the prompt
      assert.ok(
        Math.abs(decode - profile.decodeStep.productFlops) <= 1e-9 * decode,
        `decode estimated ${decode}, profiled ${profile.decodeStep.productFlops}`,
      );
    },
  );

test('time and memory models: parts add up; a loaded model costs no load, a given response no generation', async () => {
  const checkpoint = await open('time', { family: 'llama', seed: 6 });
  const costs = new CostModel(checkpoint);
  const calibration = { key: 'test', measuredAt: new Date().toISOString(), productGflops: 50, weightGBps: 10 };
  const generated = { promptTokens: 20, responseTokens: 10, generated: true };
  const cost = costs.cost(generated);
  const t = costs.seconds(generated, cost, calibration);
  assert.ok(t.load > 0 && t.generation > 0 && t.attribution > 0);
  assert.ok(Math.abs(t.total - (t.load + t.generation + t.attribution)) < 1e-12);
  assert.equal(costs.seconds(generated, cost, calibration, true).load, 0);
  const given = { ...generated, generated: false };
  const g = costs.cost(given);
  assert.equal(g.flops.generation, 0);
  assert.equal(costs.seconds(given, g, calibration).generation, 0);
  assert.equal(g.flops.attribution, cost.flops.attribution);
  // twice the product rate halves the attribution's product time
  const fast = costs.seconds(given, g, { ...calibration, productGflops: 100 });
  const runs = g.runs.attribution * 0.004;
  assert.ok(
    Math.abs((fast.attribution - runs) * 2 - (costs.seconds(given, g, calibration).attribution - runs)) < 1e-12,
  );
  // memory grows with the prompt, and never falls below the weights
  assert.ok(costs.cost({ ...given, promptTokens: 60 }).peakMemoryBytes > g.peakMemoryBytes);
  assert.ok(g.peakMemoryBytes > costs.weightBytes);
});

test('the calibration is measured once and then read from the cache', async () => {
  const dir = join(root, 'cache');
  const first = await machineCalibration(1, dir);
  assert.equal(first.cached, false);
  assert.ok(first.productGflops > 0 && first.weightGBps > 0);
  assert.ok(existsSync(join(dir, 'calibration.json')));
  const second = await machineCalibration(1, dir);
  assert.equal(second.cached, true);
  assert.equal(second.productGflops, first.productGflops);
  assert.ok(JSON.parse(readFileSync(join(dir, 'calibration.json'), 'utf8'))[first.key]);
});
