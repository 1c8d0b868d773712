// One damaged checkpoint (a GGUF file or a Hugging Face folder) opened as a user would open it: the random-damage
// tests (test/gguf/corruptGguf.test.ts, test/runtime/corruptCheckpoint.test.ts) share it.
import assert from 'node:assert/strict';
import { LensModel } from '../../src/runtime/lensModel';
import { openCheckpoint } from '../../src/runtime/openCheckpoint';

/**
 * Opens `path`: it must give a checkpoint or one error with a message and a hint, never throw. Counts the outcome
 * (the error's code, or "opened") in `outcomes`; with `explain`, a checkpoint that opens is also loaded, and if it
 * loads, generated from and attributed. Returns whether it opened.
 */
export async function openDamaged(
  path: string,
  what: string,
  outcomes: Map<string, number>,
  explain: boolean,
): Promise<boolean> {
  const ckpt = await openCheckpoint(path).catch((e: Error) => assert.fail(`${what}: open threw ${e.stack}`));
  const outcome = ckpt.ok ? 'opened' : ckpt.error.code;
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  if (!ckpt.ok) {
    assert.ok(ckpt.error.message.length > 0 && ckpt.error.hint.length > 0, `${what}: ${ckpt.error.code}`);
    return false;
  }
  if (!explain) return true;
  const model = await LensModel.load(ckpt.value, { threads: 1 });
  if (!model.ok) {
    assert.ok(model.error.message.length > 0, `${what}: load ${model.error.code}`);
    return true;
  }
  try {
    const response = await model.value.generate([1, 2, 3], 2);
    const a = await model.value.attribute([1, 2, 3], response);
    assert.equal(a.probabilities.length, response.length, what);
  } finally {
    model.value.dispose();
  }
  return true;
}
