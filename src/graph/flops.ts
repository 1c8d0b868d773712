// FLOPs of a built graph, counted from its matrix products with the symbolic dims bound to concrete sizes:
// every MatMul (batched, broadcast), Linear (emitted as one ONNX Gemm) and Attend (probs · values) reachable
// from the outputs one runs costs 2·(batch)·m·k·n. Elementwise ops, softmax and norms are left out, as MFU
// estimates do (nanoGPT `estimate_mfu`): they are O(T·D) per layer against the products' O(T·D²).
// The products are collected once (flopTerms) and evaluated for any sizes (evaluateFlops), so a cost estimate
// over many prompts walks the graph once. The tokens a mixture routes to each expert count as their average
// share, which sums to the exact total over the experts.
import type { GraphOutput } from './emit';
import type { Dim, DimShare, Tensor } from './tensor';

export interface FlopCount {
  readonly total: number;
  readonly byOp: Readonly<Record<string, number>>; // MatMul, Linear, Attend
  readonly products: number; // how many products were counted
}

/** One product: 2 · (elements of its output) · k. */
export interface FlopTerm {
  readonly op: string;
  readonly out: readonly (Dim | DimShare)[];
  readonly k: Dim | DimShare;
}

const PRODUCTS = new Set(['MatMul', 'Linear', 'Attend']);

/** The products reachable from `outputs`, each tensor once however many paths lead to it. */
export function flopTerms(outputs: readonly GraphOutput[]): FlopTerm[] {
  const seen = new Set<number>();
  const stack: Tensor[] = outputs.map((o) => o.tensor);
  const terms: FlopTerm[] = [];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    stack.push(...t.inputs);
    if (!PRODUCTS.has(t.op.name)) continue;
    const [a] = t.inputs;
    const dim = (d: Dim): Dim | DimShare => (typeof d === 'string' ? (t.graph.dimShares.get(d) ?? d) : d);
    // out is (..., m, n): every output element is a k-long dot product
    terms.push({ op: t.op.name, out: t.shape.map(dim), k: dim(a.shape[a.rank - 1]) });
  }
  return terms;
}

function size(dim: Dim | DimShare, dims: Readonly<Record<string, number>>): number {
  if (typeof dim === 'number') return dim;
  if (typeof dim === 'object') return dim.fraction * size(dim.of, dims);
  const v = dims[dim];
  if (v === undefined) throw new Error(`flops: no size given for symbolic dim "${dim}"`);
  return v;
}

export function evaluateFlops(terms: readonly FlopTerm[], dims: Readonly<Record<string, number>>): FlopCount {
  const byOp: Record<string, number> = {};
  for (const t of terms) {
    const outElements = t.out.reduce<number>((acc, d) => acc * size(d, dims), 1);
    byOp[t.op] = (byOp[t.op] ?? 0) + 2 * outElements * size(t.k, dims);
  }
  return { total: Object.values(byOp).reduce((a, b) => a + b, 0), byOp, products: terms.length };
}

/** Counts the products reachable from `outputs` for the given sizes of the symbolic dims. */
export function countFlops(outputs: readonly GraphOutput[], dims: Readonly<Record<string, number>>): FlopCount {
  return evaluateFlops(flopTerms(outputs), dims);
}
