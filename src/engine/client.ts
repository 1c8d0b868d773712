// The host side of the engine worker: starts it, sends jobs, turns replies into promises. An AbortSignal
// cancels a job in the worker. A crashed worker fails its jobs and is restarted on the next request.
import { Worker } from 'node:worker_threads';
import { fail, type Result } from '../lensError';
import type {
  EngineJob,
  EngineProgress,
  EngineResults,
  ExplainPayload,
  HostExplainRequest,
  WorkerRequest,
  WorkerResponse,
} from '../protocol';

interface Pending {
  resolve: (r: Result<EngineResults[EngineJob['kind']]>) => void;
  onProgress?: (p: EngineProgress) => void;
}

export interface JobOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: EngineProgress) => void;
  /** onnxruntime threads for a model this job loads (a loaded model keeps its threads). */
  readonly threads?: number;
}

export class EngineClient {
  private worker: Worker | undefined;
  private nextJob = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly workerPath: string,
    private readonly onCrash?: (message: string) => void,
  ) {}

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
      for (const job of this.pending.values())
        job.resolve(
          fail(
            'runtime-failure',
            `the engine stopped: ${why}`,
            'Run the command again; the engine restarts by itself.',
          ),
        );
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

  /** Runs one job in the worker; a cancelled job resolves with the error code 'cancelled'. */
  run<K extends EngineJob['kind']>(
    job: Extract<EngineJob, { kind: K }>,
    options: JobOptions = {},
  ): Promise<Result<EngineResults[K]>> {
    const jobId = this.nextJob++;
    const worker = this.ensureWorker();
    return new Promise((resolve) => {
      this.pending.set(jobId, { resolve: resolve as Pending['resolve'], onProgress: options.onProgress });
      options.signal?.addEventListener(
        'abort',
        () => worker.postMessage({ type: 'cancel', jobId } satisfies WorkerRequest),
        { once: true },
      );
      worker.postMessage({ type: 'run', jobId, job, threads: options.threads } satisfies WorkerRequest);
    });
  }

  explain(request: HostExplainRequest, options: JobOptions = {}): Promise<Result<ExplainPayload>> {
    return this.run({ kind: 'explain', request }, options);
  }

  /** Jobs sent and not yet answered. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Cancels running jobs and waits (up to 10 s) for them to stop before terminating the worker: terminating
   * it while onnxruntime is inside a native call aborts the whole process. The next job starts a new worker.
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
