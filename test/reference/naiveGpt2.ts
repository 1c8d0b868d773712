// The deliberately naive float64 reference forward pass of GPT-2, in plain loops, written from the
// Hugging Face semantics (modeling_gpt2.py: GPT2LMHeadModel) and not from src/arch. Slow on purpose.
//
// T tokens, D = n_embd, V vocab, H heads, Dh = D / H, I = n_inner (4D by default).
// GPT-2's linear layers are Conv1D: the weight is stored (in, out) and y = x W + b. Weight names may carry
// the "transformer." prefix that GPT2LMHeadModel checkpoints use; both spellings are accepted.
import type { ModelConfig } from '../../src/model/config';
import { weight, type NaiveTrace, type Weights } from './naiveLlama';

/** Conv1D for one row: y = x W + b, W (nIn, nOut). */
function conv1d(
  x: Float64Array,
  xOff: number,
  W: Float64Array,
  b: Float64Array,
  nIn: number,
  nOut: number,
): Float64Array {
  if (W.length !== nIn * nOut)
    throw new Error(`naive reference: Conv1D weight holds ${W.length} values, expected ${nIn}x${nOut}`);
  const y = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let s = b[o];
    for (let i = 0; i < nIn; i++) s += x[xOff + i] * W[i * nOut + o];
    y[o] = s;
  }
  return y;
}

/** nn.LayerNorm over one row: (x - mean) / sqrt(var + eps) * weight + bias, biased variance. */
function layerNorm(
  x: Float64Array,
  xOff: number,
  w: Float64Array,
  b: Float64Array,
  D: number,
  eps: number,
): Float64Array {
  let mean = 0;
  for (let d = 0; d < D; d++) mean += x[xOff + d];
  mean /= D;
  let variance = 0;
  for (let d = 0; d < D; d++) variance += (x[xOff + d] - mean) ** 2;
  variance /= D;
  const inv = 1 / Math.sqrt(variance + eps);
  const y = new Float64Array(D);
  for (let d = 0; d < D; d++) y[d] = (x[xOff + d] - mean) * inv * w[d] + b[d];
  return y;
}

/** HF "gelu_new" (NewGELUActivation): the tanh approximation. */
export function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/**
 * erf in float64: erf(x) = 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (1*3*...*(2n+1)); all terms positive, so no
 * cancellation.
 */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x > 6) return 1; // 1 - erf(6) < 3e-17
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/** HF "gelu" (GELUActivation): the exact erf form. */
export function geluExact(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/**
 * Logits (T, V) of a GPT-2 checkpoint for the token embedding rows `embeddings` (T, D): the position
 * embeddings wpe[0..T-1] are added here. Row t holds the scores of the token that follows position t.
 */
export function naiveGpt2Logits(
  config: ModelConfig,
  weights: Weights,
  embeddings: Float64Array,
  T: number,
  trace?: NaiveTrace,
): Float64Array {
  if (config.modelType !== 'gpt2') throw new Error('naiveGpt2Logits: only gpt2');
  const D = config.hiddenSize;
  const H = config.numHeads;
  const Dh = D / H;
  const I = config.intermediateSize;
  const V = config.vocabSize;
  const eps = config.normEps;
  if (embeddings.length !== T * D)
    throw new Error(`naiveGpt2Logits: embeddings hold ${embeddings.length} values, expected ${T}x${D}`);
  if (T > config.maxPositions)
    throw new Error(`naiveGpt2Logits: ${T} tokens exceed n_positions ${config.maxPositions}`);
  const prefix = weights.has('transformer.wte.weight') ? 'transformer.' : '';
  const w = (name: string) => weight(weights, prefix + name);
  const act = config.hiddenAct === 'gelu' ? geluExact : geluNew;

  // x = token embedding + position embedding
  const wpe = w('wpe.weight'); // (maxPositions, D)
  const x = new Float64Array(T * D); // the residual stream (T, D)
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) x[t * D + d] = embeddings[t * D + d] + wpe[t * D + d];

  for (let l = 0; l < config.numLayers; l++) {
    const p = `h.${l}.`;

    // c_attn gives q | k | v side by side, (T, 3D); head h of each is the slice [h Dh, (h+1) Dh)
    const qkv = new Float64Array(T * 3 * D);
    for (let t = 0; t < T; t++) {
      const h = layerNorm(x, t * D, w(p + 'ln_1.weight'), w(p + 'ln_1.bias'), D, eps);
      qkv.set(conv1d(h, 0, w(p + 'attn.c_attn.weight'), w(p + 'attn.c_attn.bias'), D, 3 * D), t * 3 * D);
    }
    const at = (t: number, part: number, hh: number, d: number) => qkv[t * 3 * D + part * D + hh * Dh + d];

    const probs = new Float64Array(H * T * T); // (H, T, T)
    const att = new Float64Array(T * D); // (T, H, Dh) = (T, D)
    const scale = 1 / Math.sqrt(Dh);
    for (let hh = 0; hh < H; hh++) {
      for (let i = 0; i < T; i++) {
        const scores = new Float64Array(i + 1); // causal: keys 0..i
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let d = 0; d < Dh; d++) s += at(i, 0, hh, d) * at(j, 1, hh, d);
          scores[j] = s * scale;
          if (scores[j] > max) max = scores[j];
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          scores[j] = Math.exp(scores[j] - max);
          sum += scores[j];
        }
        for (let j = 0; j <= i; j++) {
          const a = scores[j] / sum;
          probs[(hh * T + i) * T + j] = a;
          for (let d = 0; d < Dh; d++) att[i * D + hh * Dh + d] += a * at(j, 2, hh, d);
        }
      }
    }
    trace?.attentions.push(probs);

    for (let t = 0; t < T; t++) {
      const o = conv1d(att, t * D, w(p + 'attn.c_proj.weight'), w(p + 'attn.c_proj.bias'), D, D);
      for (let d = 0; d < D; d++) x[t * D + d] += o[d];
    }

    // MLP: c_proj(act(c_fc(ln_2 x))), residual
    for (let t = 0; t < T; t++) {
      const h = layerNorm(x, t * D, w(p + 'ln_2.weight'), w(p + 'ln_2.bias'), D, eps);
      const fc = conv1d(h, 0, w(p + 'mlp.c_fc.weight'), w(p + 'mlp.c_fc.bias'), D, I);
      for (let i = 0; i < I; i++) fc[i] = act(fc[i]);
      const out = conv1d(fc, 0, w(p + 'mlp.c_proj.weight'), w(p + 'mlp.c_proj.bias'), I, D);
      for (let d = 0; d < D; d++) x[t * D + d] += out[d];
    }
  }

  // ln_f, then logits = x wte^T (or an untied lm_head (V, D))
  const head = config.tieWordEmbeddings ? w('wte.weight') : weight(weights, 'lm_head.weight'); // (V, D)
  const logits = new Float64Array(T * V); // (T, V)
  for (let t = 0; t < T; t++) {
    const h = layerNorm(x, t * D, w('ln_f.weight'), w('ln_f.bias'), D, eps);
    for (let vv = 0; vv < V; vv++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += h[d] * head[vv * D + d];
      logits[t * V + vv] = s;
    }
  }
  return logits;
}
