// What a model family declares, once: the config.json model types it reads and how, its graph, its tensors'
// names and shapes, how the global methods (heads, concepts) read its weights, and its row of the README's
// table. Everything else (loading, the forward and backward graphs, the shape check, heads, concepts,
// compare, the README test) goes through src/arch/families, so adding a family is one file there and its test.
import type { Result } from '../lensError';
import type { Json, ModelConfig } from '../model/config';
import type { WeightStore } from '../model/safetensors';
import type { ArchitectureBuilder } from './architecture';
import type { GlobalWeights } from './globalWeights';
import type { WeightShapes } from './weightShapes';

export interface Family {
  /** config.json's model_type values this family reads. */
  readonly modelTypes: readonly string[];
  /**
   * Its row of the README's table of supported checkpoints: which models, what of them is implemented, and
   * the settings its random checkpoints are checked with against the float64 reference (test/reference).
   */
  readonly readme: { readonly models: string; readonly notes: string; readonly checked: string };
  /** config.json (a JSON object whose model_type is one of modelTypes) normalised. */
  parseConfig(cfg: Json, modelType: string, architecture: string): Result<ModelConfig>;
  /** The forward graph over its weights. */
  readonly build: ArchitectureBuilder;
  /** Its tensors and the shapes config.json implies, checked before anything runs. */
  readonly weightShapes: WeightShapes;
  /** Its weights as the global methods read them (query/key projections, W_down, embeddings). */
  globalWeights(config: ModelConfig, store: WeightStore): GlobalWeights;
}
