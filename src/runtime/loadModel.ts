// Builds a model's runtime model from its checkpoint handle (opened there if no method has yet), timing both.
import { ok, type Result } from '../lensError';
import { LensModel, type LoadOptions } from './lensModel';
import { checkpointHandle, openCheckpoint, type CheckpointHandle } from './openCheckpoint';

export { checkpointHandle, openCheckpoint, type CheckpointHandle };

/** The model of `source`: a handle, or a path opened here. */
export async function loadModel(
  source: CheckpointHandle | string,
  options: LoadOptions = {},
): Promise<Result<{ model: LensModel; seconds: number }>> {
  const start = performance.now();
  const opened = await (typeof source === 'string' ? checkpointHandle(source) : source).open();
  if (!opened.ok) return opened;
  const model = await LensModel.load(opened.value.checkpoint, options);
  if (!model.ok) return model;
  return ok({ model: model.value, seconds: (performance.now() - start) / 1000 });
}
