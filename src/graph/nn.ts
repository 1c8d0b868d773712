// Neural-network building blocks composed from primitives, so their gradients come from the primitives'
// VJPs: softmax, RMSNorm, LayerNorm, SiLU, SwiGLU, GELU (tanh approximation). Softmax, RMSNorm's scale and
// SwiGLU are fused primitives (ops/fused.ts), which keep fewer activations for the backward pass.
import type { Tensor } from './tensor';
import { add, div, mul, sub } from './ops/elementwise';
import { erf, sigmoid, sqrt, tanh } from './ops/unary';
import { reduceSum } from './ops/reduce';
import { invRms } from './ops/fused';

export { softmax, swiglu } from './ops/fused';

/** Mean over the last axis (static size), keeping it. */
export function meanLast(x: Tensor): Tensor {
  const n = x.shape[x.rank - 1];
  if (typeof n !== 'number') throw new Error('meanLast: last axis must be static');
  return mul(reduceSum(x, [-1], true), 1 / n);
}

/** Llama RMSNorm: x / sqrt(mean(x^2) + eps) * weight. */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  return mul(mul(x, invRms(x, eps)), weight);
}

/** LayerNorm with biased variance, as torch.nn.LayerNorm. */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  const centred = sub(x, meanLast(x));
  const variance = meanLast(mul(centred, centred));
  return add(mul(div(centred, sqrt(add(variance, eps))), weight), bias);
}

export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}

/** GPT-2's gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function geluTanh(x: Tensor): Tensor {
  const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
export function geluErf(x: Tensor): Tensor {
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}
