// How an architecture asks for its weights: by Hugging Face name, in the graph's compute dtype.
// The runtime implements this over a checkpoint (src/runtime/checkpointWeights.ts); tests may implement it inline.
import type { Tensor } from '../graph';
import type { ModelConfig } from '../model/config';

export interface WeightSource {
  /** The weight in the compute dtype. Throws LensFailure('missing-tensor') naming it when absent. */
  get(name: string): Tensor;
  has(name: string): boolean;
  /** Rows `ids` of a weight, gathered in the stored dtype and then widened: cheaper than widening the whole table. */
  rows(name: string, ids: Tensor): Tensor;
  /**
   * The weight as consecutive blocks of rows in the compute dtype, for products taken one block at a time
   * (linearRowBlocks): a 16-bit weight widened whole needs a full compute-dtype copy at once, a block only
   * its share. Optional; absent, or where no widening is needed, the whole weight is one block.
   */
  rowBlocks?(name: string): Tensor[];
}

/** `name` as row blocks when the source offers them, else whole. */
export function rowBlocks(weights: WeightSource, name: string): Tensor[] {
  return weights.rowBlocks?.(name) ?? [weights.get(name)];
}

/** The LM head's tensor: lm_head.weight, or the input embeddings when tied or when no head is stored. */
export function lmHeadName(
  config: Pick<ModelConfig, 'tieWordEmbeddings'>,
  has: (name: string) => boolean,
  embedding: string,
): string {
  return config.tieWordEmbeddings || !has('lm_head.weight') ? embedding : 'lm_head.weight';
}
