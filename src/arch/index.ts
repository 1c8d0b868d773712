// The model families, by config.json model_type.
import type { ModelType } from '../model/config';
import type { ArchitectureBuilder } from './architecture';
import { buildGemma, gemmaWeightShapes } from './gemma';
import { buildGpt2, gpt2WeightShapes } from './gpt2';
import { buildLlama, llamaWeightShapes } from './llama';
import type { WeightShapes } from './weightShapes';

export const ARCHITECTURES: Record<ModelType, ArchitectureBuilder> = {
  llama: buildLlama,
  mistral: buildLlama,
  qwen2: buildLlama,
  qwen3: buildLlama,
  olmo2: buildLlama,
  phi3: buildLlama,
  mixtral: buildLlama,
  qwen3_moe: buildLlama,
  gemma2: buildGemma,
  gemma3_text: buildGemma,
  gemma3: buildGemma,
  gpt2: buildGpt2,
};

export const WEIGHT_SHAPES: Record<ModelType, WeightShapes> = {
  llama: llamaWeightShapes,
  mistral: llamaWeightShapes,
  qwen2: llamaWeightShapes,
  qwen3: llamaWeightShapes,
  olmo2: llamaWeightShapes,
  phi3: llamaWeightShapes,
  mixtral: llamaWeightShapes,
  qwen3_moe: llamaWeightShapes,
  gemma2: gemmaWeightShapes,
  gemma3_text: gemmaWeightShapes,
  gemma3: gemmaWeightShapes,
  gpt2: gpt2WeightShapes,
};

export { checkWeightShapes } from './weightShapes';
export type { Architecture, ForwardInputs, ForwardOutputs } from './architecture';
export type { KeyValue } from './attention';
export type { WeightSource } from './weights';
