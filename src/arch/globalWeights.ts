// The weights the paper's global methods read (no forward pass): per layer the query/key projections with
// their input-norm scale, the feed-forward down projection, and the input/output embedding tables, as f32
// arrays in one canonical layout whatever the family stores. Heads (docs/ARCHITECTURE.md, method 2) and concepts
// (method 3) both read through here, so neither knows Hugging Face names or Conv1D layouts.
import { LensFailure } from '../lensError';
import type { ModelConfig } from '../model/config';
import type { TensorInfo, WeightStore } from '../model/safetensors';
import { findTensor, lookupTensor } from '../model/weightNames';
import { readRowRangeF32Async } from '../model/safetensors';
import { expertNames } from './moe';
import { lmHeadName } from './weights';

/** Row-major matrix: `rows` x `cols`. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

export interface QueryKeyWeights {
  /** [numHeads * headDim, hiddenSize]: row r is output dim r (head r / headDim), as nn.Linear stores it. */
  readonly wq: Matrix;
  /** [numKvHeads * headDim, hiddenSize]. */
  readonly wk: Matrix;
  /** [hiddenSize]: the scale of the norm in front of attention (RMSNorm / LayerNorm weight). */
  readonly normScale: Float32Array;
}

export interface GlobalWeights {
  readonly config: ModelConfig;
  queryKey(layer: number): QueryKeyWeights;
  /** W_down^T: [intermediateSize, hiddenSize], row i = what feed-forward neuron i writes to the residual stream. */
  downProjectionRows(layer: number): Matrix;
  /**
   * W_down itself: [hiddenSize, intermediateSize], column i = what neuron i writes, as nn.Linear stores it
   * (read without a transpose for the llama family; concepts wants this layout for X^T X).
   */
  downProjection(layer: number): Matrix;
  /**
   * downProjection(layer) into `out` [hiddenSize * intermediateSize], read without blocking this thread (the
   * reads run on libuv's thread pool): a caller reads the next layer while it computes on this one, and
   * reuses its buffers (a fresh array a layer costs its page faults).
   */
  readDownProjection(layer: number, out: Float32Array): Promise<Matrix>;
  /** A mixture-of-experts layer's expert count and each expert's width; null for a dense feed-forward block. */
  experts(layer: number): { readonly count: number; readonly width: number } | null;
  /** One expert's W_down [hiddenSize, width] into `out`, as readDownProjection reads a dense layer's. */
  readExpertDownProjection(layer: number, expert: number, out: Float32Array): Promise<Matrix>;
  /** [vocabSize, hiddenSize]. */
  inputEmbeddings(): Matrix;
  /** [vocabSize, hiddenSize]: the LM head, or the input embeddings when tied. */
  outputEmbeddings(): Matrix;
  /**
   * Rows [first, first + out.length / hiddenSize) of outputEmbeddings() into `out`, without blocking this
   * thread: a large table read in pieces into reused buffers, the next piece while this one is worked on.
   */
  readOutputEmbeddingRows(first: number, out: Float32Array): Promise<void>;
}

function transpose(m: Matrix, out: Float32Array = new Float32Array(m.data.length)): Matrix {
  if (out.length !== m.data.length)
    throw new Error(`transpose: ${out.length} values in the buffer for [${m.rows}, ${m.cols}]`);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) out[c * m.rows + r] = m.data[r * m.cols + c];
  return { data: out, rows: m.cols, cols: m.rows };
}

/** Row r of a projection times scale[r % scale.length] (per head dim, or per row), in place. */
function scaleHeadRows(m: Matrix, scale: Float32Array): void {
  for (let r = 0; r < m.rows; r++) {
    const s = scale[r % scale.length];
    for (let c = 0; c < m.cols; c++) m.data[r * m.cols + c] *= s;
  }
}

/** Columns [from, to) of a row-major matrix, as a new matrix. */
function columns(m: Matrix, from: number, to: number): Matrix {
  const cols = to - from;
  const out = new Float32Array(m.rows * cols);
  for (let r = 0; r < m.rows; r++) out.set(m.data.subarray(r * m.cols + from, r * m.cols + to), r * cols);
  return { data: out, rows: m.rows, cols };
}

/** The readers every layout's global weights share, over one checkpoint's tensors. */
function readers(store: WeightStore) {
  const has = (n: string) => lookupTensor(store, n) !== undefined;
  /** The tensor's info, checked to be [rows, cols]. */
  const shaped = (n: string, rows: number, cols: number): TensorInfo => {
    const info = findTensor(store, n);
    if (info.shape.length !== 2 || info.shape[0] !== rows || info.shape[1] !== cols) {
      throw new LensFailure({
        code: 'bad-config',
        message: `weights: tensor "${info.name}" has shape [${info.shape}], config.json implies [${rows}, ${cols}]`,
        hint: 'The checkpoint does not match its config.json.',
      });
    }
    return info;
  };
  const matrix = (n: string, rows: number, cols: number): Matrix => ({
    data: store.readF32(shaped(n, rows, cols).name),
    rows,
    cols,
  });
  const readMatrix = async (n: string, rows: number, cols: number, out: Float32Array): Promise<Matrix> => {
    const info = shaped(n, rows, cols);
    if (out.length !== rows * cols)
      throw new Error(`weights: ${out.length} values in the buffer for "${info.name}" [${rows}, ${cols}]`);
    await readRowRangeF32Async(info, 0, rows, out);
    return { data: out, rows, cols };
  };
  const readRows = async (n: string, rows: number, cols: number, first: number, out: Float32Array): Promise<void> => {
    const info = shaped(n, rows, cols);
    if (out.length % cols !== 0)
      throw new Error(`weights: ${out.length} values are not whole rows of ${cols} ("${info.name}")`);
    await readRowRangeF32Async(info, first, out.length / cols, out);
  };
  const vector = (n: string, size: number): Float32Array => {
    const data = store.readF32(findTensor(store, n).name);
    if (data.length !== size)
      throw new LensFailure({
        code: 'bad-config',
        message: `weights: tensor "${n}" has ${data.length} values, expected ${size}`,
        hint: 'The checkpoint does not match its config.json.',
      });
    return data;
  };
  return { has, matrix, readMatrix, readRows, vector };
}

