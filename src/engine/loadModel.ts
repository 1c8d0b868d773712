// Opens a checkpoint folder and builds its runtime model, timing both.
import { ok, type Result } from '../lensError';
import type { Checkpoint } from '../model/checkpoint';
import { openCheckpoint } from '../runtime/openCheckpoint';

export { openCheckpoint };
import { LensModel, type LoadOptions } from '../runtime/lensModel';

/** The folder's model; pass an already opened `checkpoint` to build from it instead of opening the folder again. */
export async function loadModel(
  dir: string,
  options: LoadOptions = {},
  opened?: Checkpoint,
): Promise<Result<{ model: LensModel; seconds: number }>> {
  const start = performance.now();
  const checkpoint = opened ? ok(opened) : await openCheckpoint(dir);
  if (!checkpoint.ok) return checkpoint;
  const model = await LensModel.load(checkpoint.value, options);
  if (!model.ok) return model;
  return ok({ model: model.value, seconds: (performance.now() - start) / 1000 });
}
