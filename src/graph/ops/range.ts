// Integer index arithmetic on shapes: the size of an axis at run time, and Range. Never differentiated.
import { Tensor, type Dim, type OpDef } from '../tensor';
import { normAxis } from '../shape';

const DimOf: OpDef<{ axis: number }> = {
  name: 'DimOf',
  emit: (e, [x], { axis }) => e.node('Gather', [e.node('Shape', [x]), e.ints([axis])], { axis: 0 }),
};

/** The run-time size of one axis of x, as a 1-element int64 tensor. */
export function dimOf(x: Tensor, axis: number): Tensor {
  return new Tensor(x.graph, DimOf, [x], { axis: normAxis(axis, x.rank) }, [1], 'int64');
}

const Range: OpDef = {
  name: 'Range',
  emit: (e, [start, limit]) => {
    const scalar = (t: string) => e.node('Squeeze', [t, e.ints([0])]);
    return e.node('Range', [scalar(start), scalar(limit), e.node('Squeeze', [e.ints([1]), e.ints([0])])]);
  },
};

/** [start, limit) as int64, both given as 1-element int64 tensors; `size` names the result's dim. */
export function range(start: Tensor, limit: Tensor, size: Dim): Tensor {
  return new Tensor(start.graph, Range, [start, limit], {}, [size], 'int64');
}
