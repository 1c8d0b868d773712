// Broadcasting binary arithmetic: Add, Sub, Mul, Div. Numbers are promoted to scalar constants of the other
// operand's dtype.
import { Tensor, type OpDef } from '../tensor';
import { broadcastShapes } from '../shape';
import { unbroadcast } from './broadcast';
import { neg } from './unary';

export type Operand = Tensor | number;

function binary(op: OpDef, a: Operand, b: Operand): Tensor {
  const ta = typeof a === 'number' ? (b as Tensor).graph.scalar(a, (b as Tensor).dtype) : a;
  const tb = typeof b === 'number' ? ta.graph.scalar(b, ta.dtype) : b;
  if (ta.dtype !== tb.dtype) throw new Error(`${op.name}: dtypes ${ta.dtype} and ${tb.dtype} differ`);
  return new Tensor(ta.graph, op, [ta, tb], {}, broadcastShapes(ta.shape, tb.shape), ta.dtype);
}

const Add: OpDef = {
  name: 'Add',
  emit: (e, [a, b]) => e.node('Add', [a, b]),
  vjp: (d, out) => [unbroadcast(d, out.inputs[0]), unbroadcast(d, out.inputs[1])],
};

const Sub: OpDef = {
  name: 'Sub',
  emit: (e, [a, b]) => e.node('Sub', [a, b]),
  vjp: (d, out) => [unbroadcast(d, out.inputs[0]), unbroadcast(neg(d), out.inputs[1])],
};

const Mul: OpDef = {
  name: 'Mul',
  emit: (e, [a, b]) => e.node('Mul', [a, b]),
  // d(a*b) = b da + a db
  vjp: (d, out) => {
    const [a, b] = out.inputs;
    return [unbroadcast(mul(d, b), a), unbroadcast(mul(d, a), b)];
  },
};

const Div: OpDef = {
  name: 'Div',
  emit: (e, [a, b]) => e.node('Div', [a, b]),
  // d(a/b) = da/b - (a/b) db/b: reuse the forward output a/b
  vjp: (d, out) => {
    const [a, b] = out.inputs;
    const dOverB = div(d, b);
    return [unbroadcast(dOverB, a), unbroadcast(neg(mul(dOverB, out)), b)];
  },
};

export const add = (a: Operand, b: Operand) => binary(Add, a, b);
export const sub = (a: Operand, b: Operand) => binary(Sub, a, b);
export const mul = (a: Operand, b: Operand) => binary(Mul, a, b);
export const div = (a: Operand, b: Operand) => binary(Div, a, b);
