// Elementwise unary primitives. Each VJP reuses the forward output where the derivative allows it.
import { Tensor, type OpDef } from '../tensor';
import { div, mul, sub } from './elementwise';

function unary(name: string, vjp?: OpDef['vjp']): (x: Tensor) => Tensor {
  const op: OpDef = { name, emit: (e, [x]) => e.node(name, [x]), vjp };
  return (x) => new Tensor(x.graph, op, [x], {}, x.shape, x.dtype);
}

export const neg = unary('Neg', (d) => [neg(d)]);
// d exp(x) = exp(x)
export const exp = unary('Exp', (d, out) => [mul(d, out)]);
export const log = unary('Log', (d, out) => [div(d, out.inputs[0])]);
// d sqrt(x) = 1 / (2 sqrt(x))
export const sqrt = unary('Sqrt', (d, out) => [div(mul(d, 0.5), out)]);
// d tanh(x) = 1 - tanh(x)^2
export const tanh = unary('Tanh', (d, out) => [mul(d, sub(1, mul(out, out)))]);
// Sigmoid is a primitive for stability: 1/(1+exp(-x)) overflows exp for large negative x, and its
// derivative s(1-s) reuses the output.
export const sigmoid = unary('Sigmoid', (d, out) => [mul(d, mul(out, sub(1, out)))]);
// d erf(x) = 2/sqrt(pi) exp(-x^2)
export const erf = unary('Erf', (d, out) => {
  const x = out.inputs[0];
  return [mul(d, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))];
});
export const sin = unary('Sin', (d, out) => [mul(d, cos(out.inputs[0]))]);
export const cos = unary('Cos', (d, out) => [neg(mul(d, sin(out.inputs[0])))]);

// Identity in the forward pass, a wall for gradients (softmax's max shift uses it: the result does not
// depend on the shift, so no gradient is lost).
const StopGradient: OpDef = { name: 'StopGradient', emit: (e, [x]) => e.node('Identity', [x]), vjp: () => [null] };
export const stopGradient = (x: Tensor) => new Tensor(x.graph, StopGradient, [x], {}, x.shape, x.dtype);
