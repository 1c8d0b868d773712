// Reverse-mode autodiff over the DSL, vectorised over a batch of cotangents.
//
// grad(y, wrt, seed) builds the graph of  d<seed_b, y>/d wrt  for every b at once: seed has shape
// [B, ...y.shape] and each result has shape [B, ...wrt.shape]. With B response tokens and one-hot seeds,
// one backward pass gives every token's input gradient while the forward activations are computed once.
// Only nodes on a path from `wrt` to `y` are differentiated, so no weight gradients are built unless asked.
import { isFloat, leafAttrs, Tensor } from './tensor';
import { recast } from './ops/select';
import { isGgmlWeight, recomputeGgmlWeight } from './ops/ggmlWeight';
import { add } from './ops/elementwise';

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i === 0 && seen.has(t.id)) {
      stack.pop();
      continue;
    }
    seen.add(t.id);
    if (i < t.inputs.length) {
      top[1]++;
      const next = t.inputs[i];
      if (!seen.has(next.id)) stack.push([next, 0]);
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order; // inputs before the tensors that use them
}

/** A 16-bit weight widened by a Cast: cheaper to widen again than to keep from the forward pass to the backward. */
function isWidenedWeight(x: Tensor): boolean {
  return x.op.name === 'Cast' && leafAttrs(x.inputs[0])?.kind === 'weight';
}

// VJPs that read their inputs' values but never their own output: for these a rematerialised input is safe.
const REMAT_SAFE = new Set(['Linear', 'MatMul', 'Mul', 'Add', 'Sub']);

/** The node as its VJP should see it: widened weights among its inputs are re-widened in the backward pass. */
function forBackward(t: Tensor, salt: number): Tensor {
  if (!REMAT_SAFE.has(t.op.name) || !t.inputs.some((x) => isWidenedWeight(x) || isGgmlWeight(x))) return t;
  const inputs = t.inputs.map((x) =>
    isWidenedWeight(x) ? recast(x.inputs[0], x.dtype, salt) : isGgmlWeight(x) ? recomputeGgmlWeight(x, salt) : x,
  );
  return new Tensor(t.graph, t.op, inputs, t.attrs, t.shape, t.dtype);
}

export interface GradOptions {
  /**
   * Tells this backward pass's re-widened weights apart from another's over the same weights (recast), so
   * that backward passes run one after the other each widen their own and none stays alive for the next.
   */
  readonly salt?: number;
}

export function grad(y: Tensor, wrt: readonly Tensor[], seed: Tensor, options: GradOptions = {}): (Tensor | null)[] {
  if (seed.rank !== y.rank + 1 || y.shape.some((d, i) => seed.shape[i + 1] !== d)) {
    throw new Error(`grad: seed [${seed.shape}] must be [B, ...${JSON.stringify(y.shape)}]`);
  }
  const order = topoOrder(y);
  // tensors whose value depends on some wrt through float ops
  const live = new Set<number>(wrt.map((w) => w.id));
  for (const t of order) {
    if (isFloat(t.dtype) && t.inputs.some((x) => live.has(x.id))) live.add(t.id);
  }
  const cotangents = new Map<number, Tensor>([[y.id, seed]]);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const d = cotangents.get(t.id);
    if (!d || t.inputs.length === 0 || !t.inputs.some((x) => live.has(x.id))) continue;
    if (!t.op.vjp) throw new Error(`grad: ${t.op.name} is not differentiable, but a gradient must flow through it`);
    const dInputs = t.op.vjp(d, forBackward(t, options.salt ?? 0), { salt: options.salt ?? 0 });
    t.inputs.forEach((x, k) => {
      const dx = dInputs[k];
      if (!dx || !live.has(x.id)) return;
      const prev = cotangents.get(x.id);
      cotangents.set(x.id, prev ? add(prev, dx) : dx);
    });
  }
  return wrt.map((w) => cotangents.get(w.id) ?? null);
}
