// Opens a checkpoint folder and builds its runtime model, timing both.
import { ok, type Result } from '../lensError';
import { openCheckpoint } from '../runtime/openCheckpoint';

export { openCheckpoint };
import { LensModel, type LoadOptions } from '../runtime/lensModel';

export async function loadModel(dir: string, options: LoadOptions = {}): Promise<Result<{ model: LensModel; seconds: number }>> {
  const start = performance.now();
  const checkpoint = await openCheckpoint(dir);
  if (!checkpoint.ok) return checkpoint;
  const model = await LensModel.load(checkpoint.value, options);
  if (!model.ok) return model;
  return ok({ model: model.value, seconds: (performance.now() - start) / 1000 });
}