/** GPT-2's: Conv1D weights stored [in, out], q, k and v side by side in c_attn. */
export function gpt2GlobalWeights(config: ModelConfig, store: WeightStore): GlobalWeights {
  const { has, matrix, readMatrix, readRows, vector } = readers(store);
  const { hiddenSize: D, intermediateSize: F, vocabSize: V } = config;
  const embeddings = () => matrix('wte.weight', V, D);
  const output = lmHeadName(config, has, 'wte.weight');
  const down = (layer: number) => `h.${layer}.mlp.c_proj.weight`;
  return {
    config,
    queryKey(layer) {
      // Conv1D stores [in, out] with q, k, v side by side along out
      const qkv = matrix(`h.${layer}.attn.c_attn.weight`, D, 3 * D);
      return {
        wq: transpose(columns(qkv, 0, D)),
        wk: transpose(columns(qkv, D, 2 * D)),
        normScale: vector(`h.${layer}.ln_1.weight`, D),
      };
    },
    downProjectionRows: (layer) => matrix(down(layer), F, D),
    downProjection: (layer) => transpose(matrix(down(layer), F, D)),
    readDownProjection: async (layer, out) =>
      transpose(await readMatrix(down(layer), F, D, new Float32Array(F * D)), out),
    experts: () => null,
    readExpertDownProjection: () => Promise.reject(new Error('gpt2 has no experts')),
    inputEmbeddings: embeddings,
    outputEmbeddings: () => matrix(output, V, D),
    readOutputEmbeddingRows: (first, out) => readRows(output, V, D, first, out),
  };
}

/** The llama and gemma layouts': nn.Linear weights under model.layers.{i}, norms scaling by normOffset + w. */
export function llamaGlobalWeights(config: ModelConfig, store: WeightStore): GlobalWeights {
  const { has, matrix, readMatrix, readRows, vector } = readers(store);
  const { hiddenSize: D, intermediateSize: F, vocabSize: V, numHeads: H, numKvHeads: Hkv, headDim: Dh } = config;
  // Gemma's norms scale by 1 + w
  const normScale = (n: string, size: number): Float32Array => {
    const w = vector(n, size);
    if (config.normOffset !== 0) for (let i = 0; i < size; i++) w[i] += config.normOffset;
    return w;
  };

  const embeddings = () => matrix('model.embed_tokens.weight', V, D);
  const output = lmHeadName(config, has, 'model.embed_tokens.weight');
  const down = (layer: number) => `model.layers.${layer}.mlp.down_proj.weight`;
  return {
    config,
    queryKey(layer) {
      const p = `model.layers.${layer}.`;
      let wq: Matrix;
      let wk: Matrix;
      if (config.fusedProjections) {
        // phi3's qkv_proj: the H query heads' rows, then the Hkv key heads', then the values'
        const qkv = matrix(`${p}self_attn.qkv_proj.weight`, (H + 2 * Hkv) * Dh, D);
        wq = { data: qkv.data.slice(0, H * Dh * D), rows: H * Dh, cols: D };
        wk = { data: qkv.data.slice(H * Dh * D, (H + Hkv) * Dh * D), rows: Hkv * Dh, cols: D };
      } else {
        wq = matrix(`${p}self_attn.q_proj.weight`, H * Dh, D);
        wk = matrix(`${p}self_attn.k_proj.weight`, Hkv * Dh, D);
      }
      if (config.qkNorm !== null) {
        // a query/key norm enters as its scale, as the input norm does (its division by the RMS is left out):
        // per head dim (qwen3, gemma3) or per output of the whole projection (olmo2)
        const perHead = config.qkNorm === 'head';
        scaleHeadRows(wq, normScale(`${p}self_attn.q_norm.weight`, perHead ? Dh : H * Dh));
        scaleHeadRows(wk, normScale(`${p}self_attn.k_norm.weight`, perHead ? Dh : Hkv * Dh));
      }
      // olmo2 has no norm in front of attention: its scale is 1
      return {
        wq,
        wk,
        normScale: config.postNorms ? new Float32Array(D).fill(1) : normScale(`${p}input_layernorm.weight`, D),
      };
    },
    downProjectionRows: (layer) => transpose(matrix(down(layer), D, F)),
    downProjection: (layer) => matrix(down(layer), D, F),
    readDownProjection: (layer, out) => readMatrix(down(layer), D, F, out),
    experts: (layer) =>
      config.moe?.layers.includes(layer) ? { count: config.moe.experts, width: config.moe.intermediateSize } : null,
    readExpertDownProjection: (layer, expert, out) =>
      readMatrix(expertNames(config.moe!, layer).down(expert), D, config.moe!.intermediateSize, out),
    inputEmbeddings: embeddings,
    outputEmbeddings: () => matrix(output, V, D),
    readOutputEmbeddingRows: (first, out) => readRows(output, V, D, first, out),
  };
}
