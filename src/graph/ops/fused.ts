// Primitives with hand-written VJPs that keep fewer forward activations alive for the backward pass than
// their compositions would (each composed op's VJP holds on to what it reads):
//   softmax      its output only (exp and the normaliser need not be kept);
//   invRms       its input and its (…, 1) output only (RMSNorm no longer keeps x / rms);
//   swiglu       its two inputs only: σ(g) and g σ(g) are recomputed in the backward pass;
//   attend       its inputs only: the attention probabilities (heads × T × T per layer) are recomputed.
import { Tensor, type OpDef } from '../tensor';
import { grad } from '../autodiff';
import { add, div, mul, sub } from './elementwise';
import { apart } from './layout';
import { matmul } from './matmul';
import { reduceSum } from './reduce';
import { where } from './select';
import { tanh } from './unary';
import { normAxis } from '../shape';

const Softmax: OpDef = {
  name: 'Softmax',
  emit: (e, [x], _attrs, out) => e.node('Softmax', [x], { axis: out.rank - 1 }),
  // dx = p (d - Σ_j d_j p_j)
  vjp: (d, out) => [mul(out, sub(d, reduceSum(mul(d, out), [-1], true)))],
};

/** Softmax over the last axis. */
export function softmax(x: Tensor): Tensor {
  return new Tensor(x.graph, Softmax, [x], {}, x.shape, x.dtype);
}

const InvRms: OpDef = {
  name: 'InvRms',
  emit: (e, [x, eps]) =>
    e.node('Reciprocal', [
      e.node('Sqrt', [
        e.node('Add', [e.node('ReduceMean', [e.node('Mul', [x, x])], { axes: [-1], keepdims: 1 }), eps]),
      ]),
    ]),
  // r = (mean(x²) + eps)^(-1/2): dr/dx = -r³ x / n
  vjp: (d, out) => {
    const x = out.inputs[0];
    const n = x.shape[x.rank - 1] as number;
    return [mul(mul(d, mul(mul(out, mul(out, out)), -1 / n)), x), null];
  },
};

/** 1 / sqrt(mean(x², last axis) + eps), keeping the axis: (…, D) -> (…, 1). */
export function invRms(x: Tensor, eps: number): Tensor {
  const n = x.shape[normAxis(-1, x.rank)];
  if (typeof n !== 'number') throw new Error('invRms: last axis must be static');
  return new Tensor(x.graph, InvRms, [x, x.graph.scalar(eps, x.dtype)], {}, [...x.shape.slice(0, -1), 1], x.dtype);
}

const SwiGlu: OpDef = {
  name: 'SwiGlu',
  emit: (e, [g, u]) => e.node('Mul', [e.node('Mul', [g, e.node('Sigmoid', [g])]), u]),
  // y = g σ(g) u: dg = d u σ(g)(1 + g(1 - σ(g))), du = d g σ(g). σ is recomputed as (1 + tanh(g/2)) / 2, a
  // form onnxruntime's common-subexpression elimination cannot merge with the forward pass's Sigmoid (which
  // would keep that one alive until here).
  vjp: (d, out) => {
    const [g, u] = out.inputs;
    const s = add(mul(tanh(mul(g, 0.5)), 0.5), 0.5);
    const slope = mul(s, add(mul(g, sub(1, s)), 1));
    return [mul(d, mul(u, slope)), mul(d, mul(g, s))];
  },
};

/** SiLU(g) · u, the gated unit of Llama's MLP (g, u of one shape). */
export function swiglu(g: Tensor, u: Tensor): Tensor {
  if (g.shape.length !== u.shape.length || g.shape.some((dim, i) => dim !== u.shape[i]) || g.dtype !== u.dtype) {
    throw new Error(`swiglu: g [${g.shape}] and u [${u.shape}] differ`);
  }
  return new Tensor(g.graph, SwiGlu, [g, u], {}, g.shape, g.dtype);
}

const Attend: OpDef = {
  name: 'Attend',
  // probs v; q, kT, mask, scale and fill are inputs only for the backward pass
  emit: (e, [probs, v]) => e.node('MatMul', [probs, v]),
  // The probabilities again, from q scaled before the product (so not merged with the forward pass's) and
  // apart per backward pass, then differentiated as composed ops; the forward's probabilities get no
  // gradient of their own.
  vjp: (d, out, { salt }) => {
    const [, v, q, kT, mask, scale, fill, cap] = out.inputs;
    const probs = softmax(where(mask, softcap(matmul(mul(apart(q, salt), scale), kT), cap), fill));
    const [dq, dkT, dv] = grad(matmul(probs, v), [q, kT, v], d, { salt });
    return [null, dv, dq, dkT, null, null, null, ...(cap ? [null] : [])];
  },
};

/** cap · tanh(x / cap) (Gemma 2's attention-logit soft-capping), or x when there is no cap. */
function softcap(x: Tensor, cap: Tensor | undefined): Tensor {
  return cap ? mul(tanh(mul(x, reciprocal(cap))), cap) : x;
}

const reciprocal = (x: Tensor) => div(1, x);

/**
 * Attention: its probabilities softmax(where(mask, softcap(q kT · scale), fill)) over the last axis and its
 * output probs v, broadcast over the leading axes; the backward pass recomputes the probabilities instead of
 * keeping them. `scale`, `fill` and `cap` are scalars; softcap(x) = cap · tanh(x / cap), none without a cap.
 */
export function attend(
  q: Tensor,
  kT: Tensor,
  v: Tensor,
  mask: Tensor,
  scale: number,
  fill: number,
  cap: number | null = null,
): { probs: Tensor; out: Tensor } {
  const g = q.graph;
  const [scaleT, fillT] = [g.scalar(scale, q.dtype), g.scalar(fill, q.dtype)];
  const capT = cap === null ? undefined : g.scalar(cap, q.dtype);
  const probs = softmax(where(mask, softcap(mul(matmul(q, kT), scaleT), capT), fillT));
  const shape = matmul(probs, v).shape; // checks the shapes (this node is never emitted)
  return {
    probs,
    out: new Tensor(g, Attend, [probs, v, q, kT, mask, scaleT, fillT, ...(capT ? [capT] : [])], {}, shape, q.dtype),
  };
}
