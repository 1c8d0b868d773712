// Small onnxruntime graphs written as ONNX protos directly (what the graph DSL does not express: TopK's two
// outputs, a Loop's subgraph), and their sessions: built on first use per graph and thread count, kept for the
// process, their threads never spinning between runs (each session has its own pool: a spinning one takes a
// core from the next kernel and from the reads on libuv's threads). Used by the concepts and heads kernels.
import { availableParallelism } from 'node:os';
import { onnx } from 'onnx-proto';
import { createSession, ort } from './onnxSession';

export const T = onnx.TensorProto.DataType;
export const A = onnx.AttributeProto.AttributeType;

export const value = (name: string, elemType: number, dims: readonly (number | string)[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});
export const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({ opType, input, output, name: output[0], attribute });
export const int = (name: string, i: number): onnx.IAttributeProto => ({ name, type: A.INT, i });
export const ints = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: A.INTS, ints: values });
export const constant = (name: string, elemType: number, dims: number[], raw: ArrayBufferView): onnx.ITensorProto => ({ name, dims, dataType: elemType, rawData: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) });

/** The graph as an opset-17 model. */
export function model(graph: onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'instruction-lens', opsetImport: [{ domain: '', version: 17 }], graph }).finish();
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/** The session of graph `key` (built by `build` the first time) on `threads` threads, all cores by default. */
export function kernelSession(key: string, build: () => Uint8Array, threads?: number): Promise<ort.InferenceSession> {
  const count = threads ?? availableParallelism();
  const id = `${key}|${count}`;
  let s = sessions.get(id);
  if (!s) {
    s = createSession(build(), { threads: count, spinning: false });
    sessions.set(id, s);
  }
  return s;
}

/** A one-value int64 tensor. */
export const int64 = (v: number, dims: readonly number[]) => new ort.Tensor('int64', BigInt64Array.of(BigInt(v)), dims);
