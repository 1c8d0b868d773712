// The deliberately naive float64 reference forward pass of the Llama family (llama, mistral, qwen2, qwen3,
// olmo2, phi3, mixtral, qwen3_moe), in plain loops, written from the Hugging Face semantics (modeling_llama.py,
// modeling_mistral.py, modeling_qwen2.py, modeling_qwen3.py, modeling_olmo2.py, modeling_phi3.py,
// modeling_mixtral.py, modeling_qwen3_moe.py, modeling_rope_utils.py) and not from src/arch. Tests check the engine's
// graphs
// against it, the way llm.c's test_gpt2.c checks its model. It is slow on purpose: no caching, no
// batching, nothing clever; every number is computed where it is used.
//
// T tokens, D hidden size, V vocab, H query heads, Hkv key/value heads, Dh head dim, I intermediate size.
// Weights are indexed by their Hugging Face names, row-major with nn.Linear's [out, in] layout.
import type { ModelConfig } from '../../src/model/config';

export type Weights = ReadonlyMap<string, Float64Array>;

/** What a forward pass may report besides the logits, for tests that look inside. */
export interface NaiveTrace {
  /** Per layer, the attention probabilities (H, T, T): [h][query][key], exactly 0 where masked. */
  attentions: Float64Array[];
}

export function weight(weights: Weights, name: string): Float64Array {
  const w = weights.get(name);
  if (!w) throw new Error(`naive reference: weight "${name}" is missing`);
  return w;
}

/**
 * The name of the token embedding matrix (V, D): llama family "model.embed_tokens.weight"; gpt2 "wte.weight",
 * optionally "transformer."-prefixed.
 */
export function tokenEmbeddingName(config: ModelConfig, weights: Weights): string {
  if (config.modelType !== 'gpt2') return 'model.embed_tokens.weight';
  return weights.has('transformer.wte.weight') ? 'transformer.wte.weight' : 'wte.weight';
}

/**
 * The input embedding rows of `ids`, (T, D): rows of the token embedding matrix, nothing added.
 * For gpt2 this is the token embedding only; the position embeddings are added inside the forward pass,
 * so an attribution with respect to these rows is the paper's gradient x input on E.
 */
export function naiveEmbed(config: ModelConfig, weights: Weights, ids: readonly number[]): Float64Array {
  const D = config.hiddenSize;
  const table = weight(weights, tokenEmbeddingName(config, weights)); // (V, D)
  const out = new Float64Array(ids.length * D); // (T, D)
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (!Number.isInteger(id) || id < 0 || (id + 1) * D > table.length)
      throw new Error(`naive reference: token id ${id} is outside the vocab`);
    for (let d = 0; d < D; d++) out[t * D + d] = table[id * D + d];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// building blocks

/** y = W x (+ b) for one row x: W is nn.Linear's (out, in). */
export function linear(
  x: Float64Array,
  xOff: number,
  W: Float64Array,
  b: Float64Array | null,
  nIn: number,
  nOut: number,
): Float64Array {
  if (W.length !== nIn * nOut)
    throw new Error(`naive reference: linear weight holds ${W.length} values, expected ${nOut}x${nIn}`);
  const y = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let s = b ? b[o] : 0;
    for (let i = 0; i < nIn; i++) s += W[o * nIn + i] * x[xOff + i];
    y[o] = s;
  }
  return y;
}

/** HF LlamaRMSNorm: x / sqrt(mean(x^2) + eps), then times weight. One row. */
function rmsNorm(x: Float64Array, xOff: number, w: Float64Array, D: number, eps: number): Float64Array {
  let ss = 0;
  for (let d = 0; d < D; d++) ss += x[xOff + d] * x[xOff + d];
  const inv = 1 / Math.sqrt(ss / D + eps);
  const y = new Float64Array(D);
  for (let d = 0; d < D; d++) y[d] = w[d] * (x[xOff + d] * inv);
  return y;
}

const silu = (x: number) => x / (1 + Math.exp(-x));

/**
 * inv_freq[i] = 1 / theta^(2i / Dh) for i < Dh/2, adjusted as HF's rope init functions do:
 * "linear" divides every frequency by the factor (the same as dividing positions by it);
 * "llama3" (_compute_llama3_parameters) keeps short wavelengths, divides long ones by the factor, and
 * interpolates in between. Neither scales the attention (attention_factor = 1).
 */
