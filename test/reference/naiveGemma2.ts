// The deliberately naive float64 reference forward pass of Gemma 2 and Gemma 3 (text), in plain loops, written
// from Hugging Face's modeling_gemma2.py, modeling_gemma3.py and their configurations (not from src/arch).
// Gemma 3 adds Gemma3Attention's q_norm / k_norm (the same (1 + w) RMSNorm over each head's head_dim values,
// before the rotation) and rotates its sliding layers with rope_local_base_freq, unscaled (Gemma3TextModel's
// rotary_emb_local). Both: Gemma2RMSNorm multiplies by
// (1 + weight); Gemma2Model scales the input embeddings by sqrt(hidden_size); each decoder layer is
//   x = x + post_attention_layernorm(attn(input_layernorm(x)))
//   x = x + post_feedforward_layernorm(mlp(pre_feedforward_layernorm(x)))
// with scores (q . k) * query_pre_attn_scalar^-0.5, soft-capped as cap * tanh(s / cap), masked (causal, and
// i - W < j on sliding layers), softmax; mlp = down(gelu_tanh(gate x) * up x); then the final norm, the tied
// head, and the logits soft-capped. Slow on purpose.
//
// T tokens, D hidden size, V vocab, H query heads, Hkv key/value heads, Dh head dim, I intermediate size.
import type { ModelConfig } from '../../src/model/config';
import {
  applyRope,
  linear as linearWithBias,
  ropeInvFreq,
  visible,
  weight,
  type NaiveTrace,
  type Weights,
} from './naiveLlama';

/** y = W x for one row x (Gemma's projections have no bias). */
const linear = (x: Float64Array, xOff: number, W: Float64Array, nIn: number, nOut: number) =>
  linearWithBias(x, xOff, W, null, nIn, nOut);

/**
 * Gemma2RMSNorm: x / sqrt(mean(x^2) + eps) * (offset + w), offset 1 as transformers stores the weights (0 where a GGUF
 * file holds 1 + w). One row.
 */
function gemmaNorm(
  x: Float64Array,
  xOff: number,
  w: Float64Array,
  D: number,
  eps: number,
  offset: number,
): Float64Array {
  let ss = 0;
  for (let d = 0; d < D; d++) ss += x[xOff + d] * x[xOff + d];
  const inv = 1 / Math.sqrt(ss / D + eps);
  const y = new Float64Array(D);
  for (let d = 0; d < D; d++) y[d] = x[xOff + d] * inv * (offset + w[d]);
  return y;
}

