// The engine's forward pass, generation and attribution against the independent float64 reference
// (test/reference) on small random Hugging Face checkpoints of every family.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Graph } from '../../src/graph';
import { loadCheckpoint } from '../../src/runtime/checkpoint';
import { checkpointWeights } from '../../src/runtime/checkpointWeights';
import { LensModel, type LoadOptions } from '../../src/runtime/lensModel';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';
import { naiveAttributionFD, naiveEmbed, naiveLogits } from '../reference/naiveTransformer';
import { relErr } from '../helpers/relativeError';

const root = mkdtempSync(join(tmpdir(), 'lens-runtime-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function load(
  name: string,
  options: RandomCheckpointOptions,
  computeDtype: 'float32' | 'float64' = 'float32',
  attributionBatch?: number,
) {
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
  [
    'llama3-rope-scaling',
    {
      family: 'llama',
      ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 },
      seed: 4,
    },
  ],
  ['qwen2-bf16', { family: 'qwen2', dtype: 'BF16', numHeads: 4, numKvHeads: 2, seed: 5 }],
  ['llama-tied-f16', { family: 'llama', dtype: 'F16', tie: true, seed: 6 }],
  ['mistral-window', { family: 'mistral', slidingWindow: 3, seed: 7 }],
  ['gpt2-sharded', { family: 'gpt2', shard: true, prefix: true, seed: 8 }],
  // qwen3: per-head q/k norm, head_dim (12) unlike hidden / heads (8), GQA, a window of 3 on layer 1 only
  [
    'qwen3-qknorm-window',
    {
      family: 'qwen3',
      hiddenSize: 32,
      numHeads: 4,
      numKvHeads: 2,
      headDim: 12,
      slidingWindow: 3,
      maxWindowLayers: 1,
      seed: 9,
    },
  ],
  // olmo2: norms after each sublayer, q/k norm over the whole projection, GQA, f16
  ['olmo2-post-norms-f16', { family: 'olmo2', dtype: 'F16', numHeads: 4, numKvHeads: 2, seed: 11 }],
  // gemma2: (1 + w) norms, embeddings times sqrt(D), four norms a layer, soft caps small enough to bend the
  // scores and logits, query_pre_attn_scalar unlike head_dim, a window of 3 on layer 0 (the default pattern)
  [
    'gemma2-softcaps-window',
    {
      family: 'gemma2',
      numHeads: 4,
      numKvHeads: 2,
      headDim: 12,
      slidingWindow: 3,
      attnSoftcap: 1.0,
      finalSoftcap: 2.0,
      queryPreAttnScalar: 20,
      seed: 12,
    },
  ],
  [
    'gemma2-bf16-layer-types-no-attn-cap',
    {
      family: 'gemma2',
      dtype: 'BF16',
      numKvHeads: 1,
      slidingWindow: 4,
      layerTypes: ['full_attention', 'sliding_attention'],
      attnSoftcap: null,
      finalSoftcap: 1.5,
      seed: 13,
    },
  ],
  // gemma3: per-head (1 + w) q/k norms, sliding layers 0 and 2 of 3 (pattern 2) with their own rotation base,
  // the global layer's rotation scaled (linear 2), no soft caps; then as the multimodal checkpoint saves it
  [
    'gemma3-text-two-ropes',
    {
      family: 'gemma3',
      numLayers: 3,
      numHeads: 4,
      numKvHeads: 2,
      headDim: 12,
      slidingWindow: 3,
      slidingWindowPattern: 2,
      ropeTheta: 1000,
      ropeLocalBaseFreq: 10,
      ropeScaling: { type: 'linear', factor: 2 },
      queryPreAttnScalar: 16,
      seed: 14,
    },
  ],
  [
    'gemma3-multimodal-bf16',
    {
      family: 'gemma3',
      multimodal: true,
      dtype: 'BF16',
      numKvHeads: 2,
      slidingWindow: 4,
      slidingWindowPattern: 2,
      ropeLocalBaseFreq: 10,
      seed: 15,
    },
  ],
  // phi3: fused qkv_proj and gate_up_proj, half of each head rotated, a window of 3 on every layer, GQA
  [
    'phi3-fused-partial-rotary',
    { family: 'phi3', numHeads: 4, numKvHeads: 2, partialRotaryFactor: 0.5, slidingWindow: 3, seed: 16 },
  ],
  // phi3 longrope: 13 positions beyond an original context of 8, so the long factors and the attention
  // factor sqrt(1 + ln(64/8) / ln 8) rotate every position
  [
    'phi3-longrope-long',
    {
      family: 'phi3',
      numKvHeads: 2,
      maxPositions: 64,
      ropeScaling: {
        type: 'longrope',
        shortFactor: [1, 1.5, 2, 4],
        longFactor: [2, 3, 5, 9],
        originalMaxPositions: 8,
        attentionFactor: 0,
      },
      seed: 17,
    },
  ],
  [
    'qwen3-bf16-tied-layer-types',
    {
      family: 'qwen3',
      dtype: 'BF16',
      tie: true,
      numKvHeads: 2,
      slidingWindow: 4,
      layerTypes: ['sliding_attention', 'full_attention'],
      seed: 10,
    },
  ],
  // mixtral: 4 experts, 2 a token, renormalised; mistral's attention with a window of 3, GQA
  [
    'mixtral-experts-window',
    { family: 'mixtral', numKvHeads: 2, experts: 4, expertsPerToken: 2, slidingWindow: 3, seed: 20 },
  ],
  // qwen3_moe: 5 experts of width 24, 3 a token, not renormalised; layer 0 dense (mlp_only_layers), layers 1
  // and 2 routed; per-head q/k norm, head_dim 12; bf16
  [
    'qwen3-moe-unnormalised-bf16',
    {
      family: 'qwen3_moe',
      dtype: 'BF16',
      numLayers: 3,
      numKvHeads: 2,
      headDim: 12,
      experts: 5,
      expertsPerToken: 3,
      moeIntermediateSize: 24,
      normTopkProb: false,
      mlpOnlyLayers: [0],
      seed: 21,
    },
  ],
  // qwen3_moe: experts on every second layer (decoder_sparse_step 2), one expert a token, f16
  [
    'qwen3-moe-sparse-step-top1-f16',
    { family: 'qwen3_moe', dtype: 'F16', numLayers: 2, experts: 3, expertsPerToken: 1, decoderSparseStep: 2, seed: 22 },
  ],
];