export function ropeInvFreq(config: ModelConfig, seqLen = 0): Float64Array {
  // Phi3RotaryEmbedding: dim = int(head_dim * partial_rotary_factor); the others rotate the whole head
  const Dh = config.rotaryDim ?? config.headDim;
  const half = Dh / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(config.ropeTheta, (2 * i) / Dh);
  const s = config.ropeScaling;
  if (s === null) return inv;
  if (s.type === 'longrope') {
    // _compute_longrope_parameters: inv_freq = 1 / (ext_factors * base^(2i/dim)), the long factors once the
    // sequence is longer than the original context (longrope_frequency_update), the short ones before
    const ext = seqLen > s.originalMaxPositions ? s.longFactor : s.shortFactor;
    for (let i = 0; i < half; i++) inv[i] /= ext[i];
    return inv;
  }
  if (s.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i] /= s.factor;
    return inv;
  }
  if (s.type === 'frequencyFactors') {
    // llama.cpp with a rope_freqs tensor: theta = pos * inv_freq / factor, per frequency
    for (let i = 0; i < half; i++) inv[i] /= s.factors[i];
    return inv;
  }
  const lowFreqWavelen = s.originalMaxPositions / s.lowFreqFactor; // longer than this: divide by factor
  const highFreqWavelen = s.originalMaxPositions / s.highFreqFactor; // shorter than this: keep
  for (let i = 0; i < half; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen < highFreqWavelen) continue; // high frequency: unchanged
    if (wavelen > lowFreqWavelen) inv[i] = inv[i] / s.factor;
    else {
      const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      inv[i] = (1 - smooth) * (inv[i] / s.factor) + smooth * inv[i];
    }
  }
  return inv;
}

/**
 * Rotates one head vector in place at position `pos`, as HF's apply_rotary_pos_emb with rotate_half:
 * the head is split into halves [x1, x2] (not interleaved pairs) -> [x1 cos - x2 sin, x2 cos + x1 sin].
 */
export function applyRope(
  x: Float64Array,
  off: number,
  Dh: number,
  pos: number,
  invFreq: Float64Array,
  scale = 1,
): void {
  // with a partial rotation (phi3) only the leading 2 * invFreq.length dims turn, split into their halves;
  // longrope multiplies cos and sin by its attention factor (`scale`)
  const half = invFreq.length;
  void Dh;
  for (let i = 0; i < half; i++) {
    const angle = pos * invFreq[i];
    const c = Math.cos(angle) * scale;
    const s = Math.sin(angle) * scale;
    const x1 = x[off + i];
    const x2 = x[off + half + i];
    x[off + i] = x1 * c - x2 * s;
    x[off + half + i] = x2 * c + x1 * s;
  }
}

/**
 * Whether query i may attend to key j in `layer`: causal, and in a layer with a sliding window W (HF
 * masking_utils) only i - W < j <= i. Mistral windows every layer; qwen2/qwen3 the layers their config marks
 * "sliding_attention" (layer_types, or from max_window_layers on), listed here by the layers left out.
 */
export function visible(config: ModelConfig, i: number, j: number, layer = 0): boolean {
  if (j > i) return false;
  const windowed = config.slidingWindow !== null && !(config.fullAttentionLayers ?? []).includes(layer);
  return !windowed || j > i - config.slidingWindow!;
}

/** qwen3's q_norm / k_norm: HF Qwen3RMSNorm over each head's Dh values, in place. */
function normHeads(x: Float64Array, off: number, heads: number, Dh: number, w: Float64Array, eps: number): void {
  for (let h = 0; h < heads; h++) x.set(rmsNorm(x, off + h * Dh, w, Dh, eps), off + h * Dh);
}

// ---------------------------------------------------------------------------------------------------
// the forward pass

/**
 * Logits (T, V) of a llama / mistral / qwen2 checkpoint for the input embedding rows `embeddings` (T, D),
 * at positions 0..T-1. Row t holds the scores of the token that follows position t.
 */
