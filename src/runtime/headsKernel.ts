// The heads method's product and what it needs of it (DESIGN.md method 2, src/explain/headPatterns.ts), as one
// onnxruntime graph per layer: the projections of every word on every query and key column (Hq, Hk as rows
// times words, [C, W], so each column is a row), each column's sum of squares (the dimension energies), and
// each column's `top` words by |activation| with their signed activations (TopK: ties keep the lower word
// index first, as topByMagnitude does). Only [C] + 2 [C, top] values come back instead of [W, C], and no
// JavaScript loop walks the products: on a machine with faster products the walk was what bounded the method.
// Written as ONNX protos directly, as src/runtime/conceptKernels.ts is (TopK has two outputs).
//
// W words, C = (H + Hkv) · Dh columns, D width, K words a column.
import { availableParallelism } from 'node:os';
import { onnx } from 'onnx-proto';
import { createSession, f32, ort } from './onnxSession';

const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

const value = (name: string, elemType: number, dims: readonly (number | string)[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});
const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({ opType, input, output, name: output[0], attribute });
const int = (name: string, i: number): onnx.IAttributeProto => ({ name, type: A.INT, i });
const ints = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: A.INTS, ints: values });

function headColumnsModel(): Uint8Array {
  const graph: onnx.IGraphProto = {
    name: 'head_columns',
    input: [value('x', T.FLOAT, ['w', 'd']), value('rows', T.FLOAT, ['c', 'd']), value('k', T.INT64, [1])],
    output: [value('squares', T.FLOAT, ['c']), value('ids', T.INT64, ['c', 'K']), value('activations', T.FLOAT, ['c', 'K'])],
    node: [
      node('Gemm', ['rows', 'x'], ['qk'], [int('transB', 1)]), // [c, w]: column j of the heads' projections as row j
      node('ReduceSumSquare', ['qk'], ['squares'], [ints('axes', [1]), int('keepdims', 0)]),
      node('Abs', ['qk'], ['magnitude']),
      node('TopK', ['magnitude', 'k'], ['top', 'ids'], [int('axis', 1), int('largest', 1), int('sorted', 1)]),
      node('GatherElements', ['qk', 'ids'], ['activations'], [int('axis', 1)]),
    ],
  };
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'instruction-lens', opsetImport: [{ domain: '', version: 17 }], graph }).finish();
}

const sessions = new Map<number, Promise<ort.InferenceSession>>();

function session(threads: number): Promise<ort.InferenceSession> {
  let s = sessions.get(threads);
  if (!s) {
    s = createSession(headColumnsModel(), { threads, spinning: false });
    sessions.set(threads, s);
  }
  return s;
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
export async function headColumns(x: Float32Array, words: number, rows: Float32Array, columns: number, width: number, top: number, threads?: number): Promise<HeadColumns> {
  if (x.length !== words * width || rows.length !== columns * width) throw new Error(`headColumns: X has ${x.length} values for [${words}, ${width}], rows ${rows.length} for [${columns}, ${width}]`);
  const K = Math.min(top, words);
  if (!(Number.isInteger(K) && K >= 1)) throw new Error(`headColumns: ${top} words a column of ${words}`);
  const s = await session(threads ?? availableParallelism());
  const out = await s.run({ x: f32(x, [words, width]), rows: f32(rows, [columns, width]), k: new ort.Tensor('int64', BigInt64Array.of(BigInt(K)), [1]) });
  return { squares: out.squares.data as Float32Array, ids: out.ids.data as BigInt64Array, activations: out.activations.data as Float32Array, top: K };
}
