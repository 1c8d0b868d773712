// The engine worker through its client, as the extension uses it: a job completes with the CLI's JSON,
// a cancelled job reports 'cancelled' and frees the worker, and a crashed worker is replaced.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EngineClient } from '../../src/engine/client';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';

const WORKER = join(__dirname, '..', '..', 'dist', 'worker.js');
const root = mkdtempSync(join(tmpdir(), 'lens-engine-'));
const ck = writeRandomCheckpoint(join(root, 'ck'), { family: 'llama', seed: 41, maxPositions: 512 });
const crashes: string[] = [];
const client = new EngineClient(WORKER, (why) => crashes.push(why));
after(async () => {
  await client.dispose();
  rmSync(root, { recursive: true, force: true });
});

const request = { modelDir: ck.dir, prompt: 'Name a kind of fruit.', maxNewTokens: 3, chat: false };

test('a job returns the JSON contract and reports progress', async () => {
  const stages = new Set<string>();
  const r = await client.explain(request, { onProgress: (p) => stages.add(p.stage) });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal((r.value.json.response_tokens as unknown[]).length > 0, true);
  assert.ok(stages.has('load') && stages.has('attribute'));
});

test('cancel mid-run returns cancelled, and the worker takes the next job', async () => {
  const abort = new AbortController();
  const long = client.explain({ ...request, maxNewTokens: 400 }, { onProgress: (p) => p.stage === 'generate' && (p.done ?? 0) >= 2 && abort.abort(), signal: abort.signal });
  const r = await long;
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, 'cancelled');
  const next = await client.explain(request);
  assert.ok(next.ok);
});

test('a crashed worker fails its job with a clear error and is restarted', async () => {
  // A malformed job makes the worker throw outside any handler, as an engine bug would. (Terminating the
  // worker from outside while onnxruntime is inside a native call aborts the whole process: never do that.)
  const worker = (client as unknown as { ensureWorker(): { postMessage(m: unknown): void } }).ensureWorker();
  worker.postMessage({ type: 'run', jobId: -1, job: null });
  const r = await client.explain(request);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, 'runtime-failure');
  assert.equal(crashes.length, 1);
  const next = await client.explain(request);
  assert.ok(next.ok);
});