export function naiveLlamaLogits(
  config: ModelConfig,
  weights: Weights,
  embeddings: Float64Array,
  T: number,
  trace?: NaiveTrace,
): Float64Array {
  if (config.modelType === 'gpt2') throw new Error('naiveLlamaLogits: gpt2 goes through naiveGpt2Logits');
  const D = config.hiddenSize;
  const H = config.numHeads;
  const Hkv = config.numKvHeads;
  const Dh = config.headDim;
  const I = config.intermediateSize;
  const V = config.vocabSize;
  const eps = config.normEps;
  if (embeddings.length !== T * D)
    throw new Error(`naiveLlamaLogits: embeddings hold ${embeddings.length} values, expected ${T}x${D}`);
  const invFreq = ropeInvFreq(config, T); // the whole sequence at once: T is its length
  const ropeScale = config.ropeScaling?.type === 'longrope' ? config.ropeScaling.attentionFactor : 1;
  const groupSize = H / Hkv; // query heads per key/value head

  const x = Float64Array.from(embeddings); // the residual stream (T, D)
  // modeling_olmo2.py: no norm in front of a sublayer; its output is normalised before the residual add,
  // and queries and keys are normalised over the whole projection (Olmo2Attention's q_norm, k_norm)
  const olmo2 = config.modelType === 'olmo2';
  // modeling_phi3.py: qkv_proj holds q, k and v rows in that order; gate_up_proj the gate rows, then the up rows
  const phi3 = config.modelType === 'phi3';
  const rowsOf = (name: string, from: number, count: number, nIn: number) =>
    weight(weights, name).subarray(from * nIn, (from + count) * nIn);
  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}.`;
    const bias = (name: string) => (config.attentionBias ? weight(weights, p + name) : null);

    // attention: q, k, v of every position, rotated
    const q = new Float64Array(T * H * Dh); // (T, H, Dh)
    const k = new Float64Array(T * Hkv * Dh); // (T, Hkv, Dh)
    const v = new Float64Array(T * Hkv * Dh); // (T, Hkv, Dh)
    for (let t = 0; t < T; t++) {
      const h = olmo2
        ? x.subarray(t * D, (t + 1) * D)
        : rmsNorm(x, t * D, weight(weights, p + 'input_layernorm.weight'), D, eps);
      const qkvName = p + 'self_attn.qkv_proj.weight';
      let qRow = phi3
        ? linear(h, 0, rowsOf(qkvName, 0, H * Dh, D), null, D, H * Dh)
        : linear(h, 0, weight(weights, p + 'self_attn.q_proj.weight'), bias('self_attn.q_proj.bias'), D, H * Dh);
      let kRow = phi3
        ? linear(h, 0, rowsOf(qkvName, H * Dh, Hkv * Dh, D), null, D, Hkv * Dh)
        : linear(h, 0, weight(weights, p + 'self_attn.k_proj.weight'), bias('self_attn.k_proj.bias'), D, Hkv * Dh);
      if (olmo2) {
        qRow = rmsNorm(qRow, 0, weight(weights, p + 'self_attn.q_norm.weight'), H * Dh, eps);
        kRow = rmsNorm(kRow, 0, weight(weights, p + 'self_attn.k_norm.weight'), Hkv * Dh, eps);
      }
      q.set(qRow, t * H * Dh);
      k.set(kRow, t * Hkv * Dh);
      v.set(
        phi3
          ? linear(h, 0, rowsOf(qkvName, (H + Hkv) * Dh, Hkv * Dh, D), null, D, Hkv * Dh)
          : linear(h, 0, weight(weights, p + 'self_attn.v_proj.weight'), bias('self_attn.v_proj.bias'), D, Hkv * Dh),
        t * Hkv * Dh,
      );
      if (config.modelType === 'qwen3' || config.modelType === 'qwen3_moe') {
        normHeads(q, t * H * Dh, H, Dh, weight(weights, p + 'self_attn.q_norm.weight'), eps);
        normHeads(k, t * Hkv * Dh, Hkv, Dh, weight(weights, p + 'self_attn.k_norm.weight'), eps);
      }
      for (let hh = 0; hh < H; hh++) applyRope(q, (t * H + hh) * Dh, Dh, t, invFreq, ropeScale);
      for (let g = 0; g < Hkv; g++) applyRope(k, (t * Hkv + g) * Dh, Dh, t, invFreq, ropeScale);
    }

    // scores, softmax over the visible keys, weighted sum of values
    const probs = new Float64Array(H * T * T); // (H, T, T)
    const att = new Float64Array(T * H * Dh); // (T, H, Dh)
    const scale = 1 / Math.sqrt(Dh);
    for (let hh = 0; hh < H; hh++) {
      const g = Math.floor(hh / groupSize); // GQA: the key/value head this query head reads
      for (let i = 0; i < T; i++) {
        let max = -Infinity;
        const scores = new Float64Array(T);
        for (let j = 0; j < T; j++) {
          if (!visible(config, i, j, l)) continue;
          let s = 0;
          for (let d = 0; d < Dh; d++) s += q[(i * H + hh) * Dh + d] * k[(j * Hkv + g) * Dh + d];
          scores[j] = s * scale;
          if (scores[j] > max) max = scores[j];
        }
        let sum = 0;
        for (let j = 0; j < T; j++) {
          if (!visible(config, i, j, l)) continue;
          probs[(hh * T + i) * T + j] = Math.exp(scores[j] - max);
          sum += probs[(hh * T + i) * T + j];
        }
        for (let j = 0; j < T; j++) probs[(hh * T + i) * T + j] /= sum;
        for (let j = 0; j < T; j++) {
          const a = probs[(hh * T + i) * T + j];
          if (a === 0) continue;
          for (let d = 0; d < Dh; d++) att[(i * H + hh) * Dh + d] += a * v[(j * Hkv + g) * Dh + d];
        }
      }
    }
    trace?.attentions.push(probs);

    // output projection (no bias in any of the three families), residual
    for (let t = 0; t < T; t++) {
      let o = linear(att, t * H * Dh, weight(weights, p + 'self_attn.o_proj.weight'), null, H * Dh, D);
      if (olmo2) o = rmsNorm(o, 0, weight(weights, p + 'post_attention_layernorm.weight'), D, eps);
      for (let d = 0; d < D; d++) x[t * D + d] += o[d];
    }

    // SwiGLU MLP: down(silu(gate h) * up h), residual; or a mixture of such experts
    for (let t = 0; t < T; t++) {
      const h = olmo2
        ? Float64Array.from(x.subarray(t * D, (t + 1) * D))
        : rmsNorm(x, t * D, weight(weights, p + 'post_attention_layernorm.weight'), D, eps);
      if (config.moe?.layers.includes(l)) {
        const out = naiveExperts(config, weights, l, h);
        for (let d = 0; d < D; d++) x[t * D + d] += out[d];
        continue;
      }
      const gate = phi3
        ? linear(h, 0, rowsOf(p + 'mlp.gate_up_proj.weight', 0, I, D), null, D, I)
        : linear(h, 0, weight(weights, p + 'mlp.gate_proj.weight'), null, D, I);
      const up = phi3
        ? linear(h, 0, rowsOf(p + 'mlp.gate_up_proj.weight', I, I, D), null, D, I)
        : linear(h, 0, weight(weights, p + 'mlp.up_proj.weight'), null, D, I);
      const act = new Float64Array(I);
      for (let i = 0; i < I; i++) act[i] = silu(gate[i]) * up[i];
      let down = linear(act, 0, weight(weights, p + 'mlp.down_proj.weight'), null, I, D);
      if (olmo2) down = rmsNorm(down, 0, weight(weights, p + 'post_feedforward_layernorm.weight'), D, eps);
      for (let d = 0; d < D; d++) x[t * D + d] += down[d];
    }
  }

  // final norm, then the head: lm_head, or the embedding matrix when tied
  const head = config.tieWordEmbeddings
    ? weight(weights, 'model.embed_tokens.weight')
    : weight(weights, 'lm_head.weight'); // (V, D)
  const logits = new Float64Array(T * V); // (T, V)
  for (let t = 0; t < T; t++) {
    const h = rmsNorm(x, t * D, weight(weights, 'model.norm.weight'), D, eps);
    logits.set(linear(h, 0, head, null, D, V), t * V);
  }
  return logits;
}

/**
 * modeling_mixtral.py's MixtralSparseMoeBlock and modeling_qwen3_moe.py's Qwen3MoeSparseMoeBlock for one
 * token h: softmax over the router's logits, the perToken most probable experts (the lower index first
 * on a tie), their probabilities renormalised to sum 1 (mixtral always, qwen3_moe when norm_topk_prob), and
 * the sum of their SwiGLU outputs so weighted.
 */
function naiveExperts(config: ModelConfig, weights: Weights, l: number, h: Float64Array): Float64Array {
  const moe = config.moe!;
  const D = config.hiddenSize;
  const I = moe.intermediateSize;
  const mixtral = config.modelType === 'mixtral';
  const p = mixtral ? `model.layers.${l}.block_sparse_moe.` : `model.layers.${l}.mlp.`;
  const [gateName, upName, downName] = mixtral ? ['w1', 'w3', 'w2'] : ['gate_proj', 'up_proj', 'down_proj'];
  const logits = linear(h, 0, weight(weights, p + 'gate.weight'), null, D, moe.experts);
  const max = Math.max(...logits);
  const probs = Array.from(logits, (z) => Math.exp(z - max));
  const total = probs.reduce((a, b) => a + b, 0);
  for (let e = 0; e < probs.length; e++) probs[e] /= total;
  const chosen = probs
    .map((pr, e) => ({ pr, e }))
    .sort((a, b) => b.pr - a.pr || a.e - b.e)
    .slice(0, moe.perToken);
  const norm = moe.normalizeTopK ? chosen.reduce((a, c) => a + c.pr, 0) : 1;
  const out = new Float64Array(D);
  for (const { pr, e } of chosen) {
    const gate = linear(h, 0, weight(weights, `${p}experts.${e}.${gateName}.weight`), null, D, I);
    const up = linear(h, 0, weight(weights, `${p}experts.${e}.${upName}.weight`), null, D, I);
    const act = new Float64Array(I);
    for (let i = 0; i < I; i++) act[i] = silu(gate[i]) * up[i];
    const down = linear(act, 0, weight(weights, `${p}experts.${e}.${downName}.weight`), null, I, D);
    for (let d = 0; d < D; d++) out[d] += (pr / norm) * down[d];
  }
  return out;
}
