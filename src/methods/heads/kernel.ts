// The heads method's product and what it needs of it (docs/ARCHITECTURE.md, method 2,
// src/methods/heads/headPatterns.ts), as
// one
// onnxruntime graph per layer: the projections of every word on every query and key column (Hq, Hk as rows
// times words, [C, W], so each column is a row), each column's sum of squares (the dimension energies), and
// each column's `top` words by |activation| with their signed activations (TopK: ties keep the lower word
// index first, as topByMagnitude does). Only [C] + 2 [C, top] values come back instead of [W, C], and no
// JavaScript loop walks the products: on a machine with faster products the walk was what bounded the method.
// Written as a node list with src/graph/onnxWriter.ts (TopK has two outputs, beyond the graph DSL).
//
// W words, C = (H + Hkv) · Dh columns, D width, K words a column.
import { f32, i64, kernelSession } from '../../runtime/onnxSession';
import { int, ints, modelBytes, node, T, value } from '../../graph/onnxWriter';

function headColumnsModel(): Uint8Array {
  return modelBytes({
    name: 'head_columns',
    input: [value('x', T.FLOAT, ['w', 'd']), value('rows', T.FLOAT, ['c', 'd']), value('k', T.INT64, [1])],
    output: [
      value('squares', T.FLOAT, ['c']),
      value('ids', T.INT64, ['c', 'K']),
      value('activations', T.FLOAT, ['c', 'K']),
    ],
    node: [
      node('Gemm', ['rows', 'x'], ['qk'], [int('transB', 1)]), // [c, w]: column j of the heads' projections as row j
      node('ReduceSumSquare', ['qk'], ['squares'], [ints('axes', [1]), int('keepdims', 0)]),
      node('Abs', ['qk'], ['magnitude']),
      node('TopK', ['magnitude', 'k'], ['top', 'ids'], [int('axis', 1), int('largest', 1), int('sorted', 1)]),
      node('GatherElements', ['qk', 'ids'], ['activations'], [int('axis', 1)]),
    ],
  });
}

export interface HeadColumns {
  /** [C]: Σ over the words of each column's activation², in f32. */
  readonly squares: Float32Array;
  /** [C, K]: each column's K words by |activation|, largest first (ties: lower index first). */
  readonly ids: BigInt64Array;
  /** [C, K]: their activations, signed. */
  readonly activations: Float32Array;
  readonly top: number; // K = min(top asked, W)
}

/** For words X [W, D] and a layer's scaled query and key rows [C, D]: the columns' energies and top words. */
export async function headColumns(
  x: Float32Array,
  words: number,
  rows: Float32Array,
  columns: number,
  width: number,
  top: number,
  threads?: number,
): Promise<HeadColumns> {
  if (x.length !== words * width || rows.length !== columns * width)
    throw new Error(
      `headColumns: X has ${x.length} values for [${words}, ${width}], rows ${rows.length} for [${columns}, ${width}]`,
    );
  const K = Math.min(top, words);
  if (!(Number.isInteger(K) && K >= 1)) throw new Error(`headColumns: ${top} words a column of ${words}`);
  const s = await kernelSession('headColumns', headColumnsModel, threads);
  const out = await s.run({ x: f32(x, [words, width]), rows: f32(rows, [columns, width]), k: i64([K], [1]) });
  return {
    squares: out.squares.data as Float32Array,
    ids: out.ids.data as BigInt64Array,
    activations: out.activations.data as Float32Array,
    top: K,
  };
}
