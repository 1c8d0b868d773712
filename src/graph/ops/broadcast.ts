// unbroadcast: the adjoint of numpy broadcasting. Every VJP of a broadcasting op ends with it.
import type { Tensor } from '../tensor';
import { reshape } from './layout';
import { reduceSum } from './reduce';

/**
 * Sums a cotangent d of shape [B, ...outShape] down to [B, ...x.shape]: over the leading axes that x lacks
 * and over the axes where x has size 1 but the output does not. Axis 0 (the cotangent batch) is never summed.
 */
export function unbroadcast(d: Tensor, x: Tensor): Tensor {
  const out = d.shape.slice(1);
  const lead = out.length - x.rank;
  const axes: number[] = [];
  out.forEach((dim, i) => {
    if (i < lead || (x.shape[i - lead] === 1 && dim !== 1)) axes.push(i + 1);
  });
  if (axes.length === 0 && lead === 0) return d;
  const summed = axes.length > 0 ? reduceSum(d, axes, true) : d;
  return reshape(summed, [d.shape[0], ...x.shape]);
}