const promptIds = [276, 72, 101, 108, 108, 111, 32, 119];
const responseIds = [111, 114, 108, 100, 33];

describe('engine against the float64 reference', () => {
  for (const [name, options] of cases) {
    test(`${name}: logits in float64 match to 1e-9`, async () => {
      const { written, model } = await load(`${name}-64`, options, 'float64');
      const ids = [...promptIds, ...responseIds];
      const ref = naiveLogits(
        written.config,
        written.weights,
        naiveEmbed(written.config, written.weights, ids),
        ids.length,
      );
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
    const { written, model } = await load(
      'batched',
      { family: 'llama', numHeads: 4, numKvHeads: 2, seed: 12 },
      'float32',
      2,
    );
    const ref = naiveAttributionFD(written.config, written.weights, promptIds, responseIds);
    const got = await model.attribute(promptIds, responseIds);
    assert.ok(relErr(got.probabilities, ref.probabilities) <= 1e-3);
    assert.ok(relErr(got.attribution, ref.attribution) <= 1e-2);
  });

  test('longrope, batches of 2: every batch rotates as the whole (long) sequence, whatever its prefix', async () => {
    // 12 positions in all (8 prompt tokens, 5 response tokens but the last) beyond an original context of 10;
    // the first batch's prefix (9 positions) is within it
    const longrope = {
      type: 'longrope' as const,
      shortFactor: [1, 1.5, 2, 4],
      longFactor: [2, 3, 5, 9],
      originalMaxPositions: 10,
      attentionFactor: 0,
    };
    const { written, model } = await load(
      'batched-longrope',
      { family: 'phi3', numKvHeads: 2, maxPositions: 64, ropeScaling: longrope, seed: 18 },
      'float32',
      2,
    );
    const ref = naiveAttributionFD(written.config, written.weights, promptIds, responseIds);
    const got = await model.attribute(promptIds, responseIds);
    assert.ok(
      relErr(got.probabilities, ref.probabilities) <= 1e-3,
      `probabilities ${relErr(got.probabilities, ref.probabilities)}`,
    );
    assert.ok(
      relErr(got.attribution, ref.attribution) <= 1e-2,
      `attribution ${relErr(got.attribution, ref.attribution)}`,
    );
  });

  for (const [label, options] of [
    ['llama', { family: 'llama', numHeads: 4, numKvHeads: 2, seed: 11 }],
    // one token a step: each step routes its token alone
    ['mixtral', { family: 'mixtral', numKvHeads: 2, experts: 4, expertsPerToken: 2, seed: 23 }],
    // the step graph's sequence length (cache + new) picks the short factors while within the context
    [
      'phi3 longrope',
      {
        family: 'phi3',
        numKvHeads: 2,
        maxPositions: 64,
        ropeScaling: {
          type: 'longrope',
          shortFactor: [1, 1.5, 2, 4],
          longFactor: [2, 3, 5, 9],
          originalMaxPositions: 32,
          attentionFactor: 0,
        },
        seed: 19,
      },
    ],
  ] as [string, RandomCheckpointOptions][])
    test(`generation with the KV cache equals recomputing the prefix each step (${label})`, async () => {
      const { model } = await load(`gen-${label.replace(/\W+/g, '-')}`, options);
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

test('generation stops where prompt and response fill the context; that sequence can be read again whole', async () => {
  const { model } = await load('gen-context', { family: 'llama', maxPositions: 16, seed: 23 });
  const generated = await model.generate(promptIds, 100);
  assert.ok(!model.config.eosTokenIds.includes(generated.at(-1)!), 'this seed never ends its answer');
  const T = promptIds.length + generated.length;
  assert.equal(T, 16, 'prompt and response fill the context, and not one position more');
  const maps = await model.attention([...promptIds, ...generated]);
  assert.equal(maps[0].length, model.config.numHeads * T * T);
});

describe('the memory-saving forms compute the same thing', () => {
  async function loadWith(name: string, options: RandomCheckpointOptions, load: LoadOptions) {
    const written = writeRandomCheckpoint(join(root, name), options);
    const ckpt = await loadCheckpoint(written.dir);
    assert.ok(ckpt.ok, ckpt.ok ? '' : ckpt.error.message);
    const model = await LensModel.load(ckpt.value, { threads: 1, ...load });
    assert.ok(model.ok, model.ok ? '' : model.error.message);
    after(() => model.value.dispose());
    return { written, checkpoint: ckpt.value, model: model.value };
  }

  for (const [name, options] of [
    ['qwen2-bf16', { family: 'qwen2', dtype: 'BF16', numHeads: 4, numKvHeads: 2, seed: 21 }],
    ['llama-tied-f16', { family: 'llama', dtype: 'F16', tie: true, seed: 22 }],
  ] as [string, RandomCheckpointOptions][]) {
    test(`${name}: the LM head in row blocks equals the whole head (logits, generation, attribution)`, async () => {
      // 4 KiB blocks: a few hundred rows of 32 floats, so the vocabulary splits into uneven blocks
      const blocked = await loadWith(`${name}-blocks`, options, { widenBlockBytes: 4096 });
      const whole = await loadWith(`${name}-whole`, options, { widenBlockBytes: Infinity });
      const { config, weights } = blocked.checkpoint;
      const headName = options.tie ? 'model.embed_tokens.weight' : 'lm_head.weight';
      const blocks = checkpointWeights(new Graph('float32'), weights, 'test', { widenBlockBytes: 4096 }).rowBlocks!(
        headName,
      );
      assert.ok(blocks.length > 2, `${blocks.length} blocks`);
      assert.equal(
        blocks.reduce((n, b) => n + (b.shape[0] as number), 0),
        config.vocabSize,
      );
      assert.ok(blocks.every((b) => b.shape[1] === config.hiddenSize && b.dtype === 'float32'));
      const ids = [...promptIds, ...responseIds];
      assert.ok(relErr(await blocked.model.nextLogits(ids), await whole.model.nextLogits(ids)) < 1e-6);
      assert.deepEqual(await blocked.model.generate(promptIds, 5), await whole.model.generate(promptIds, 5));
      const [a, b] = [
        await blocked.model.attribute(promptIds, responseIds),
        await whole.model.attribute(promptIds, responseIds),
      ];
      assert.ok(relErr(a.probabilities, b.probabilities) < 1e-6);
      assert.ok(relErr(a.attribution, b.attribution) < 1e-5);
    });
  }

  test('backward chains 1, 2, 3 give the same attribution, also in batches with fewer rows than chains', async () => {
    const options: RandomCheckpointOptions = { family: 'llama', dtype: 'BF16', numHeads: 4, numKvHeads: 2, seed: 23 };
    // batches of 2 over 5 response tokens: 2, 2, 1 rows, so 3 chains repeat a row in every batch
    const results = [];
    for (const chains of [1, 2, 3]) {
      const { model } = await loadWith(`chains-${chains}`, options, {
        computeDtype: 'float64',
        attributionBatch: 2,
        backwardChains: chains,
      });
      results.push(await model.attribute(promptIds, responseIds));
    }
    for (const r of results.slice(1)) {
      assert.ok(relErr(r.probabilities, results[0].probabilities) < 1e-12);
      assert.ok(
        relErr(r.attribution, results[0].attribution) < 1e-10,
        `${relErr(r.attribution, results[0].attribution)}`,
      );
    }
    assert.ok(results[0].attribution.some((v) => v !== 0));
  });
});

test('attribute: an aborted signal stops the run before its next batch; the finished columns are exact', async () => {
  const { model } = await load(
    'abort',
    { family: 'llama', hiddenSize: 16, numLayers: 1, numHeads: 2, numKvHeads: 1, seed: 71 },
    'float32',
    2,
  );
  const full = await model.attribute(promptIds, responseIds);
  assert.equal(full.complete, true);
  const abort = new AbortController();
  const batches: number[] = [];
  const partial = await model.attribute(
    promptIds,
    responseIds,
    (done) => {
      batches.push(done);
      abort.abort(); // after the first batch of 2 columns (5 tokens: batches of 2, 2, 1)
    },
    abort.signal,
  );
  assert.equal(partial.complete, false);
  assert.deepEqual(batches, [2], 'no batch runs after the abort');
  const M = responseIds.length;
  for (let n = 0; n < promptIds.length; n++) {
    for (let m = 0; m < M; m++) {
      const expected = m < 2 ? full.attribution[n * M + m] : 0;
      assert.equal(partial.attribution[n * M + m], expected, `[${n}, ${m}]`);
    }
  }
  const before = await model.attribute(promptIds, responseIds, undefined, AbortSignal.abort());
  assert.equal(before.complete, false);
  assert.ok(before.attribution.every((x) => x === 0));
});
