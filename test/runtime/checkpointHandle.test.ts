// A job's checkpoint handle: opened the first time a method asks, the same checkpoint (or error) for every later
// ask, and a checkpoint already opened is taken as it is.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkpointHandle, openCheckpoint } from '../../src/runtime/openCheckpoint';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';

const root = mkdtempSync(join(tmpdir(), 'lens-handle-'));
after(() => rmSync(root, { recursive: true, force: true }));
const ck = writeRandomCheckpoint(join(root, 'llama'), { family: 'llama', hiddenSize: 16, numLayers: 2, seed: 61 });

test('a handle opens its checkpoint once and hands every method the same one', async () => {
  const handle = checkpointHandle(ck.dir);
  assert.equal(handle.path, ck.dir);
  const [a, b] = await Promise.all([handle.open(), handle.open()]);
  const c = await handle.open();
  assert.ok(a.ok && b.ok && c.ok);
  assert.equal(a.value.checkpoint, b.value.checkpoint, 'asked twice at once: one open');
  assert.equal(a.value.checkpoint, c.value.checkpoint, 'asked later: the same checkpoint');
  assert.equal(a.value.checkpoint.dir, ck.dir);
  assert.ok(a.value.seconds >= 0);
});

test('a handle on a missing folder gives the same error each time; an opened checkpoint is taken as is', async () => {
  const missing = checkpointHandle(join(root, 'nope'));
  const first = await missing.open();
  const again = await missing.open();
  assert.ok(!first.ok && !again.ok);
  assert.equal(first.error, again.error);
  assert.match(first.error.message, /nope/);
  const opened = await openCheckpoint(ck.dir);
  assert.ok(opened.ok);
  const given = await checkpointHandle(ck.dir, opened.value).open();
  assert.ok(given.ok);
  assert.equal(given.value.checkpoint, opened.value);
  assert.equal(given.value.seconds, 0);
});
