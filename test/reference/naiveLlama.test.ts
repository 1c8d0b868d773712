// Checks the naive Llama-family reference itself (it is what the engine is checked against): causality,
// attention rows, GQA, the sliding window, RoPE's layout and llama3 scaling, the tied head, and a
// block-free model computed by hand.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelConfig } from '../../src/model/config';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';
import { applyRope, naiveEmbed, naiveLlamaLogits, ropeInvFreq, type NaiveTrace } from './naiveLlama';

// T tokens, D hidden size, V vocab, H heads
const root = mkdtempSync(join(tmpdir(), 'naive-llama-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const checkpoint = (o: RandomCheckpointOptions) => writeRandomCheckpoint(join(root, `ck${count++}`), o);

const IDS = [276, 116, 257, 32, 99, 271, 40, 104, 101, 108, 111]; // BOS + bytes/merges of the byte-level tokenizer

function logitsOf(config: ModelConfig, weights: ReadonlyMap<string, Float64Array>, ids: number[], trace?: NaiveTrace) {
  return naiveLlamaLogits(config, weights, naiveEmbed(config, weights, ids), ids.length, trace);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = a.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('changing a later token leaves the logits of earlier positions untouched (llama, qwen2, mistral)', () => {
  for (const family of ['llama', 'qwen2', 'mistral'] as const) {
    const { config, weights } = checkpoint({ family, numKvHeads: 2, seed: 3 });
    const V = config.vocabSize;
    const a = logitsOf(config, weights, IDS);
    const k = 6;
    const changed = [...IDS];
    changed[k] = 200;
    const b = logitsOf(config, weights, changed);
    assert.equal(maxAbsDiff(a, b, 0, k * V), 0, `${family}: rows before ${k} must not move at all`);
    assert.ok(maxAbsDiff(a, b, k * V, (k + 1) * V) > 1e-3, `${family}: row ${k} must see its own token`);
    assert.ok(
      maxAbsDiff(a, b, (IDS.length - 1) * V, IDS.length * V) > 1e-6,
      `${family}: the last row must see token ${k}`,
    );
  }
});

test('attention rows are distributions over visible keys, zero elsewhere', () => {
  const { config, weights } = checkpoint({ family: 'qwen2', numKvHeads: 2, seed: 4 });
  const trace: NaiveTrace = { attentions: [] };
  logitsOf(config, weights, IDS, trace);
  const T = IDS.length;
  assert.equal(trace.attentions.length, config.numLayers);
  for (const probs of trace.attentions) {
    assert.equal(probs.length, config.numHeads * T * T);
    for (let h = 0; h < config.numHeads; h++) {
      for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < T; j++) {
          const a = probs[(h * T + i) * T + j];
          if (j > i) assert.equal(a, 0);
          else assert.ok(a > 0);
          sum += a;
        }
        assert.ok(Math.abs(sum - 1) < 1e-12);
      }
    }
  }
  // neither uniform nor one-hot: the random weights must give attention something to do
  let maxRow = 0;
  let minRow = 1;
  for (const probs of trace.attentions) {
    for (let h = 0; h < config.numHeads; h++) {
      for (let i = 4; i < T; i++) {
        let m = 0;
        for (let j = 0; j <= i; j++) m = Math.max(m, probs[(h * T + i) * T + j]);
        maxRow = Math.max(maxRow, m);
        minRow = Math.min(minRow, m);
      }
    }
  }
  assert.ok(maxRow < 0.99 && minRow < 0.5, `row maxima ${minRow}..${maxRow}`);
});

test('GQA: 4 query heads over 2 key/value heads equal 4 heads with each key/value head duplicated', () => {
  const { config, weights } = checkpoint({ family: 'qwen2', numHeads: 4, numKvHeads: 2, seed: 5 }); // qwen2: biases too
  const Dh = config.headDim;
  const D = config.hiddenSize;
  const group = config.numHeads / config.numKvHeads;
  const expanded = new Map(weights);
  for (let l = 0; l < config.numLayers; l++) {
    for (const kind of ['k_proj', 'v_proj']) {
      const W = weights.get(`model.layers.${l}.self_attn.${kind}.weight`)!; // (Hkv Dh, D)
      const b = weights.get(`model.layers.${l}.self_attn.${kind}.bias`)!; // (Hkv Dh)
      const W4 = new Float64Array(config.numHeads * Dh * D);
      const b4 = new Float64Array(config.numHeads * Dh);
      for (let h = 0; h < config.numHeads; h++) {
        const g = Math.floor(h / group); // query head h reads kv head g: heads 0,1 -> 0; 2,3 -> 1
        for (let r = 0; r < Dh; r++) {
          b4[h * Dh + r] = b[g * Dh + r];
          for (let c = 0; c < D; c++) W4[(h * Dh + r) * D + c] = W[(g * Dh + r) * D + c];
        }
      }
      expanded.set(`model.layers.${l}.self_attn.${kind}.weight`, W4);
      expanded.set(`model.layers.${l}.self_attn.${kind}.bias`, b4);
    }
  }
  const mha: ModelConfig = { ...config, numKvHeads: config.numHeads };
  const a = logitsOf(config, weights, IDS);
  const b = logitsOf(mha, expanded, IDS);
  assert.ok(maxAbsDiff(a, b) < 1e-12, `max diff ${maxAbsDiff(a, b)}`);
  // and the grouping matters: pairing heads the other way (h % Hkv) gives other logits
  const swapped = new Map(expanded);
  for (let l = 0; l < config.numLayers; l++) {
    for (const kind of ['k_proj', 'v_proj']) {
      const W4 = expanded.get(`model.layers.${l}.self_attn.${kind}.weight`)!;
      const W4s = Float64Array.from(W4); // swap heads 1 and 2: query heads then read kv heads 0, 1, 0, 1
      W4s.set(W4.subarray(1 * Dh * D, 2 * Dh * D), 2 * Dh * D);
      W4s.set(W4.subarray(2 * Dh * D, 3 * Dh * D), 1 * Dh * D);
      swapped.set(`model.layers.${l}.self_attn.${kind}.weight`, W4s);
    }
  }
  assert.ok(maxAbsDiff(a, logitsOf(mha, swapped, IDS)) > 1e-4);
});

test('mistral sliding window W: key j is visible to query i iff i - W < j <= i', () => {
  const W = 3;
  const one = checkpoint({ family: 'mistral', numLayers: 1, slidingWindow: W, seed: 6 });
  assert.equal(one.config.slidingWindow, W);
  const V = one.config.vocabSize;
  const T = IDS.length;
  const changed = [...IDS];
  changed[0] = 200;
  const rowMoves = (cfg: ModelConfig, w: ReadonlyMap<string, Float64Array>) => {
    const a = logitsOf(cfg, w, IDS);
    const b = logitsOf(cfg, w, changed);
    return Array.from({ length: T }, (_, i) => maxAbsDiff(a, b, i * V, (i + 1) * V) > 0);
  };
  // one layer: token 0 reaches queries 0..W-1 only
  assert.deepEqual(
    rowMoves(one.config, one.weights),
    Array.from({ length: T }, (_, i) => i < W),
  );
  // a trace shows the band directly
  const trace: NaiveTrace = { attentions: [] };
  logitsOf(one.config, one.weights, IDS, trace);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++)
      assert.equal(trace.attentions[0][i * T + j] > 0, j <= i && j > i - W, `query ${i} key ${j}`);
  }
  // two layers: the reach grows to 2 (W - 1)
  const two = checkpoint({ family: 'mistral', numLayers: 2, slidingWindow: W, seed: 6 });
  assert.deepEqual(
    rowMoves(two.config, two.weights),
    Array.from({ length: T }, (_, i) => i <= 2 * (W - 1)),
  );
  // a window at least T long is plain causal attention
  const wide = logitsOf({ ...two.config, slidingWindow: T }, two.weights, IDS);
  const none = logitsOf({ ...two.config, slidingWindow: null }, two.weights, IDS);
  assert.equal(maxAbsDiff(wide, none), 0);
});

