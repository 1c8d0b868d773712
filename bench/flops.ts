// FLOPs of a built graph, counted from its matrix products with the symbolic dims bound to concrete sizes:
// every MatMul (batched, broadcast) and every Linear (emitted as one ONNX Gemm) reachable from the outputs
// one runs costs 2·(batch)·m·k·n. Elementwise ops, softmax and norms are left out, as MFU estimates do
// (nanoGPT `estimate_mfu`): they are O(T·D) per layer against the products' O(T·D²).
//
// What this gives for the attribution as src/runtime/lensGraph.ts builds it (N prompt tokens, M response
// tokens, T = N + M - 1 positions fed, D width, I intermediate, L layers, H heads, Hkv kv heads, Dh head dim,
// V vocabulary, P = L·(2·D·H·Dh + 2·D·Hkv·Dh + 3·D·I) non-embedding matrix parameters):
//   forward:  2·P·T                          the projections and MLP on all T rows
//           + L·(2·H·T²·Dh)·2                QKᵀ and (probs)V, full T×T (the causal half is not skipped)
//           + 2·M·T·D + 2·M·D·V              picking the M predicting rows, and the LM head on those rows only
//   backward, toward the embeddings only (no weight gradients):
//             2·M·D·V                        the head, once for all M rows (p_m depends on row m only)
//           + M · (2·P·T + 2·L·(2·H·T²·Dh)·2) the body, vectorised over the M one-row seeds: dX = dY·W per
//                                            projection, and both operands of each attention product
// so attribution ≈ (1 + M) forward passes of the body. Counting the graph itself (below) replaces this
// estimate with the products the runtime is actually asked for.
import type { Dim, GraphOutput, Tensor } from '../src/graph';

export interface FlopCount {
  readonly total: number;
  readonly byOp: Readonly<Record<string, number>>; // MatMul, Linear
  readonly products: number; // how many products were counted
}

function size(dim: Dim, dims: Readonly<Record<string, number>>): number {
  if (typeof dim === 'number') return dim;
  const v = dims[dim];
  if (v === undefined) throw new Error(`flops: no size given for symbolic dim "${dim}"`);
  return v;
}

/** Counts the products reachable from `outputs` (each tensor once, however many paths lead to it). */
export function countFlops(outputs: readonly GraphOutput[], dims: Readonly<Record<string, number>>): FlopCount {
  const seen = new Set<number>();
  const stack: Tensor[] = outputs.map((o) => o.tensor);
  const byOp: Record<string, number> = {};
  let products = 0;
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    stack.push(...t.inputs);
    const name = t.op.name;
    if (name !== 'MatMul' && name !== 'Linear' && name !== 'Attend') continue; // Attend: probs (.., m, k) v
    const [a] = t.inputs;
    const k = size(a.shape[a.rank - 1], dims);
    // out is (..., m, n): every output element is a k-long dot product
    const outElements = t.shape.reduce<number>((acc, d) => acc * size(d, dims), 1);
    byOp[name] = (byOp[name] ?? 0) + 2 * outElements * k;
    products++;
  }
  return { total: Object.values(byOp).reduce((a, b) => a + b, 0), byOp, products };
}

/** The estimate from the header's formula, to print beside the count. */
export function attributionFlopsFormula(c: { D: number; I: number; L: number; H: number; Hkv: number; Dh: number; V: number }, N: number, M: number): { forward: number; backward: number } {
  const T = N + M - 1;
  const P = c.L * (2 * c.D * c.H * c.Dh + 2 * c.D * c.Hkv * c.Dh + 3 * c.D * c.I);
  const attention = c.L * 2 * (2 * c.H * T * T * c.Dh);
  const forward = 2 * P * T + attention + 2 * M * T * c.D + 2 * M * c.D * c.V;
  return { forward, backward: 2 * M * c.D * c.V + M * (2 * P * T + 2 * attention) };
}
