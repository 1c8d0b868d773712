// The engine's forward pass, generation and attribution against the independent float64 reference
// (test/reference) on small random Hugging Face checkpoints of every family.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadCheckpoint } from '../../src/model/checkpoint';
import { LensModel } from '../../src/runtime/lensModel';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';
import { naiveAttributionFD, naiveEmbed, naiveLogits } from '../reference/naiveTransformer';

const root = mkdtempSync(join(tmpdir(), 'lens-runtime-'));
after(() => rmSync(root, { recursive: true, force: true }));

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 1e-30;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

async function load(name: string, options: RandomCheckpointOptions, computeDtype: 'float32' | 'float64' = 'float32', attributionBatch?: number) {
  const written = writeRandomCheckpoint(join(root, name), options);
  const ckpt = await loadCheckpoint(written.dir);
  assert.ok(ckpt.ok, ckpt.ok ? '' : ckpt.error.message);
  const model = await LensModel.load(ckpt.value, { computeDtype, threads: 1, attributionBatch });
  assert.ok(model.ok, model.ok ? '' : model.error.message);
  after(() => model.value.dispose());
  return { written, model: model.value };
}

const cases: [string, RandomCheckpointOptions][] = [
  ['llama-gqa-f32', { family: 'llama', numHeads: 4, numKvHeads: 2, seed: 3 }],
  ['llama3-rope-scaling', { family: 'llama', ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 }, seed: 4 }],
  ['qwen2-bf16', { family: 'qwen2', dtype: 'BF16', numHeads: 4, numKvHeads: 2, seed: 5 }],
  ['llama-tied-f16', { family: 'llama', dtype: 'F16', tie: true, seed: 6 }],
  ['mistral-window', { family: 'mistral', slidingWindow: 3, seed: 7 }],
  ['gpt2-sharded', { family: 'gpt2', shard: true, prefix: true, seed: 8 }],
];

const promptIds = [276, 72, 101, 108, 108, 111, 32, 119];
const responseIds = [111, 114, 108, 100, 33];

describe('engine against the float64 reference', () => {
  for (const [name, options] of cases) {
    test(`${name}: logits in float64 match to 1e-9`, async () => {
      const { written, model } = await load(`${name}-64`, options, 'float64');
      const ids = [...promptIds, ...responseIds];
      const ref = naiveLogits(written.config, written.weights, naiveEmbed(written.config, written.weights, ids), ids.length);
      const V = written.config.vocabSize;
      const got = await model.nextLogits(ids);
      assert.ok(relErr(got, ref.subarray((ids.length - 1) * V)) < 1e-9);
    });

    test(`${name}: float32 probabilities and attribution match finite differences`, async () => {
      const { written, model } = await load(`${name}-32`, options);
      const ref = naiveAttributionFD(written.config, written.weights, promptIds, responseIds);
      const got = await model.attribute(promptIds, responseIds);
      const pErr = relErr(got.probabilities, ref.probabilities);
      const aErr = relErr(got.attribution, ref.attribution);
      assert.ok(pErr <= 1e-3, `probabilities: relative error ${pErr}`);
      assert.ok(aErr <= 1e-2, `attribution: max abs error / max abs value ${aErr}`);
    });
  }

  test('attribution in batches of 2 (each on its causal prefix) equals finite differences', async () => {
    const { written, model } = await load('batched', { family: 'llama', numHeads: 4, numKvHeads: 2, seed: 12 }, 'float32', 2);
    const ref = naiveAttributionFD(written.config, written.weights, promptIds, responseIds);
    const got = await model.attribute(promptIds, responseIds);
    assert.ok(relErr(got.probabilities, ref.probabilities) <= 1e-3);
    assert.ok(relErr(got.attribution, ref.attribution) <= 1e-2);
  });

  test('generation with the KV cache equals recomputing the prefix each step', async () => {
    const { model } = await load('gen', { family: 'llama', numHeads: 4, numKvHeads: 2, seed: 11 });
    const generated = await model.generate(promptIds, 6);
    const slow: number[] = [];
    for (let i = 0; i < generated.length; i++) {
      const logits = await model.nextLogits([...promptIds, ...slow]);
      let best = 0;
      for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
      slow.push(best);
    }
    assert.deepEqual(generated, slow);
    assert.ok(generated.length > 0);
  });
});