test('RoPE rotates halves [x1, x2] (rotate_half), keeps norms, and makes q.k depend on the offset only', () => {
  // Dh = 4: pairs (0, 2) and (1, 3)
  const x = Float64Array.from([1, 0, 0, 0]);
  applyRope(x, 0, 4, 1, Float64Array.from([1, 0.01]));
  assert.ok(maxAbsDiff(x, [Math.cos(1), 0, Math.sin(1), 0]) < 1e-15);
  const y = Float64Array.from([0, 0, 1, 0]);
  applyRope(y, 0, 4, 1, Float64Array.from([1, 0.01]));
  assert.ok(maxAbsDiff(y, [-Math.sin(1), 0, Math.cos(1), 0]) < 1e-15);

  const config = { headDim: 8, ropeTheta: 10000, ropeScaling: null } as unknown as ModelConfig;
  const inv = ropeInvFreq(config);
  assert.ok(maxAbsDiff(inv, [1, 0.1, 0.01, 0.001]) < 1e-15);
  const q = Float64Array.from([0.3, -1.2, 0.5, 0.9, -0.4, 0.1, 1.1, -0.7]);
  const k = Float64Array.from([1.0, 0.2, -0.6, 0.4, 0.8, -0.3, 0.05, 0.6]);
  const dotAt = (pq: number, pk: number) => {
    const a = Float64Array.from(q);
    const b = Float64Array.from(k);
    applyRope(a, 0, 8, pq, inv);
    applyRope(b, 0, 8, pk, inv);
    return a.reduce((s, v, i) => s + v * b[i], 0);
  };
  assert.ok(Math.abs(dotAt(5, 2) - dotAt(9, 6)) < 1e-12);
  assert.ok(Math.abs(dotAt(5, 2) - dotAt(5, 3)) > 1e-3);
  const r = Float64Array.from(q);
  applyRope(r, 0, 8, 7, inv);
  assert.ok(Math.abs(Math.hypot(...r) - Math.hypot(...q)) < 1e-12);
  const same = Float64Array.from(q);
  applyRope(same, 0, 8, 0, inv);
  assert.deepEqual(same, q, 'position 0 is the identity');
});

