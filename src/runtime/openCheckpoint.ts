// A checkpoint folder opened for any method: config.json, tokenizer and safetensors headers read
// (src/model/checkpoint.ts), then every tensor's shape checked against what config.json implies for its family,
// before a graph is built or a weight is read.
import { checkWeightShapes, familyOf } from '../arch';
import { ok, type Result } from '../lensError';
import { loadCheckpoint, type Checkpoint } from '../model/checkpoint';

export async function openCheckpoint(dir: string): Promise<Result<Checkpoint>> {
  const checkpoint = await loadCheckpoint(dir);
  if (!checkpoint.ok) return checkpoint;
  const { config, weights } = checkpoint.value;
  const shapes = checkWeightShapes(config, weights, familyOf(config.modelType).weightShapes(config));
  return shapes.ok ? ok(checkpoint.value) : shapes;
}
