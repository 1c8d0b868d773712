// What every model family provides to the runtime: token embeddings, the transformer body, the LM head.
// S new tokens, K keys (cached + new), D width, V vocabulary.
import type { Dim, Tensor } from '../graph';
import type { ModelConfig } from '../model/config';
import type { KeyValue } from './attention';
import type { WeightSource } from './weights';

export interface ForwardInputs {
  readonly embeds: Tensor; // (1, S, D) token embeddings: the rows attribution is taken against
  readonly positions: Tensor; // (S,) int64 absolute positions
  readonly past?: readonly KeyValue[]; // per layer, (1, Hkv, P, Dh)
  readonly keyDim: Dim; // name of K = P + S
  /** (1,) int64: the sequence length a length-dependent rotation (longrope) goes by; default P + S. */
  readonly ropeLength?: Tensor;
}

export interface ForwardOutputs {
  readonly hidden: Tensor; // (1, S, D) after the final norm
  readonly fresh: readonly KeyValue[]; // per layer, the S new positions' keys and values (1, Hkv, S, Dh)
  readonly attention: readonly Tensor[]; // per layer, (1, Hkv, G, S, K)
}

export interface Architecture {
  readonly config: ModelConfig;
  /** ids (1, S) int64 -> (1, S, D) */
  embed(ids: Tensor): Tensor;
  /** The Hugging Face name of the table embed() takes rows of, for callers that read the rows themselves. */
  readonly embeddingTable: string;
  forward(inputs: ForwardInputs): ForwardOutputs;
  /** (..., D) -> (..., V) */
  logits(hidden: Tensor): Tensor;
}

export type ArchitectureBuilder = (config: ModelConfig, weights: WeightSource) => Architecture;
