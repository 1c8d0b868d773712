// The engine's worker thread: model loading and every model computation run here, never on the extension
// host's thread. Loaded models are kept by folder (the two most recent: a comparison needs a pair), so later
// jobs skip loading. One job runs at a time; a cancelled job stops at its next check and frees the worker.
import { parentPort } from 'node:worker_threads';
import { explainJson } from '../methods/attribution/json';
import { renderExplanation } from '../methods/attribution/text';
import type { EngineJob, EngineProgress, EngineResults, WorkerRequest, WorkerResponse } from '../protocol';
import type { LensModel } from '../runtime/lensModel';
import type { Checkpoint } from '../runtime/checkpoint';
import { explainWith } from '../methods/attribution/run';
import { resolveChat } from '../methods/attribution/chatSetting';
import { checkpointHandle, loadModel, openCheckpoint } from '../runtime/loadModel';
import { estimateRuns, estimateSummary, NOTICE_SECONDS } from '../methods/attribution/estimate';
import { attentionOf } from './attentionMaps';
import { DEFAULT_HEADS_SETTINGS, headPatternsFor } from '../methods/heads/run';
import { headsJson } from '../methods/heads/json';
import { conceptsFor } from '../methods/concepts/run';
import { conceptsJson } from '../methods/concepts/json';
import { DEFAULT_GLOBAL_OPTIONS, globalComparisonFor } from '../methods/compare/run';
import { globalJson } from '../methods/compare/json';
import { ok, type Result } from '../lensError';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const KEEP_MODELS = 2;
const models = new Map<string, { model: LensModel; seconds: number }>(); // insertion order = least recently used first
const aborts = new Map<number, AbortController>();
const post = (m: WorkerResponse) => port.postMessage(m);

interface JobContext {
  readonly signal: AbortSignal;
  readonly threads?: number;
  readonly progress: (p: EngineProgress) => void;
}

/** The loaded model of a folder and the seconds its loading took now (0 when it was loaded before). */
async function model(
  dir: string,
  context: JobContext,
  opened?: Checkpoint,
): Promise<Result<{ model: LensModel; loadSeconds: number }>> {
  const kept = models.get(dir);
  if (kept) {
    models.delete(dir);
    models.set(dir, kept);
    return ok({ model: kept.model, loadSeconds: 0 });
  }
  context.progress({ stage: 'load' });
  const loaded = await loadModel(checkpointHandle(dir, opened), { threads: context.threads });
  if (!loaded.ok) return loaded;
  models.set(dir, loaded.value);
  for (const [oldDir, old] of models) {
    if (models.size <= KEEP_MODELS) break;
    models.delete(oldDir);
    old.model.dispose();
  }
  return ok({ model: loaded.value.model, loadSeconds: loaded.value.seconds });
}

/**
 * The estimate of a run that will take a while, as a progress event (before the model loads, which may be
 * long). Returns the checkpoint it opened, for the load to build from.
 */
async function announceEstimate(
  request: Extract<EngineJob, { kind: 'explain' }>['request'],
  context: JobContext,
): Promise<Checkpoint | undefined> {
  const checkpoint = await openCheckpoint(request.modelDir);
  if (!checkpoint.ok) return undefined; // the load reports it
  const chat = resolveChat(request.chat, checkpoint.value);
  const estimate = await estimateRuns(checkpoint.value, [{ ...request, chat }], { threads: context.threads });
  if (estimate.ok && estimate.value.prompts === 1 && estimate.value.seconds.total > NOTICE_SECONDS)
    context.progress({ stage: 'estimate', estimate: estimateSummary(estimate.value) });
  return checkpoint.value;
}

async function explain(
  job: Extract<EngineJob, { kind: 'explain' }>,
  context: JobContext,
): Promise<Result<EngineResults['explain']>> {
  const opened = models.has(job.request.modelDir) ? undefined : await announceEstimate(job.request, context);
  const loaded = await model(job.request.modelDir, context, opened);
  if (!loaded.ok) return loaded;
  const { chat: chatSetting, ...rest } = job.request;
  const chat = resolveChat(chatSetting, loaded.value.model.checkpoint);
  const request = { ...rest, chat };
  const result = await explainWith(loaded.value.model, request, loaded.value.loadSeconds, {
    signal: context.signal,
    onProgress: context.progress,
  });
  if (!result.ok) return result;
  return ok({ json: explainJson(request, result.value), text: renderExplanation(result.value, false) });
}

async function runJob(job: EngineJob, context: JobContext): Promise<Result<EngineResults[EngineJob['kind']]>> {
  switch (job.kind) {
    case 'explain':
      return explain(job, context);
    case 'heads': {
      const result = await headPatternsFor(
        { model: checkpointHandle(job.modelDir), settings: { ...DEFAULT_HEADS_SETTINGS, threads: context.threads } },
        { signal: context.signal, onProgress: context.progress },
      );
      return result.ok ? ok(headsJson(result.value)) : result;
    }
    case 'concepts': {
      const result = await conceptsFor(checkpointHandle(job.modelDir), {
        components: DEFAULT_GLOBAL_OPTIONS.components,
        top: DEFAULT_GLOBAL_OPTIONS.top,
        threads: context.threads,
        signal: context.signal,
        onProgress: context.progress,
      });
      return result.ok ? ok(conceptsJson(result.value)) : result;
    }
    case 'attention': {
      const loaded = await model(job.request.modelDir, context);
      return loaded.ok ? attentionOf(loaded.value.model, job.request, job.head) : loaded;
    }
    case 'compare': {
      const result = await globalComparisonFor(
        checkpointHandle(job.baseDir),
        checkpointHandle(job.tunedDir),
        { ...DEFAULT_GLOBAL_OPTIONS, threads: context.threads },
        { signal: context.signal, onProgress: context.progress },
      );
      return result.ok ? ok(globalJson(result.value)) : result;
    }
  }
}

async function run(message: Extract<WorkerRequest, { type: 'run' }>): Promise<void> {
  const { jobId } = message;
  const abort = new AbortController();
  aborts.set(jobId, abort);
  try {
    const context: JobContext = {
      signal: abort.signal,
      threads: message.threads,
      progress: (progress) => post({ type: 'progress', jobId, progress }),
    };
    const result = await runJob(message.job, context);
    post(result.ok ? { type: 'done', jobId, result: result.value } : { type: 'failed', jobId, error: result.error });
  } finally {
    aborts.delete(jobId);
  }
}

let queue = Promise.resolve();
port.on('message', (message: WorkerRequest) => {
  if (message.type === 'cancel') aborts.get(message.jobId)?.abort();
  else queue = queue.then(() => run(message));
});
