// The one writer of ONNX models. Every graph we run goes out through it: the DSL's (src/graph/emit.ts, which
// encodes its nodes as it goes and hands over the graph's bytes) and the node lists of the heads and concepts
// kernels (src/methods/heads/kernel.ts, conceptKernels.ts), written directly with the helpers below for what
// the DSL does not express (TopK's two outputs, a Loop's subgraph). One IR version, one opset, one producer
// name, one protobuf framing.
import { onnx } from 'onnx-proto';

export const OPSET = 17;
const IR_VERSION = 8;

export const T = onnx.TensorProto.DataType;
export const A = onnx.AttributeProto.AttributeType;

export const value = (name: string, elemType: number, dims: readonly (number | string)[]): onnx.IValueInfoProto => ({
  name,
  type: {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});
export const node = (
  opType: string,
  input: string[],
  output: string[],
  attribute: onnx.IAttributeProto[] = [],
): onnx.INodeProto => ({ opType, input, output, name: output[0], attribute });
export const int = (name: string, i: number): onnx.IAttributeProto => ({ name, type: A.INT, i });
export const ints = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: A.INTS, ints: values });
export const constant = (name: string, elemType: number, dims: number[], raw: ArrayBufferView): onnx.ITensorProto => ({
  name,
  dims,
  dataType: elemType,
  rawData: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
});

/** A model around a graph given whole. */
export function modelBytes(graph: onnx.IGraphProto): Uint8Array {
  return wrapGraph(onnx.GraphProto.encode(graph).finish());
}

/** A model around a graph already encoded (ModelProto.graph is field 7). */
export function wrapGraph(graph: Uint8Array): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'instruction-lens',
    opsetImport: [{ domain: '', version: OPSET }],
  };
  return concatBytes([onnx.ModelProto.encode(model).finish(), ...lengthDelimited(7, graph)]);
}

/**
 * A GraphProto from its fields but the nodes, and its nodes already encoded. Field numbers from onnx.proto:
 * ModelProto.graph 7, GraphProto.node 1, NodeProto.attribute 5, AttributeProto.g 6.
 */
export function encodeGraph(fields: onnx.IGraphProto, nodes: readonly Uint8Array[]): Uint8Array {
  return concatBytes([onnx.GraphProto.encode(fields).finish(), ...nodes.flatMap((n) => lengthDelimited(1, n))]);
}

/**
 * Protocol-buffer framing for the fields written here rather than by the encoder: tag (field << 3 | 2), length, bytes.
 */
export function lengthDelimited(field: number, bytes: Uint8Array): Uint8Array[] {
  const head: number[] = [(field << 3) | 2];
  for (let n = bytes.length; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      head.push(n);
      break;
    }
    head.push((n % 128) | 128);
  }
  return [Uint8Array.from(head), bytes];
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
