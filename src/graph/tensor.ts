// The symbolic tensor of the graph DSL: a node that knows its op, inputs, shape and dtype.
// A graph is only the set of tensors reachable from the outputs one emits; `Graph` holds the leaves
// (inputs, weights, constants) and the symbolic dimensions' sources. Nothing here runs anything.

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'bool' | 'uint8' | 'int8';
/** A dimension: a number, or a symbol such as "T" bound at run time by the graph input that declares it. */
export type Dim = number | string;
export type Shape = readonly Dim[];
/** A dim only the run knows, counted as its average share of another (Graph.dimShares). */
export interface DimShare {
  readonly of: Dim;
  readonly fraction: number;
}

export const isFloat = (d: DType) => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';

/** Emission services an op uses to write its ONNX node(s). */
export interface Emitter {
  /** Adds one ONNX node and returns the name of its (first) output. */
  node(opType: string, inputs: readonly string[], attrs?: Readonly<Record<string, OnnxAttr>>): string;
  /** Adds one ONNX node with `count` outputs and returns their names. */
  nodeOutputs(
    opType: string,
    inputs: readonly string[],
    count: number,
    attrs?: Readonly<Record<string, OnnxAttr>>,
  ): string[];
  /** A 1-D int64 tensor holding `shape`, symbols resolved at run time. */
  shapeOf(shape: Shape): string;
  /** A small int64 constant. */
  ints(values: readonly number[]): string;
  /**
   * The float32 value `build` computes (with this emitter's nodes), inside an If on `condition` whose other
   * branch gives an empty tensor: to the graph around it one node, scheduled as one, its intermediate values
   * alive only while it runs. `condition` must be true whenever the value is used. No symbolic dims inside.
   */
  branch(condition: string, build: () => string): string;
  /** A constant tensor of any dtype, shared by `key` (default: its values) within the model. */
  constant(values: readonly number[], dtype: DType, dims: readonly number[], key?: string): string;
}
export type OnnxAttr = number | readonly number[] | string | { readonly float: number };

export interface OpDef<A = unknown> {
  readonly name: string;
  emit(e: Emitter, inputs: readonly string[], attrs: A, out: Tensor): string;
  /**
   * Vector-Jacobian product. `dOut` has shape [B, ...out.shape]: a batch of B cotangents (the backward is
   * vectorised over them). Returns one cotangent per input, each [B, ...input.shape], or null when none flows.
   * Absent: the op is not differentiable (grad() throws if a gradient would have to pass through it).
   */
  vjp?(dOut: Tensor, out: Tensor, context: VjpContext): readonly (Tensor | null)[];
}

/** What a VJP knows of the backward pass it is part of. */
export interface VjpContext {
  /**
   * Tells this backward pass apart from another over the same forward pass (GradOptions.salt): values a
   * VJP recomputes from forward values must be computed apart (`apart`) for each, or the runtime merges them.
   */
  readonly salt: number;
}

let nextId = 0;

export class Tensor {
  readonly id = nextId++;
  constructor(
    readonly graph: Graph,
    // each op's attrs have their own type, and a tensor holds any op's
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly op: OpDef<any>,
    readonly inputs: readonly Tensor[],
    // the attrs of whichever op `op` is
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly attrs: any,
    readonly shape: Shape,
    readonly dtype: DType,
  ) {}

  get rank(): number {
    return this.shape.length;
  }
}

export interface ExternalData {
  readonly file: string; // absolute path
  readonly offset: number;
  readonly length: number;
}

export type LeafAttrs =
  | { readonly kind: 'input'; readonly name: string }
  | {
      readonly kind: 'weight';
      readonly name: string;
      readonly external?: ExternalData;
      readonly data?: ArrayBufferView;
    }
  | { readonly kind: 'constant'; readonly values: readonly number[] };

/** Leaves are emitted by the emitter itself (graph inputs and initializers), never as nodes. */
export const Leaf: OpDef<LeafAttrs> = {
  name: 'Leaf',
  emit() {
    throw new Error('leaves are emitted as graph inputs or initializers');
  },
};

export class Graph {
  readonly inputs: Tensor[] = [];
  readonly weights: Tensor[] = [];
  /** Where each symbolic dim can be read at run time: the first input that declared it. */
  readonly dimSources = new Map<string, { tensor: Tensor; axis: number }>();
  /**
   * Symbolic dims whose size only the run knows (the tokens routed to an expert), as a fraction of another
   * dim on average: what FLOP counts use for them.
   */
  readonly dimShares = new Map<string, DimShare>();
  private readonly constants = new Map<string, Tensor>();
  private readonly castCache = new Map<string, Tensor>();

  constructor(readonly computeDtype: 'float32' | 'float64' = 'float32') {}

  input(name: string, shape: Shape, dtype: DType = this.computeDtype): Tensor {
    if (this.inputs.some((t) => (t.attrs as LeafAttrs & { name: string }).name === name))
      throw new Error(`duplicate input ${name}`);
    const t = new Tensor(this, Leaf, [], { kind: 'input', name } satisfies LeafAttrs, shape, dtype);
    shape.forEach((d, axis) => {
      if (typeof d === 'string' && !this.dimSources.has(d)) this.dimSources.set(d, { tensor: t, axis });
    });
    this.inputs.push(t);
    return t;
  }

  /** Makes `sym` readable at run time from an intermediate tensor (e.g. the KV cache's total length). */
  bindDim(sym: string, tensor: Tensor, axis: number): void {
    if (!this.dimSources.has(sym)) this.dimSources.set(sym, { tensor, axis });
  }

  /** A stored weight (initializer), in its stored dtype. Use `weightAs` to get it in the compute dtype. */
  weight(
    name: string,
    shape: Shape,
    dtype: DType,
    source: { external: ExternalData } | { data: ArrayBufferView },
  ): Tensor {
    const attrs: LeafAttrs =
      'external' in source
        ? { kind: 'weight', name, external: source.external }
        : { kind: 'weight', name, data: source.data };
    const t = new Tensor(this, Leaf, [], attrs, shape, dtype);
    this.weights.push(t);
    return t;
  }

  /** A constant of the given shape (row-major values). Identical small constants are shared. */
  constant(values: readonly number[], shape: Shape = [], dtype: DType = this.computeDtype): Tensor {
    const key = `${dtype}|${shape.join(',')}|${values.length <= 64 ? values.join(',') : nextId}`;
    let t = this.constants.get(key);
    if (!t) {
      t = new Tensor(this, Leaf, [], { kind: 'constant', values } satisfies LeafAttrs, shape, dtype);
      this.constants.set(key, t);
    }
    return t;
  }

  scalar(value: number, dtype: DType = this.computeDtype): Tensor {
    return this.constant([value], [], dtype);
  }

  /** Memoised per tensor, so a weight stored in bf16 is cast once per graph, at its use. */
  cached(key: string, make: () => Tensor): Tensor {
    let t = this.castCache.get(key);
    if (!t) {
      t = make();
      this.castCache.set(key, t);
    }
    return t;
  }
}

export function leafAttrs(t: Tensor): LeafAttrs | undefined {
  return t.op === Leaf ? (t.attrs as LeafAttrs) : undefined;
}
