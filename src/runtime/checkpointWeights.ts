// A WeightSource over a checkpoint's safetensors: each weight becomes one initializer whose external data
// points straight into the safetensors file (no bytes are read here), cast to the compute dtype at its use.
import type { WeightSource } from '../arch';
import { cast, gather, ggmlWeight, reshape, type DType, type Graph, type Tensor } from '../graph';
import { ggmlTypeByName } from '../model/ggmlTypes';
import { LensFailure } from '../lensError';
import { elementCount, type TensorInfo, type WeightStore } from '../model/safetensors';
import { findTensor, lookupTensor } from '../model/weightNames';

export { findTensor };

const STORED: Partial<Record<string, DType>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64' };
const BYTES: Partial<Record<DType, number>> = { float32: 4, float64: 8, float16: 2, bfloat16: 2 };

/**
 * Default for the most bytes of one widened row block (rowBlocks): a 32000 x 512 bf16 head becomes 8 blocks
 * of 7.8 MiB in f32 instead of one 62.5 MiB copy.
 */
const WIDEN_BLOCK_BYTES = 8 * 2 ** 20;

export interface CheckpointWeightsOptions {
  /** Most bytes of one widened row block; Infinity widens every weight whole. */
  readonly widenBlockBytes?: number;
}

/**
 * `scope` names a separately cast copy: computations that run at different times (the step, the attribution)
 * each cast 16-bit weights themselves, so neither keeps the other's f32 casts alive. The stored initializer
 * is one and the same.
 */
