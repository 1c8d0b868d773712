// Finding a weight by its Hugging Face name in a checkpoint's safetensors: the same weights are saved with or
// without the base model's prefix ("model.", "transformer."), depending on the class that saved them, and a
// multimodal checkpoint (Gemma 3) keeps its language model's under "language_model.model." (transformers 4)
// or "model.language_model." (from 4.52). The runtime's graph weights and the global methods' plain reads
// both look tensors up through here.
import { LensFailure } from '../lensError';
import type { TensorInfo, WeightStore } from './safetensors';

function candidates(name: string): string[] {
  const bare = name.replace(/^model\./, '');
  return [
    name,
    bare,
    `model.${bare}`,
    `transformer.${bare}`,
    `model.language_model.${bare}`,
    `language_model.model.${bare}`,
    `language_model.${name}`,
  ];
}

/** The tensor stored under `name` or one of its prefixed spellings, if any. */
export function lookupTensor(store: WeightStore, name: string): TensorInfo | undefined {
  return candidates(name)
    .map((c) => store.info(c))
    .find((i) => i !== undefined);
}

/** The tensor stored under `name` or one of its prefixed spellings; a 'missing-tensor' LensFailure if none. */
export function findTensor(store: WeightStore, name: string): TensorInfo {
  const info = lookupTensor(store, name);
  if (!info) {
    throw new LensFailure({
      code: 'missing-tensor',
      message: `weights: tensor "${name}" not found in ${store.files.join(', ')}`,
      hint: 'The checkpoint does not match its config.json (wrong model_type, or a partial download).',
    });
  }
  return info;
}
