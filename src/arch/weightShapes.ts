// The tensors a family expects, with the shape config.json implies for each, and the check that a checkpoint's
// tensors have them. It runs before any graph is built or any weight read, so a config whose sizes do not
// match the weights (a wrong hidden_size, a head count from another model) is one clear error naming the
// tensor, instead of a broadcasting failure deep inside onnxruntime.
import { fail, ok, type Result } from '../lensError';
import type { ModelConfig } from '../model/config';
import type { WeightStore } from '../model/safetensors';
import { lookupTensor } from '../model/weightNames';

/** One dimension: its size and the config.json fields it comes from, e.g. [96, 'hidden_size']. */
export type Dimension = readonly [size: number, from: string];

export interface ExpectedTensor {
  readonly name: string;
  readonly shape: readonly Dimension[];
  /** Absent is fine (an untied LM head that is not stored, a buffer); present, its shape is still checked. */
  readonly optional?: boolean;
}

export type WeightShapes = (config: ModelConfig) => ExpectedTensor[];

/** The dimensions decoder families share: width, vocabulary, feed-forward width, query and key/value widths. */
export function decoderDimensions(c: ModelConfig) {
  return {
    D: [c.hiddenSize, 'hidden_size'] as const,
    V: [c.vocabSize, 'vocab_size'] as const,
    I: [c.intermediateSize, 'intermediate_size'] as const,
    Q: [c.numHeads * c.headDim, 'num_attention_heads × head_dim'] as const,
    KV: [c.numKvHeads * c.headDim, 'num_key_value_heads × head_dim'] as const,
  };
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** The first tensor whose stored shape differs from what the config implies; missing tensors too. */
export function checkWeightShapes(
  config: ModelConfig,
  store: WeightStore,
  expected: readonly ExpectedTensor[],
): Result<void> {
  for (const t of expected) {
    const info = lookupTensor(store, t.name);
    if (!info) {
      if (t.optional) continue;
      return fail(
        'missing-tensor',
        `weights: tensor "${t.name}" not found in ${store.files.join(', ')}`,
        'The checkpoint does not match its config.json (wrong model_type, or a partial download).',
      );
    }
    const want = t.shape.map(([size]) => size);
    if (info.shape.length !== want.length || info.shape.some((s, i) => s !== want[i])) {
      const implied = t.shape.map(([size, from]) => `${size} (${from})`).join(', ');
      return fail(
        'shape-mismatch',
        `weights: tensor "${info.name}" has shape ${shapeText(info.shape)}, but config.json implies ` +
          `${shapeText(want)}: [${implied}] for model_type "${config.modelType}"`,
        'config.json does not describe these weights: check the sizes it names against the checkpoint ' +
          'it came with (a config from another model size, or an edited one).',
      );
    }
  }
  return ok(undefined);
}
