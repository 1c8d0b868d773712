// Emits a DSL graph as an ONNX ModelProto with onnx-proto's protobuf encoder, framed by src/graph/onnxWriter.ts.
// Graph inputs keep their declared order; weights become initializers, either inline or as external data
// pointing into the checkpoint's own files, so the runtime can map them instead of copying them.
import { onnx } from 'onnx-proto';
import { concatBytes, encodeGraph, lengthDelimited, wrapGraph } from './onnxWriter';
import { Graph, leafAttrs, Tensor, type Emitter, type OnnxAttr, type Shape } from './tensor';
import { ONNX_DTYPE } from './ops/select';

export interface GraphOutput {
  readonly name: string;
  readonly tensor: Tensor;
}

/**
 * Outputs computed only when the bool input `condition` is true, inside an ONNX If node; otherwise they come
 * back empty (size 0 along every symbolic axis). Lets one model hold computations that run
 * one at a time over shared weights, without feeding the idle one empty tensors (onnxruntime's MatMul
 * rejects zero-sized broadcast batch axes).
 */
export interface ConditionalOutputs {
  readonly condition: Tensor;
  readonly outputs: readonly GraphOutput[];
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
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[dtype],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
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
    case 'uint8':
      return Uint8Array.from(values);
    case 'int8':
      return new Uint8Array(Int8Array.from(values).buffer);
    default:
      throw new Error(`constants of dtype ${dtype} are not supported`);
  }
}

/**
 * A node as it is kept while the graph is emitted: encoded at once (a graph of thousands of nodes held as
 * protobuf objects until the end survives young-generation collections, and V8 grows its young generation
 * for the rest of the run), with its longest path from the graph's inputs.
 */
interface EncodedNode {
  readonly bytes: Uint8Array;
  readonly depth: number;
}

/**
 * The nodes sorted (stably) by their longest path from the graph's inputs: still a topological order, and one
 * that steers onnxruntime's execution order. Its default order is a reverse depth-first walk from the
 * outputs that enters a node's inputs from the highest node index down, so the producer listed last runs
 * first. Under this sort a short side branch, such as a weight's widening Cast or a value the backward pass
 * recomputes from a forward activation, comes before the long chain it meets, and so runs right before its
 * consumer instead of early, where its result would stay alive across everything in between.
 */
function sortByDepth(nodes: readonly EncodedNode[]): Uint8Array[] {
  return nodes
    .map((n, i) => ({ n, i }))
    .sort((a, b) => a.n.depth - b.n.depth || a.i - b.i)
    .map((x) => x.n.bytes);
}

