// Batched matrix product with numpy broadcasting over the leading axes: (..., m, k) @ (..., k, n).
import { Tensor, type OpDef } from '../tensor';
import { broadcastShapes } from '../shape';
import { unbroadcast } from './broadcast';
import { transposeLast2 } from './layout';

const MatMul: OpDef = {
  name: 'MatMul',
  emit: (e, [a, b]) => e.node('MatMul', [a, b]),
  // dA = dC B^T, dB = A^T dC, each summed back over the axes that were broadcast
  vjp: (d, out) => {
    const [a, b] = out.inputs;
    return [unbroadcast(matmul(d, transposeLast2(b)), a), unbroadcast(matmul(transposeLast2(a), d), b)];
  },
};

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) throw new Error('matmul needs rank >= 2 operands');
  if (a.dtype !== b.dtype) throw new Error(`matmul: dtypes ${a.dtype} and ${b.dtype} differ`);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) throw new Error(`matmul: [${a.shape}] @ [${b.shape}]`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return new Tensor(a.graph, MatMul, [a, b], {}, [...batch, m, n], a.dtype);
}
