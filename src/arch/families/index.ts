// Every supported family, in the order the README's table lists them, and what reads them: config.json's
// model_type picks the family; its declaration (src/arch/family.ts) does the rest.
import { fail, type Result } from '../../lensError';
import { badConfig, type Json, type ModelConfig } from '../../model/config';
import type { WeightStore } from '../../model/safetensors';
import type { Family } from '../family';
import type { GlobalWeights } from '../globalWeights';
import { gemma2 } from './gemma2';
import { gemma3 } from './gemma3';
import { gpt2 } from './gpt2';
import { llama } from './llama';
import { mistral } from './mistral';
import { mixtral } from './mixtral';
import { olmo2 } from './olmo2';
import { phi3 } from './phi3';
import { qwen2 } from './qwen2';
import { qwen3 } from './qwen3';
import { qwen3Moe } from './qwen3Moe';

export const FAMILIES: readonly Family[] = [
  llama,
  mistral,
  qwen2,
  qwen3,
  olmo2,
  phi3,
  mixtral,
  qwen3Moe,
  gemma2,
  gemma3,
  gpt2,
];

export const SUPPORTED_MODEL_TYPES: readonly string[] = FAMILIES.flatMap((f) => f.modelTypes);

/** The family that reads `modelType`; throws for one no family declares (parseConfig refuses those first). */
export function familyOf(modelType: string): Family {
  const family = FAMILIES.find((f) => f.modelTypes.includes(modelType));
  if (!family) throw new Error(`no family reads model_type "${modelType}"`);
  return family;
}

/** config.json normalised by its family, or why it cannot be. */
export function parseConfig(raw: unknown): Result<ModelConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return badConfig('the file is not a JSON object');
  const cfg = raw as Json;
  const modelType = cfg.model_type;
  if (typeof modelType !== 'string') return badConfig('"model_type" is missing');
  if (!SUPPORTED_MODEL_TYPES.includes(modelType)) {
    return fail(
      'unsupported-arch',
      `config.json: model_type "${modelType}" is not supported`,
      `Supported: ${SUPPORTED_MODEL_TYPES.join(', ')} (the README's table says what each covers).`,
    );
  }
  const architecture =
    Array.isArray(cfg.architectures) && typeof cfg.architectures[0] === 'string' ? cfg.architectures[0] : modelType;
  return familyOf(modelType).parseConfig(cfg, modelType, architecture);
}

/** The checkpoint's weights as heads and concepts read them. */
export function globalWeights(config: ModelConfig, store: WeightStore): GlobalWeights {
  return familyOf(config.modelType).globalWeights(config, store);
}
