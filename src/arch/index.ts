// The model families, by config.json model_type.
import type { ModelType } from '../model/config';
import type { ArchitectureBuilder } from './architecture';
import { buildGpt2 } from './gpt2';
import { buildLlama } from './llama';

export const ARCHITECTURES: Record<ModelType, ArchitectureBuilder> = {
  llama: buildLlama,
  mistral: buildLlama,
  qwen2: buildLlama,
  gpt2: buildGpt2,
};

export type { Architecture, ForwardInputs, ForwardOutputs } from './architecture';
export type { KeyValue } from './attention';
export type { WeightSource } from './weights';
