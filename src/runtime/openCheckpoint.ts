// A checkpoint folder opened for any method: config.json, tokenizer and safetensors headers read
// (src/model/checkpoint.ts), then every tensor's shape checked against what config.json implies for its family,
// before a graph is built or a weight is read.
import { checkWeightShapes, familyOf } from '../arch';
import { fail, ok, type Result } from '../lensError';
import { loadCheckpoint, type Checkpoint } from '../model/checkpoint';

export async function openCheckpoint(dir: string): Promise<Result<Checkpoint>> {
  const checkpoint = await loadCheckpoint(dir);
  if (!checkpoint.ok) return checkpoint;
  const { config, weights } = checkpoint.value;
  const shapes = checkWeightShapes(config, weights, familyOf(config.modelType).weightShapes(config));
  if (!shapes.ok && config.moe) {
    // experts stacked into one tensor per layer, as transformers 5 holds them in memory: refused by name
    const stacked = weights.names().find((n) => /\.experts\.(gate_up_proj|down_proj)(\.weight)?$/.test(n));
    if (stacked) {
      return fail(
        'unsupported-arch',
        `weights: "${stacked}" holds all of a layer's experts in one tensor, a layout not supported`,
        'Save the checkpoint with one tensor per expert, as the published Mixtral and Qwen3-MoE checkpoints are (experts.{e}.gate_proj, up_proj, down_proj).',
      );
    }
  }
  return shapes.ok ? ok(checkpoint.value) : shapes;
}
