// FLOPs of the attribution graph: the counter itself (products reachable from the outputs, with the symbolic
// dims bound) is src/graph/flops.ts, which the cost estimate uses too; here is the closed form to print beside it.
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
export { countFlops, type FlopCount } from '../src/graph/flops';

/** The estimate from the header's formula, to print beside the count. */
export function attributionFlopsFormula(
  c: { D: number; I: number; L: number; H: number; Hkv: number; Dh: number; V: number },
  N: number,
  M: number,
): { forward: number; backward: number } {
  const T = N + M - 1;
  const P = c.L * (2 * c.D * c.H * c.Dh + 2 * c.D * c.Hkv * c.Dh + 3 * c.D * c.I);
  const attention = c.L * 2 * (2 * c.H * T * T * c.Dh);
  const forward = 2 * P * T + attention + 2 * M * T * c.D + 2 * M * c.D * c.V;
  return { forward, backward: 2 * M * c.D * c.V + M * (2 * P * T + 2 * attention) };
}
