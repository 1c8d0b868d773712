// How an architecture asks for its weights: by Hugging Face name, in the graph's compute dtype.
// The runtime implements this over a checkpoint (src/runtime/checkpointWeights.ts); tests may implement it inline.
import type { Tensor } from '../graph';

export interface WeightSource {
  /** The weight in the compute dtype. Throws LensFailure('missing-tensor') naming it when absent. */
  get(name: string): Tensor;
  has(name: string): boolean;
  /** Rows `ids` of a weight, gathered in the stored dtype and then widened: cheaper than widening the whole table. */
  rows(name: string, ids: Tensor): Tensor;
}
