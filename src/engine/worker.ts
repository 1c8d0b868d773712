// The engine's worker thread: model loading and explanations run here, never on the extension host's
// thread. Loaded models are kept by folder, so later prompts skip loading. One job runs at a time.
import { parentPort } from 'node:worker_threads';
import { explainJson } from './explainJson';
import { renderExplanation } from './textReport';
import type { WorkerRequest, WorkerResponse } from '../protocol';
import type { LensModel } from '../runtime/lensModel';
import { explainWith } from './explain';
import { loadModel } from './loadModel';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const models = new Map<string, { model: LensModel; seconds: number }>();
const aborts = new Map<number, AbortController>();
const post = (m: WorkerResponse) => port.postMessage(m);

async function run(job: Extract<WorkerRequest, { type: 'explain' }>): Promise<void> {
  const abort = new AbortController();
  aborts.set(job.jobId, abort);
  try {
    let loaded = models.get(job.request.modelDir);
    let loadSeconds = 0;
    if (!loaded) {
      post({ type: 'progress', jobId: job.jobId, progress: { stage: 'load' } });
      const result = await loadModel(job.request.modelDir, { threads: job.threads });
      if (!result.ok) return post({ type: 'failed', jobId: job.jobId, error: result.error });
      loaded = result.value;
      loadSeconds = loaded.seconds;
      models.set(job.request.modelDir, loaded);
    }
    const result = await explainWith(loaded.model, job.request, loadSeconds, {
      signal: abort.signal,
      onProgress: (progress) => post({ type: 'progress', jobId: job.jobId, progress }),
    });
    if (!result.ok) return post({ type: 'failed', jobId: job.jobId, error: result.error });
    post({ type: 'done', jobId: job.jobId, result: { json: explainJson(job.request, result.value), text: renderExplanation(result.value, false) } });
  } finally {
    aborts.delete(job.jobId);
  }
}

let queue = Promise.resolve();
port.on('message', (message: WorkerRequest) => {
  if (message.type === 'cancel') aborts.get(message.jobId)?.abort();
  else queue = queue.then(() => run(message));
});