test('rope_scaling: linear divides every frequency, llama3 keeps high, divides low, blends the middle', () => {
  const base = { headDim: 8, ropeTheta: 10000 } as const;
  const linear = ropeInvFreq({ ...base, ropeScaling: { type: 'linear', factor: 4 } } as unknown as ModelConfig);
  assert.ok(maxAbsDiff(linear, [0.25, 0.025, 0.0025, 0.00025]) < 1e-15);
  // wavelengths 2 pi / inv: 6.28, 62.8, 628, 6283; original 64 positions, low 1, high 4: thresholds 64 and 16
  const llama3 = ropeInvFreq({
    ...base,
    ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 64 },
  } as unknown as ModelConfig);
  const smooth = (64 / ((2 * Math.PI) / 0.1) - 1) / (4 - 1);
  const expected = [1, (1 - smooth) * (0.1 / 8) + smooth * 0.1, 0.01 / 8, 0.001 / 8];
  assert.ok(maxAbsDiff(llama3, expected) < 1e-15, `${llama3} vs ${expected}`);

  // and the checkpoint's config carries it into the forward pass
  const plain = checkpoint({ family: 'llama', seed: 8 });
  const scaled = checkpoint({
    family: 'llama',
    seed: 8,
    ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 64 },
  });
  assert.deepEqual(scaled.config.ropeScaling, {
    type: 'llama3',
    factor: 8,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositions: 64,
  });
  const a = logitsOf(plain.config, plain.weights, IDS);
  const b = logitsOf(scaled.config, scaled.weights, IDS);
  const V = plain.config.vocabSize;
  assert.equal(maxAbsDiff(a, b, 0, V), 0, 'position 0 is not rotated');
  assert.ok(maxAbsDiff(a, b) > 1e-4);
});

test('a tied checkpoint reads its head from embed_tokens', () => {
  const tied = checkpoint({ family: 'llama', tie: true, seed: 9 });
  assert.equal(tied.config.tieWordEmbeddings, true);
  assert.equal(tied.weights.has('lm_head.weight'), false);
  const untied = new Map(tied.weights);
  untied.set('lm_head.weight', tied.weights.get('model.embed_tokens.weight')!);
  const a = logitsOf(tied.config, tied.weights, IDS);
  const b = logitsOf({ ...tied.config, tieWordEmbeddings: false }, untied, IDS);
  assert.equal(maxAbsDiff(a, b), 0);
});

test('with the blocks zeroed, logits are lm_head . (RMSNorm(E_t) * norm weight), computed by hand', () => {
  const { config, weights } = checkpoint({ family: 'llama', numLayers: 1, seed: 10 });
  const zeroed = new Map(weights);
  for (const name of ['model.layers.0.self_attn.o_proj.weight', 'model.layers.0.mlp.down_proj.weight']) {
    zeroed.set(name, new Float64Array(weights.get(name)!.length));
  }
  const D = config.hiddenSize;
  const V = config.vocabSize;
  const ids = [276, 116, 257];
  const logits = logitsOf(config, zeroed, ids);
  const E = weights.get('model.embed_tokens.weight')!;
  const g = weights.get('model.norm.weight')!;
  const W = weights.get('lm_head.weight')!;
  for (let t = 0; t < ids.length; t++) {
    const row = E.subarray(ids[t] * D, (ids[t] + 1) * D);
    const rms = Math.sqrt(row.reduce((s, v) => s + v * v, 0) / D + config.normEps);
    for (const v of [0, 17, ids[t], V - 1]) {
      let z = 0;
      for (let d = 0; d < D; d++) z += W[v * D + d] * ((row[d] / rms) * g[d]);
      assert.ok(Math.abs(logits[t * V + v] - z) < 1e-12);
    }
  }
});
