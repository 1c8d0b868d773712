// The engine worker through its client, as the extension uses it: a job completes with the CLI's JSON,
// a cancelled job reports 'cancelled' and frees the worker, and a crashed worker is replaced.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EngineClient } from '../../src/engine/client';
import { NOTICE_SECONDS } from '../../src/methods/attribution/estimate';
import { calibrationKey } from '../../src/runtime/calibration';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';

const WORKER = join(__dirname, '..', '..', 'dist', 'worker.js');
const root = mkdtempSync(join(tmpdir(), 'lens-engine-'));
// a calibration of a very slow machine, in a cache folder of the test's own (the worker inherits the env):
// every run is then estimated above the notice threshold
process.env.XDG_CACHE_HOME = join(root, 'cache');
mkdirSync(join(root, 'cache', 'instruction-lens'), { recursive: true });
const slow = {
  key: calibrationKey(availableParallelism()),
  measuredAt: new Date().toISOString(),
  productGflops: 1e-4,
  weightGBps: 1e-4,
};
writeFileSync(join(root, 'cache', 'instruction-lens', 'calibration.json'), JSON.stringify({ [slow.key]: slow }));
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

test(`a run estimated above ${NOTICE_SECONDS} s announces its estimate before the model loads`, async () => {
  const other = writeRandomCheckpoint(join(root, 'other'), { family: 'llama', seed: 42 });
  const stages: { stage: string; estimate?: string }[] = [];
  const r = await client.explain({ ...request, modelDir: other.dir }, { onProgress: (p) => stages.push(p) });
  assert.ok(r.ok);
  const i = stages.findIndex((p) => p.stage === 'estimate');
  assert.ok(i >= 0, `no estimate among ${stages.map((p) => p.stage)}`);
  assert.ok(i < stages.findIndex((p) => p.stage === 'load'));
  assert.match(stages[i].estimate!, /^about [\d.]+ (s|min|h) \([\d.]+ TFLOP, peak \d+ MiB\)$/);
});

test('cancel mid-run returns cancelled, and the worker takes the next job', async () => {
  const abort = new AbortController();
  const long = client.explain(
    { ...request, maxNewTokens: 400 },
    { onProgress: (p) => p.stage === 'generate' && (p.done ?? 0) >= 2 && abort.abort(), signal: abort.signal },
  );
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
