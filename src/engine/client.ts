// The host side of the engine worker: starts it, sends jobs, turns replies into promises. An AbortSignal
// cancels a job in the worker. A crashed worker fails its jobs and is restarted on the next request.
import { Worker } from 'node:worker_threads';
import type { ExplainProgress, ExplainRequest } from './explainTypes';
import { fail, type Result } from '../lensError';
import type { ExplainPayload, WorkerRequest, WorkerResponse } from '../protocol';

interface Pending {
  resolve: (r: Result<ExplainPayload>) => void;
  onProgress?: (p: ExplainProgress) => void;
}

export class EngineClient {
  private worker: Worker | undefined;
  private nextJob = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly workerPath: string, private readonly onCrash?: (message: string) => void) {}

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerPath);
    worker.on('message', (m: WorkerResponse) => {
      const job = this.pending.get(m.jobId);
      if (!job) return;
      if (m.type === 'progress') job.onProgress?.(m.progress);
      else {
        this.pending.delete(m.jobId);
        job.resolve(m.type === 'done' ? { ok: true, value: m.result } : { ok: false, error: m.error });
      }
    });
    const crashed = (why: string) => {
      this.worker = undefined;
      for (const job of this.pending.values()) job.resolve(fail('runtime-failure', `the engine stopped: ${why}`, 'Run the command again; the engine restarts by itself.'));
      this.pending.clear();
      this.onCrash?.(why);
    };
    worker.on('error', (e) => crashed(e.message));
    worker.on('exit', (code) => {
      if (this.worker === worker) crashed(`exit code ${code}`);
    });
    this.worker = worker;
    return worker;
  }

  explain(request: ExplainRequest, options: { signal?: AbortSignal; onProgress?: (p: ExplainProgress) => void; threads?: number } = {}): Promise<Result<ExplainPayload>> {
    const jobId = this.nextJob++;
    const worker = this.ensureWorker();
    return new Promise((resolve) => {
      this.pending.set(jobId, { resolve, onProgress: options.onProgress });
      options.signal?.addEventListener('abort', () => worker.postMessage({ type: 'cancel', jobId } satisfies WorkerRequest), { once: true });
      worker.postMessage({ type: 'explain', jobId, request, threads: options.threads } satisfies WorkerRequest);
    });
  }

  /**
   * Cancels running jobs and waits (up to 10 s) for them to stop before terminating the worker: terminating
   * it while onnxruntime is inside a native call aborts the whole process.
   */
  async dispose(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const running = [...this.pending.keys()];
    const settled = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (running.every((id) => !this.pending.has(id))) {
          clearInterval(check);
          resolve();
        }
      }, 20);
      setTimeout(() => (clearInterval(check), resolve()), 10_000);
    });
    for (const jobId of running) worker.postMessage({ type: 'cancel', jobId } satisfies WorkerRequest);
    await settled;
    this.worker = undefined;
    await worker.terminate();
  }
}
