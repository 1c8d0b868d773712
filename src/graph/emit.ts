// Emits a DSL graph as an ONNX ModelProto (opset 17) with onnx-proto's protobuf encoder.
// Graph inputs keep their declared order; weights become initializers, either inline or as external data
// pointing into the checkpoint's own files, so the runtime can map them instead of copying them.
import { onnx } from 'onnx-proto';
import { Graph, leafAttrs, Tensor, type Emitter, type OnnxAttr, type Shape } from './tensor';
import { ONNX_DTYPE } from './ops/select';

export const OPSET = 17;

export interface GraphOutput {
  readonly name: string;
  readonly tensor: Tensor;
}

export interface EmitOptions {
  /** Maps a weight's absolute file path to the location written in the model (relative to the model file). */
  readonly externalLocation?: (file: string) => string;
  /**
   * Weights listed as graph inputs too ("overridable initializers"): onnxruntime then neither constant-folds
   * their casts nor pre-packs them, so f16/bf16 weights stay memory-mapped at their stored size.
   */
  readonly weightsAsInputs?: boolean;
}

type Proto = onnx.INodeProto;

function valueInfo(name: string, shape: Shape, dtype: keyof typeof ONNX_DTYPE): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ONNX_DTYPE[dtype], shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attribute(name: string, v: OnnxAttr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v as number[] };
  return { name, type: T.FLOAT, f: (v as { float: number }).float };
}

function rawBytes(values: readonly number[], dtype: keyof typeof ONNX_DTYPE): Uint8Array {
  switch (dtype) {
    case 'float32':
      return new Uint8Array(Float32Array.from(values).buffer);
    case 'float64':
      return new Uint8Array(Float64Array.from(values).buffer);
    case 'int64':
      return new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
    case 'bool':
      return Uint8Array.from(values.map((v) => (v ? 1 : 0)));
    default:
      throw new Error(`constants of dtype ${dtype} are not supported`);
  }
}

export function emitModel(graph: Graph, outputs: readonly GraphOutput[], options: EmitOptions = {}): Uint8Array {
  const nodes: Proto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  const weightInputs: onnx.IValueInfoProto[] = [];
  const names = new Map<number, string>();
  const intsCache = new Map<string, string>();
  const dimCache = new Map<string, string>();
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}${counter++}`;

  const emitter: Emitter = {
    node(opType, inputs, attrs = {}) {
      const out = fresh('v');
      nodes.push({ opType, input: [...inputs], output: [out], name: fresh('n'), attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
      return out;
    },
    ints(values) {
      const key = values.join(',');
      let name = intsCache.get(key);
      if (!name) {
        name = fresh('c');
        initializers.push({ name, dims: [values.length], dataType: ONNX_DTYPE.int64, rawData: rawBytes(values, 'int64') });
        intsCache.set(key, name);
      }
      return name;
    },
    shapeOf(shape) {
      if (shape.every((d) => typeof d === 'number')) return emitter.ints(shape as number[]);
      const parts = shape.map((d) => (typeof d === 'number' ? emitter.ints([d]) : dimName(d)));
      return emitter.node('Concat', parts, { axis: 0 });
    },
  };

  function dimName(sym: string): string {
    let name = dimCache.get(sym);
    if (!name) {
      const source = graph.dimSources.get(sym);
      if (!source) throw new Error(`symbolic dim "${sym}" has no source: declare it on an input`);
      name = emitter.node('Gather', [emitter.node('Shape', [nameOf(source.tensor)]), emitter.ints([source.axis])], { axis: 0 });
      dimCache.set(sym, name);
    }
    return name;
  }

  function emitLeaf(t: Tensor): string {
    const leaf = leafAttrs(t)!;
    if (leaf.kind === 'input') return leaf.name;
    const dims = t.shape.map((d) => {
      if (typeof d !== 'number') throw new Error('initializers must have static shapes');
      return d;
    });
    const name = leaf.kind === 'weight' ? leaf.name : fresh('c');
    const proto: onnx.ITensorProto = { name, dims, dataType: ONNX_DTYPE[t.dtype] };
    if (leaf.kind === 'constant') proto.rawData = rawBytes(leaf.values, t.dtype);
    else if (leaf.data) proto.rawData = new Uint8Array(leaf.data.buffer, leaf.data.byteOffset, leaf.data.byteLength);
    else if (leaf.external) {
      const location = options.externalLocation ? options.externalLocation(leaf.external.file) : leaf.external.file;
      proto.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      proto.externalData = [
        { key: 'location', value: location },
        { key: 'offset', value: String(leaf.external.offset) },
        { key: 'length', value: String(leaf.external.length) },
      ];
    }
    initializers.push(proto);
    if (leaf.kind === 'weight' && options.weightsAsInputs) weightInputs.push(valueInfo(name, t.shape, t.dtype));
    return name;
  }

  // iterative post-order, so deep graphs do not exhaust the JS stack
  function nameOf(root: Tensor): string {
    const stack: Tensor[] = [root];
    while (stack.length > 0) {
      const t = stack[stack.length - 1];
      if (names.has(t.id)) {
        stack.pop();
        continue;
      }
      if (leafAttrs(t)) {
        names.set(t.id, emitLeaf(t));
        stack.pop();
        continue;
      }
      const pending = t.inputs.filter((x) => !names.has(x.id));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      names.set(t.id, t.op.emit(emitter, t.inputs.map((x) => names.get(x.id)!), t.attrs, t));
      stack.pop();
    }
    return names.get(root.id)!;
  }

  for (const t of graph.inputs) nameOf(t);
  const outputInfos = outputs.map(({ name, tensor }) => {
    const inner = nameOf(tensor);
    nodes.push({ opType: 'Identity', input: [inner], output: [name], name: fresh('n') });
    return valueInfo(name, tensor.shape, tensor.dtype);
  });

  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'instruction-lens',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'instruction_lens',
      node: nodes,
      initializer: initializers,
      input: [...graph.inputs.map((t) => valueInfo(leafAttrs(t)!.kind === 'input' ? (leafAttrs(t) as { name: string }).name : '', t.shape, t.dtype)), ...weightInputs],
      output: outputInfos,
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
