// Checks the oracles the engine's attribution is tested against: the position/target convention of
// naiveProbability, that distributions sum to 1, and the finite-difference attribution three ways — by hand
// on block-free models, against the per-entry gradient dotted with E, and across two step sizes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelConfig } from '../../src/model/config';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';
import {
  naiveAttributionFD,
  naiveEmbed,
  naiveInputGradientFD,
  naiveLogits,
  naiveProbability,
  naiveSoftmaxRow,
  type Weights,
} from './naiveTransformer';

// T tokens, D width, V vocab, N prompt tokens, M response tokens
const root = mkdtempSync(join(tmpdir(), 'naive-transformer-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const checkpoint = (o: RandomCheckpointOptions) => writeRandomCheckpoint(join(root, `ck${count++}`), o);

const PROMPT = [276, 116, 257, 32, 99]; // BOS first

/** Greedy continuation of `prompt` by M tokens, from the reference itself. */
function greedy(config: ModelConfig, weights: Weights, prompt: number[], M: number): number[] {
  const ids = [...prompt];
  for (let m = 0; m < M; m++) {
    const logits = naiveLogits(config, weights, naiveEmbed(config, weights, ids), ids.length);
    const p = naiveSoftmaxRow(logits, config.vocabSize, ids.length - 1);
    ids.push(p.indexOf(Math.max(...p)));
  }
  return ids.slice(prompt.length);
}

test(
  'naiveProbability(ids, t, target) is softmax(logits[t])[target]: p of the token after t; later ' +
    'tokens do not matter',
  () => {
    for (const family of ['llama', 'gpt2'] as const) {
      const { config, weights } = checkpoint({ family, hiddenSize: 16, seed: 21 });
      const ids = [...PROMPT, 40, 41];
      const logits = naiveLogits(config, weights, naiveEmbed(config, weights, ids), ids.length);
      for (const t of [0, 3, ids.length - 2]) {
        const row = naiveSoftmaxRow(logits, config.vocabSize, t);
        assert.ok(Math.abs(row.reduce((s, p) => s + p, 0) - 1) < 1e-12);
        const p = naiveProbability(config, weights, ids, t, ids[t + 1]);
        assert.equal(p, row[ids[t + 1]]);
        // truncating after t changes nothing
        assert.equal(naiveProbability(config, weights, ids.slice(0, t + 1), t, ids[t + 1]), p);
      }
      // an override of the embeddings replaces the lookup
      const E = naiveEmbed(config, weights, ids);
      assert.equal(naiveProbability(config, weights, ids, 4, 40, E), naiveProbability(config, weights, ids, 4, 40));
      E[2 * config.hiddenSize] += 0.5;
      assert.notEqual(naiveProbability(config, weights, ids, 4, 40, E), naiveProbability(config, weights, ids, 4, 40));
    }
  },
);

test('attribution layout: (N, M) over prompt rows and response columns; probabilities are p(y_m | x, y_<m)', () => {
  const { config, weights } = checkpoint({ family: 'mistral', hiddenSize: 16, numKvHeads: 2, seed: 22 });
  const response = greedy(config, weights, PROMPT, 3);
  const r = naiveAttributionFD(config, weights, PROMPT, response);
  assert.equal(r.N, PROMPT.length);
  assert.equal(r.M, 3);
  assert.equal(r.attribution.length, r.N * r.M);
  const ids = [...PROMPT, ...response];
  for (let m = 0; m < r.M; m++) {
    assert.equal(r.probabilities[m], naiveProbability(config, weights, ids, r.N - 1 + m, response[m]));
    assert.ok(r.probabilities[m] > 1e-3 && r.probabilities[m] < 1, `greedy p ${r.probabilities[m]}`);
  }
  // not all tiny: gradient x input of a probability this size moves by a visible fraction of it
  let largest = 0;
  for (const a of r.attribution) largest = Math.max(largest, Math.abs(a));
  assert.ok(largest > 1e-3 * Math.min(...r.probabilities), `largest |A| ${largest}`);
});

test('block-free gpt2: A[N-1, 0] matches the LayerNorm/softmax derivative by hand, every other entry is 0', () => {
  const { config, weights } = checkpoint({ family: 'gpt2', numLayers: 1, hiddenSize: 16, numHeads: 2, seed: 23 });
  const D = config.hiddenSize;
  const V = config.vocabSize;
  const w = (n: string) => weights.get(n)!;
  const zeroed = new Map(weights); // each block adds only its output biases: position t sees only E_t + wpe_t
  zeroed.set('h.0.attn.c_proj.weight', new Float64Array(D * D));
  zeroed.set('h.0.mlp.c_proj.weight', new Float64Array(config.intermediateSize * D));
  const response = [40, 41, 42];
  const N = PROMPT.length;
  const r = naiveAttributionFD(config, zeroed, PROMPT, response);

  // by hand: x = E + wpe[N-1] + c (c the two biases), z = LN_f(x) wte^T, A = d p_y / d e along E
  const id = PROMPT[N - 1];
  const E = Array.from({ length: D }, (_, d) => w('wte.weight')[id * D + d]);
  const x = E.map(
    (e, d) => e + w('wpe.weight')[(N - 1) * D + d] + w('h.0.attn.c_proj.bias')[d] + w('h.0.mlp.c_proj.bias')[d],
  );
  const mean = x.reduce((s, v) => s + v, 0) / D;
  const sigma = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / D + config.normEps);
  const xhat = x.map((v) => (v - mean) / sigma);
  const meanE = E.reduce((s, v) => s + v, 0) / D;
  const meanEXhat = E.reduce((s, v, d) => s + v * xhat[d], 0) / D;
  const dXhat = E.map((v, d) => (v - meanE - xhat[d] * meanEXhat) / sigma);
  const g = w('ln_f.weight');
  const b = w('ln_f.bias');
  const z = new Float64Array(V);
  const dz = new Float64Array(V);
  for (let v = 0; v < V; v++) {
    for (let d = 0; d < D; d++) {
      z[v] += (xhat[d] * g[d] + b[d]) * w('wte.weight')[v * D + d];
      dz[v] += dXhat[d] * g[d] * w('wte.weight')[v * D + d];
    }
  }
  const zMax = Math.max(...z);
  const ez = Array.from(z, (v) => Math.exp(v - zMax));
  const sum = ez.reduce((s, v) => s + v, 0);
  const p = ez.map((v) => v / sum);
  const y = response[0];
  const expected = p[y] * (dz[y] - p.reduce((s, pv, v) => s + pv * dz[v], 0));

  assert.ok(Math.abs(r.probabilities[0] - p[y]) < 1e-14);
  const got = r.attribution[(N - 1) * r.M + 0];
  assert.ok(Math.abs(got - expected) < 1e-8 * Math.abs(expected) + 1e-14, `${got} vs ${expected}`);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < r.M; m++) if (!(n === N - 1 && m === 0)) assert.equal(r.attribution[n * r.M + m], 0);
  }
});