export function emitModel(
  graph: Graph,
  outputs: readonly GraphOutput[],
  options: EmitOptions = {},
  conditional?: ConditionalOutputs,
): Uint8Array {
  let nodes: EncodedNode[] = [];
  let depthOf = new Map<string, number>(); // value name -> longest path from the (sub)graph's inputs
  let collecting: Proto[] | undefined; // inside Emitter.branch: the branch's nodes, kept as objects
  const addNode = (proto: Proto) => {
    if (collecting) {
      collecting.push(proto);
      return;
    }
    const depth = 1 + Math.max(0, ...(proto.input ?? []).map((i) => depthOf.get(i) ?? 0));
    for (const o of proto.output ?? []) depthOf.set(o, depth);
    nodes.push({ bytes: onnx.NodeProto.encode(proto).finish(), depth });
  };
  const initializers: onnx.ITensorProto[] = [];
  const weightInputs: onnx.IValueInfoProto[] = [];
  const names = new Map<number, string>();
  const intsCache = new Map<string, string>();
  const dimCache = new Map<string, string>();
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}${counter++}`;

  const emitter: Emitter = {
    node(opType, inputs, attrs = {}) {
      return emitter.nodeOutputs(opType, inputs, 1, attrs)[0];
    },
    nodeOutputs(opType, inputs, count, attrs = {}) {
      const outs = Array.from({ length: count }, () => fresh('v'));
      addNode({
        opType,
        input: [...inputs],
        output: outs,
        name: fresh('n'),
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      });
      return outs;
    },
    ints(values) {
      const key = values.join(',');
      let name = intsCache.get(key);
      if (!name) {
        name = fresh('c');
        initializers.push({
          name,
          dims: [values.length],
          dataType: ONNX_DTYPE.int64,
          rawData: rawBytes(values, 'int64'),
        });
        intsCache.set(key, name);
      }
      return name;
    },
    constant(values, dtype, dims, key) {
      const cacheKey = `${dtype}|${dims.join(',')}|${key ?? values.join(',')}`;
      let name = intsCache.get(cacheKey);
      if (!name) {
        name = fresh('c');
        initializers.push({ name, dims: [...dims], dataType: ONNX_DTYPE[dtype], rawData: rawBytes(values, dtype) });
        intsCache.set(cacheKey, name);
      }
      return name;
    },
    branch(condition, build) {
      if (collecting) throw new Error('Emitter.branch: branches do not nest');
      const inner: Proto[] = [];
      collecting = inner;
      let result: string;
      try {
        result = build();
      } finally {
        collecting = undefined;
      }
      const out = fresh('v');
      const thenOut = `${out}__then`;
      const elseOut = `${out}__else`;
      inner.push({ opType: 'Identity', input: [result], output: [thenOut], name: fresh('n') });
      const T = onnx.AttributeProto.AttributeType;
      const floats = (name: string): onnx.IValueInfoProto => ({
        name,
        type: { tensorType: { elemType: ONNX_DTYPE.float32 } },
      });
      const empty: Proto = {
        opType: 'Constant',
        input: [],
        output: [elseOut],
        name: fresh('n'),
        attribute: [
          { name: 'value', type: T.TENSOR, t: { dims: [0], dataType: ONNX_DTYPE.float32, rawData: new Uint8Array(0) } },
        ],
      };
      addNode({
        opType: 'If',
        input: [condition],
        output: [out],
        name: fresh('n'),
        attribute: [
          { name: 'then_branch', type: T.GRAPH, g: { name: fresh('then'), node: inner, output: [floats(thenOut)] } },
          { name: 'else_branch', type: T.GRAPH, g: { name: fresh('else'), node: [empty], output: [floats(elseOut)] } },
        ],
      });
      return out;
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
      name = emitter.node('Gather', [emitter.node('Shape', [nameOf(source.tensor)]), emitter.ints([source.axis])], {
        axis: 0,
      });
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
      names.set(
        t.id,
        t.op.emit(
          emitter,
          t.inputs.map((x) => names.get(x.id)!),
          t.attrs,
          t,
        ),
      );
      stack.pop();
    }
    return names.get(root.id)!;
  }

  for (const t of graph.inputs) nameOf(t);
  const outputInfos = outputs.map(({ name, tensor }) => {
    const inner = nameOf(tensor);
    addNode({ opType: 'Identity', input: [inner], output: [name], name: fresh('n') });
    return valueInfo(name, tensor.shape, tensor.dtype);
  });

  let graphNodes: Uint8Array[];
  if (conditional) {
    // Everything emitted from here on belongs to the then-branch; values already named stay in the outer
    // graph and are read from there (ONNX subgraphs see their parent's values).
    const condition = nameOf(conditional.condition);
    const outer = nodes;
    nodes = [];
    depthOf = new Map();
    const thenOutputs = conditional.outputs.map(({ name, tensor }) => {
      const inner = nameOf(tensor);
      const out = `${name}__then`;
      addNode({ opType: 'Identity', input: [inner], output: [out], name: fresh('n') });
      return valueInfo(out, tensor.shape, tensor.dtype);
    });
    const thenBranch = encodeGraph({ name: 'then', output: thenOutputs }, sortByDepth(nodes));
    const elseNodes = conditional.outputs.map(({ name, tensor }) =>
      onnx.NodeProto.encode({
        opType: 'Constant',
        input: [],
        output: [`${name}__else`],
        name: fresh('n'),
        attribute: [
          {
            name: 'value',
            type: onnx.AttributeProto.AttributeType.TENSOR,
            t: {
              dims: tensor.shape.map((d) => (typeof d === 'number' ? d : 0)),
              dataType: ONNX_DTYPE[tensor.dtype],
              rawData: new Uint8Array(0),
            },
          },
        ],
      }).finish(),
    );
    const elseBranch = encodeGraph(
      {
        name: 'else',
        output: conditional.outputs.map(({ name, tensor }) =>
          valueInfo(
            `${name}__else`,
            tensor.shape.map((d) => (typeof d === 'number' ? d : 0)),
            tensor.dtype,
          ),
        ),
      },
      elseNodes,
    );
    const ifNode = onnx.NodeProto.encode({
      opType: 'If',
      input: [condition],
      output: conditional.outputs.map((o) => o.name),
      name: fresh('n'),
    }).finish();
    const branch = (name: string, g: Uint8Array) =>
      lengthDelimited(
        5,
        concatBytes([
          onnx.AttributeProto.encode({ name, type: onnx.AttributeProto.AttributeType.GRAPH }).finish(),
          ...lengthDelimited(6, g),
        ]),
      );
    graphNodes = [
      ...sortByDepth(outer),
      concatBytes([ifNode, ...branch('then_branch', thenBranch), ...branch('else_branch', elseBranch)]),
    ];
    for (const { name, tensor } of conditional.outputs) outputInfos.push(valueInfo(name, tensor.shape, tensor.dtype));
  } else {
    graphNodes = sortByDepth(nodes);
  }

  const body = encodeGraph(
    {
      name: 'instruction_lens',
      initializer: initializers,
      input: [
        ...graph.inputs.map((t) =>
          valueInfo(leafAttrs(t)!.kind === 'input' ? (leafAttrs(t) as { name: string }).name : '', t.shape, t.dtype),
        ),
        ...weightInputs,
      ],
      output: outputInfos,
    },
    graphNodes,
  );
  return wrapGraph(body);
}
