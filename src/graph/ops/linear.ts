// y = x W^T + b with W stored [out, in] as Hugging Face stores nn.Linear: emitted as Gemm(transB=1) so the
// weight is read in place, never transposed into a copy.
import { Tensor, type OpDef } from '../tensor';
import { unbroadcast } from './broadcast';
import { matmul } from './matmul';
import { concat } from './layout';
import { transposeLast2 } from './layout';

const Linear: OpDef = {
  name: 'Linear',
  emit: (e, [x, w, b], _attrs, out) => {
    const inDim = (out.inputs[1].shape[1] as number) ?? 0;
    const x2 = out.inputs[0].rank === 2 ? x : e.node('Reshape', [x, e.ints([-1, inDim])]);
    const y2 = e.node('Gemm', b ? [x2, w, b] : [x2, w], { transB: 1 });
    if (out.rank === 2) return y2;
    const outDim = out.inputs[1].shape[0] as number;
    // x's leading dims. A static 1 may be empty at run time (takeLast of nothing), so one leading dim, the
    // symbolic one or else the last, is left to -1; with two symbolic ones, all are read at run time.
    const lead = out.shape.slice(0, -1);
    const symbolic = lead.flatMap((d, i) => (typeof d === 'number' ? [] : [i]));
    if (symbolic.length <= 1) {
      const free = symbolic[0] ?? lead.length - 1;
      return e.node('Reshape', [y2, e.ints([...lead.map((d, i) => (i === free ? -1 : (d as number))), outDim])]);
    }
    const runtimeLead = e.node('Slice', [e.node('Shape', [x]), e.ints([0]), e.ints([-1])]);
    return e.node('Reshape', [y2, e.node('Concat', [runtimeLead, e.ints([outDim])], { axis: 0 })], { allowzero: 1 });
  },
  // dx = dy W; dW = dy^T x summed over the leading axes; db = dy summed likewise
  vjp: (d, out) => {
    const [x, w, b] = out.inputs;
    const dW = unbroadcast(matmul(transposeLast2(d), x), w);
    return [matmul(d, w), dW, b ? unbroadcast(d, b) : null];
  },
};

export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  if (w.rank !== 2 || x.shape[x.rank - 1] !== w.shape[1]) throw new Error(`linear: x [${x.shape}] with W [${w.shape}]`);
  if (typeof w.shape[1] !== 'number') throw new Error('linear: weight shape must be static');
  if (b && (b.rank !== 1 || b.shape[0] !== w.shape[0])) throw new Error(`linear: bias [${b.shape}] for W [${w.shape}]`);
  return new Tensor(x.graph, Linear, b ? [x, w, b] : [x, w], {}, [...x.shape.slice(0, -1), w.shape[0]], x.dtype);
}

/**
 * x W^T with W given as consecutive blocks of its rows: the per-block products concatenated along the last
 * axis, so each block (e.g. of a widened 16-bit LM head) is needed only for its own product.
 */
export function linearRowBlocks(x: Tensor, blocks: readonly Tensor[]): Tensor {
  if (blocks.length === 1) return linear(x, blocks[0]);
  return concat(
    blocks.map((w) => linear(x, w)),
    -1,
  );
}