export function checkpointWeights(
  graph: Graph,
  store: WeightStore,
  scope = 'main',
  options: CheckpointWeightsOptions = {},
): WeightSource {
  const widenBlockBytes = options.widenBlockBytes ?? WIDEN_BLOCK_BYTES;
  const find = (name: string): TensorInfo | undefined => lookupTensor(store, name);
  const blocksOf = new Map<string, Tensor[]>();
  const source: WeightSource = {
    has: (name) => find(name) !== undefined,
    rows: (name, ids) => {
      const info = findTensor(store, name);
      // a GGUF embedding widens only the rows gathered, not its whole table
      return info.gguf && !info.rowOrder
        ? widenGguf(info, gather(storedGguf(info), ids))
        : info.gguf
          ? gather(source.get(name), ids)
          : cast(gather(stored(name), ids), graph.computeDtype);
    },
    get: (name) =>
      graph.cached(`${scope}:weight:${name}`, () => {
        const info = findTensor(store, name);
        return info.gguf ? ggufWeight(info) : cast(stored(name), graph.computeDtype);
      }),
    rowBlocks(name) {
      let blocks = blocksOf.get(name);
      if (!blocks) {
        blocks = widenedRowBlocks(name);
        blocksOf.set(name, blocks);
      }
      return blocks;
    },
  };

  function lookup(name: string): { info: TensorInfo; dtype: DType } {
    const info = findTensor(store, name);
    const dtype = STORED[info.dtype];
    if (!dtype) {
      throw new LensFailure({
        code: 'corrupt-safetensors',
        message: `${info.file}: tensor "${info.name}" has dtype ${info.dtype}`,
        hint: 'Weights must be F32, F16 or BF16.',
      });
    }
    return { info, dtype };
  }

  /** The initializer in its stored dtype: one per tensor, whatever the scope. */
  function stored(name: string): Tensor {
    const { info, dtype } = lookup(name);
    return graph.cached(`stored:${info.name}`, () =>
      graph.weight(info.name, info.shape, dtype, {
        external: { file: info.file, offset: info.byteOffset, length: info.byteLength },
      }),
    );
  }

  /**
   * A GGUF tensor's stored bytes (or those of rows [r0, r1)) as one initializer: uint8 [rows, bytes a row] for a block
   * type, the float tensor itself for F32/F16/BF16.
   */
  function storedGguf(info: TensorInfo, r0 = 0, r1 = info.shape[0] ?? 1): Tensor {
    const type = ggmlTypeByName(info.dtype)!;
    const rows = r1 - r0;
    const rowValues = elementCount(info.shape) / (info.shape[0] ?? 1);
    const blocky = type.blockValues > 1;
    const rowBytes = (rowValues / type.blockValues) * type.blockBytes;
    const key = r0 === 0 && r1 === (info.shape[0] ?? 1) ? info.name : `${info.name}[${r0}:${r1}]`;
    return graph.cached(`stored:${key}`, () =>
      graph.weight(key, [rows, blocky ? rowBytes : rowValues], blocky ? 'uint8' : STORED[info.dtype]!, {
        external: { file: info.file, offset: info.byteOffset + r0 * rowBytes, length: rows * rowBytes },
      }),
    );
  }

  /** Stored GGUF rows widened by ggmlWeight at their use, in the compute dtype. */
  function widenGguf(info: TensorInfo, storedRows: Tensor, rowOrder?: readonly number[]): Tensor {
    const type = ggmlTypeByName(info.dtype)!;
    const rowValues = elementCount(info.shape) / (info.shape[0] ?? 1);
    return cast(
      ggmlWeight(storedRows, {
        type: type.name,
        rowValues,
        blockValues: type.blockValues,
        blockBytes: type.blockBytes,
        ...(rowOrder ? { rowOrder } : {}),
      }),
      graph.computeDtype,
    );
  }

  /** A GGUF tensor (or rows [r0, r1) of it), widened at its use. */
  function ggufWeight(info: TensorInfo, r0 = 0, r1 = info.shape[0] ?? 1): Tensor {
    const whole = r0 === 0 && r1 === (info.shape[0] ?? 1);
    const widened = widenGguf(info, storedGguf(info, r0, r1), whole ? info.rowOrder : undefined);
    return whole && info.shape.length !== 2 ? reshape(widened, info.shape) : widened;
  }

  /**
   * Each block its own initializer over its rows' bytes in the file (rows are contiguous), widened at its
   * use. A weight that needs no widening, or fits one block, stays whole.
   */
  function widenedRowBlocks(name: string): Tensor[] {
    const gguf = findTensor(store, name);
    if (gguf.gguf) return ggufRowBlocks(name, gguf);
    const { info, dtype } = lookup(name);
    const rowSize = info.shape.slice(1).reduce((a, b) => a * b, 1);
    const rows = info.shape[0];
    const count = Math.ceil((rows * rowSize * BYTES[graph.computeDtype]!) / widenBlockBytes);
    if (dtype === graph.computeDtype || info.shape.length < 2 || count <= 1) return [source.get(name)];
    const per = Math.ceil(rows / count);
    const storedRowBytes = rowSize * BYTES[dtype]!;
    const blocks: Tensor[] = [];
    for (let r0 = 0; r0 < rows; r0 += per) {
      const r1 = Math.min(rows, r0 + per);
      const block = graph.cached(`stored:${info.name}[${r0}:${r1}]`, () =>
        graph.weight(`${info.name}[${r0}:${r1}]`, [r1 - r0, ...info.shape.slice(1)], dtype, {
          external: {
            file: info.file,
            offset: info.byteOffset + r0 * storedRowBytes,
            length: (r1 - r0) * storedRowBytes,
          },
        }),
      );
      blocks.push(graph.cached(`${scope}:weight:${name}[${r0}:${r1}]`, () => cast(block, graph.computeDtype)));
    }
    return blocks;
  }
  /** A GGUF weight in blocks of rows, each widened at its use; whole where it fits one block or is reordered. */
  function ggufRowBlocks(name: string, info: TensorInfo): Tensor[] {
    const rows = info.shape[0] ?? 1;
    const count = Math.ceil((elementCount(info.shape) * BYTES[graph.computeDtype]!) / widenBlockBytes);
    if (info.shape.length < 2 || count <= 1 || info.rowOrder) return [source.get(name)];
    const per = Math.ceil(rows / count);
    const blocks: Tensor[] = [];
    for (let r0 = 0; r0 < rows; r0 += per) {
      const r1 = Math.min(rows, r0 + per);
      blocks.push(graph.cached(`${scope}:weight:${name}[${r0}:${r1}]`, () => ggufWeight(info, r0, r1)));
    }
    return blocks;
  }
  return source;
}
