// Checks the naive GPT-2 reference itself: causality, the activations at known values, the Conv1D (in, out)
// layout and the position embeddings against a one-token forward written out by hand, and that the
// "transformer." prefix changes nothing but names.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelConfig } from '../../src/model/config';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';
import { naiveEmbed, type NaiveTrace } from './naiveLlama';
import { erf, geluExact, geluNew, naiveGpt2Logits } from './naiveGpt2';

// T tokens, D width, V vocab
const root = mkdtempSync(join(tmpdir(), 'naive-gpt2-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const checkpoint = (o: Omit<RandomCheckpointOptions, 'family'>) =>
  writeRandomCheckpoint(join(root, `ck${count++}`), { family: 'gpt2', ...o });

const IDS = [276, 116, 257, 32, 99, 271, 40, 104, 101, 108, 111];

function logitsOf(config: ModelConfig, weights: ReadonlyMap<string, Float64Array>, ids: number[], trace?: NaiveTrace) {
  return naiveGpt2Logits(config, weights, naiveEmbed(config, weights, ids), ids.length, trace);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = a.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('activations at known values', () => {
  assert.ok(Math.abs(erf(0.5) - 0.5204998778130465) < 1e-15);
  assert.ok(Math.abs(erf(2) - 0.9953222650189527) < 1e-15);
  assert.ok(Math.abs(erf(-1) - -0.8427007929497149) < 1e-15);
  assert.ok(Math.abs(erf(4.5) - 0.9999999998033839) < 1e-15);
  assert.ok(Math.abs(geluExact(1) - 0.8413447460685429) < 1e-15);
  assert.ok(Math.abs(geluExact(-2) - -0.04550026389635842) < 1e-15);
  // the tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  assert.ok(Math.abs(geluNew(1) - 0.8411919906082768) < 1e-15);
  assert.ok(Math.abs(geluNew(-2) - -0.04540230591222494) < 1e-15);
  assert.equal(geluNew(0), 0);
});

test('changing a later token leaves earlier logits untouched; attention is causal and normalised', () => {
  const { config, weights } = checkpoint({ seed: 3 });
  const V = config.vocabSize;
  const T = IDS.length;
  const trace: NaiveTrace = { attentions: [] };
  const a = logitsOf(config, weights, IDS, trace);
  const k = 5;
  const changed = [...IDS];
  changed[k] = 200;
  const b = logitsOf(config, weights, changed);
  assert.equal(maxAbsDiff(a, b, 0, k * V), 0);
  assert.ok(maxAbsDiff(a, b, k * V, T * V) > 1e-3);
  for (const probs of trace.attentions) {
    for (let h = 0; h < config.numHeads; h++) {
      for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < T; j++) {
          if (j > i) assert.equal(probs[(h * T + i) * T + j], 0);
          sum += probs[(h * T + i) * T + j];
        }
        assert.ok(Math.abs(sum - 1) < 1e-12);
      }
    }
  }
});

test('one token through one block with the MLP zeroed, written out by hand (Conv1D: x W + b, W (in, out))', () => {
  const { config, weights } = checkpoint({ numLayers: 1, hiddenSize: 16, numHeads: 2, seed: 11 });
  const D = config.hiddenSize;
  const V = config.vocabSize;
  const w = (n: string) => weights.get(n)!;
  const zeroed = new Map(weights);
  zeroed.set('h.0.mlp.c_proj.weight', new Float64Array(w('h.0.mlp.c_proj.weight').length));
  zeroed.set('h.0.mlp.c_proj.bias', new Float64Array(D));

  const ln = (x: number[], g: Float64Array, b: Float64Array) => {
    const mean = x.reduce((s, v) => s + v, 0) / D;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / D;
    return x.map((v, d) => ((v - mean) / Math.sqrt(variance + config.normEps)) * g[d] + b[d]);
  };
  for (const [id, pos] of [
    [116, 0],
    [99, 0],
  ] as const) {
    // with one token, attention returns its own value vector: the columns [2D, 3D) of c_attn
    const x = Array.from({ length: D }, (_, d) => w('wte.weight')[id * D + d] + w('wpe.weight')[pos * D + d]);
    const h = ln(x, w('h.0.ln_1.weight'), w('h.0.ln_1.bias'));
    const value = Array.from({ length: D }, (_, c) => {
      let s = w('h.0.attn.c_attn.bias')[2 * D + c];
      for (let r = 0; r < D; r++) s += h[r] * w('h.0.attn.c_attn.weight')[r * 3 * D + 2 * D + c];
      return s;
    });
    const x1 = x.map((v, c) => {
      let s = v + w('h.0.attn.c_proj.bias')[c];
      for (let r = 0; r < D; r++) s += value[r] * w('h.0.attn.c_proj.weight')[r * D + c];
      return s;
    });
    const f = ln(x1, w('ln_f.weight'), w('ln_f.bias'));
    const logits = logitsOf(config, zeroed, [id]);
    for (const v of [0, id, 150, V - 1]) {
      let z = 0;
      for (let d = 0; d < D; d++) z += f[d] * w('wte.weight')[v * D + d];
      assert.ok(Math.abs(logits[v] - z) < 1e-12, `token ${id} logit ${v}: ${logits[v]} vs ${z}`);
    }
  }
});

test('position embeddings are added: the same token at two positions scores differently', () => {
  const { config, weights } = checkpoint({ numLayers: 1, seed: 12 });
  const V = config.vocabSize;
  // zero the attention's value path so a position sees only its own token
  const zeroed = new Map(weights);
  zeroed.set('h.0.attn.c_proj.weight', new Float64Array(weights.get('h.0.attn.c_proj.weight')!.length));
  const logits = logitsOf(config, zeroed, [116, 116, 116]);
  assert.ok(maxAbsDiff(logits.subarray(0, V), logits.subarray(V, 2 * V)) > 1e-3);
  const noWpe = new Map(zeroed);
  noWpe.set('wpe.weight', new Float64Array(weights.get('wpe.weight')!.length));
  const flat = logitsOf(config, noWpe, [116, 116, 116]);
  assert.ok(maxAbsDiff(flat.subarray(0, V), flat.subarray(V, 2 * V)) < 1e-12);
});

test('the "transformer." prefix changes names only; gelu (exact) differs from gelu_new', () => {
  const plain = checkpoint({ seed: 13 });
  const prefixed = checkpoint({ seed: 13, prefix: true, gpt2MaskBuffers: true });
  assert.ok([...prefixed.weights.keys()].every((n) => n.startsWith('transformer.')));
  const a = logitsOf(plain.config, plain.weights, IDS);
  assert.equal(maxAbsDiff(a, logitsOf(prefixed.config, prefixed.weights, IDS)), 0);
  const exact = logitsOf({ ...plain.config, hiddenAct: 'gelu' }, plain.weights, IDS);
  const d = maxAbsDiff(a, exact);
  assert.ok(d > 1e-6 && d < 0.1, `gelu vs gelu_new differ by ${d}`);
});

test('an untied gpt2 reads lm_head.weight', () => {
  const { config, weights } = checkpoint({ seed: 14, tie: false });
  assert.equal(config.tieWordEmbeddings, false);
  const tiedView = new Map(weights);
  tiedView.set('lm_head.weight', weights.get('wte.weight')!);
  const a = logitsOf(config, tiedView, IDS);
  const b = logitsOf({ ...config, tieWordEmbeddings: true }, weights, IDS);
  assert.equal(maxAbsDiff(a, b), 0);
});