/** gelu_pytorch_tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

const cap = (x: number, c: number | null) => (c === null ? x : c * Math.tanh(x / c));

export function naiveGemma2Logits(
  config: ModelConfig,
  weights: Weights,
  embeddings: Float64Array,
  T: number,
  trace?: NaiveTrace,
): Float64Array {
  const {
    hiddenSize: D,
    numHeads: H,
    numKvHeads: Hkv,
    headDim: Dh,
    intermediateSize: I,
    vocabSize: V,
    normEps: eps,
  } = config;
  const invFreq = ropeInvFreq(config);
  const localInvFreq = config.localRope
    ? ropeInvFreq({ ...config, ropeTheta: config.localRope.theta, ropeScaling: config.localRope.scaling })
    : invFreq;
  const gemma3 = config.modelType !== 'gemma2';
  const group = H / Hkv;
  const x = new Float64Array(T * D);
  for (let i = 0; i < T * D; i++) x[i] = embeddings[i] * Math.sqrt(D);
  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}.`;
    const q = new Float64Array(T * H * Dh);
    const k = new Float64Array(T * Hkv * Dh);
    const v = new Float64Array(T * Hkv * Dh);
    for (let t = 0; t < T; t++) {
      const h = gemmaNorm(x, t * D, weight(weights, p + 'input_layernorm.weight'), D, eps, config.normOffset);
      q.set(linear(h, 0, weight(weights, p + 'self_attn.q_proj.weight'), D, H * Dh), t * H * Dh);
      k.set(linear(h, 0, weight(weights, p + 'self_attn.k_proj.weight'), D, Hkv * Dh), t * Hkv * Dh);
      v.set(linear(h, 0, weight(weights, p + 'self_attn.v_proj.weight'), D, Hkv * Dh), t * Hkv * Dh);
      if (gemma3) {
        for (let hh = 0; hh < H; hh++)
          q.set(
            gemmaNorm(q, (t * H + hh) * Dh, weight(weights, p + 'self_attn.q_norm.weight'), Dh, eps, config.normOffset),
            (t * H + hh) * Dh,
          );
        for (let g = 0; g < Hkv; g++)
          k.set(
            gemmaNorm(
              k,
              (t * Hkv + g) * Dh,
              weight(weights, p + 'self_attn.k_norm.weight'),
              Dh,
              eps,
              config.normOffset,
            ),
            (t * Hkv + g) * Dh,
          );
      }
      // sliding layers rotate with their own base (gemma3); global ones with rope_theta and its scaling
      const sliding = !config.fullAttentionLayers.includes(l);
      const freq = sliding ? localInvFreq : invFreq;
      for (let hh = 0; hh < H; hh++) applyRope(q, (t * H + hh) * Dh, Dh, t, freq);
      for (let g = 0; g < Hkv; g++) applyRope(k, (t * Hkv + g) * Dh, Dh, t, freq);
    }
    const probs = new Float64Array(H * T * T);
    const att = new Float64Array(T * H * Dh);
    for (let hh = 0; hh < H; hh++) {
      const g = Math.floor(hh / group);
      for (let i = 0; i < T; i++) {
        const scores = new Float64Array(T);
        let max = -Infinity;
        for (let j = 0; j < T; j++) {
          if (!visible(config, i, j, l)) continue;
          let s = 0;
          for (let d = 0; d < Dh; d++) s += q[(i * H + hh) * Dh + d] * k[(j * Hkv + g) * Dh + d];
          scores[j] = cap(s * config.attentionScale, config.attnLogitSoftcap);
          max = Math.max(max, scores[j]);
        }
        let sum = 0;
        for (let j = 0; j < T; j++) {
          if (!visible(config, i, j, l)) continue;
          probs[(hh * T + i) * T + j] = Math.exp(scores[j] - max);
          sum += probs[(hh * T + i) * T + j];
        }
        for (let j = 0; j < T; j++) {
          const a = (probs[(hh * T + i) * T + j] /= sum);
          for (let d = 0; d < Dh; d++) att[(i * H + hh) * Dh + d] += a * v[(j * Hkv + g) * Dh + d];
        }
      }
    }
    trace?.attentions.push(probs);
    for (let t = 0; t < T; t++) {
      const o = linear(att, t * H * Dh, weight(weights, p + 'self_attn.o_proj.weight'), H * Dh, D);
      const normed = gemmaNorm(o, 0, weight(weights, p + 'post_attention_layernorm.weight'), D, eps, config.normOffset);
      for (let d = 0; d < D; d++) x[t * D + d] += normed[d];
    }
    for (let t = 0; t < T; t++) {
      const h = gemmaNorm(x, t * D, weight(weights, p + 'pre_feedforward_layernorm.weight'), D, eps, config.normOffset);
      const gate = linear(h, 0, weight(weights, p + 'mlp.gate_proj.weight'), D, I);
      const up = linear(h, 0, weight(weights, p + 'mlp.up_proj.weight'), D, I);
      const act = new Float64Array(I);
      for (let i = 0; i < I; i++) act[i] = geluTanh(gate[i]) * up[i];
      const down = gemmaNorm(
        linear(act, 0, weight(weights, p + 'mlp.down_proj.weight'), I, D),
        0,
        weight(weights, p + 'post_feedforward_layernorm.weight'),
        D,
        eps,
        config.normOffset,
      );
      for (let d = 0; d < D; d++) x[t * D + d] += down[d];
    }
  }
  const head = config.tieWordEmbeddings
    ? weight(weights, 'model.embed_tokens.weight')
    : weight(weights, 'lm_head.weight');
  const logits = new Float64Array(T * V);
  for (let t = 0; t < T; t++) {
    const h = gemmaNorm(x, t * D, weight(weights, 'model.norm.weight'), D, eps, config.normOffset);
    const row = linear(h, 0, head, D, V);
    for (let u = 0; u < V; u++) logits[t * V + u] = cap(row[u], config.finalLogitSoftcap);
  }
  return logits;
}