test(
  'block-free llama: RMSNorm is scale-free but for eps, so A[N-1, 0] = p_y (dz_y - E_p[dz]) with ' +
    'dz = z eps / (ms + eps)',
  () => {
    const { config, weights } = checkpoint({ family: 'llama', numLayers: 1, hiddenSize: 16, normEps: 0.05, seed: 24 });
    assert.equal(config.normEps, 0.05);
    const D = config.hiddenSize;
    const V = config.vocabSize;
    const zeroed = new Map(weights);
    zeroed.set('model.layers.0.self_attn.o_proj.weight', new Float64Array(D * config.numHeads * config.headDim));
    zeroed.set('model.layers.0.mlp.down_proj.weight', new Float64Array(D * config.intermediateSize));
    const N = PROMPT.length;
    const response = [40, 41];
    const r = naiveAttributionFD(config, zeroed, PROMPT, response);

    const id = PROMPT[N - 1];
    const E = weights.get('model.embed_tokens.weight')!.subarray(id * D, (id + 1) * D);
    const ms = E.reduce((s, v) => s + v * v, 0) / D;
    const gain = weights.get('model.norm.weight')!;
    const W = weights.get('lm_head.weight')!;
    const z = new Float64Array(V);
    for (let v = 0; v < V; v++)
      for (let d = 0; d < D; d++) z[v] += W[v * D + d] * gain[d] * (E[d] / Math.sqrt(ms + config.normEps));
    // d/de of (1+e) / sqrt((1+e)^2 ms + eps), over its value, at e = 0
    const c = config.normEps / (ms + config.normEps);
    const zMax = Math.max(...z);
    const ez = Array.from(z, (v) => Math.exp(v - zMax));
    const sum = ez.reduce((s, v) => s + v, 0);
    const p = ez.map((v) => v / sum);
    const y = response[0];
    const expected = p[y] * (c * z[y] - p.reduce((s, pv, v) => s + pv * c * z[v], 0));
    const got = r.attribution[(N - 1) * r.M];
    assert.ok(Math.abs(expected) > 1e-6, `the hand value ${expected} is big enough to test`);
    assert.ok(Math.abs(got - expected) < 1e-7 * Math.abs(expected), `${got} vs ${expected}`);
  },
);

test('full models: A[n, m] equals Σ_d ∂p/∂E[n, d] E[n, d] from per-entry differences, and two step sizes agree', () => {
  for (const o of [
    { family: 'qwen2', hiddenSize: 16, numHeads: 4, numKvHeads: 2, seed: 25 },
    { family: 'gpt2', hiddenSize: 16, numHeads: 2, seed: 26 },
  ] as const) {
    const { config, weights } = checkpoint(o);
    const D = config.hiddenSize;
    const response = greedy(config, weights, PROMPT, 2);
    const fine = naiveAttributionFD(config, weights, PROMPT, response, 1e-4);
    const coarse = naiveAttributionFD(config, weights, PROMPT, response, 1e-3);
    const scale = Math.max(...Array.from(fine.attribution, Math.abs));
    for (let i = 0; i < fine.attribution.length; i++) {
      // central differences: the error falls as eps^2, so 1e-3 is within ~1e-6 relative of 1e-4
      assert.ok(Math.abs(fine.attribution[i] - coarse.attribution[i]) < 1e-5 * scale, `${o.family} entry ${i}`);
    }
    const ids = [...PROMPT, ...response];
    const E = naiveEmbed(config, weights, ids);
    const m = 1;
    const grad = naiveInputGradientFD(config, weights, ids, PROMPT.length - 1 + m, response[m]); // (T, D)
    for (let n = 0; n < PROMPT.length; n++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += grad[n * D + d] * E[n * D + d];
      const a = fine.attribution[n * fine.M + m];
      assert.ok(Math.abs(dot - a) < 1e-6 * scale, `${o.family} row ${n}: ${dot} vs ${a}`);
    }
    // the rows after the predicting position get no gradient
    for (let d = 0; d < D; d++) assert.equal(grad[(ids.length - 1) * D + d], 0);
  }
});
