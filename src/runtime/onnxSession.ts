// onnxruntime-node sessions: one place that knows the session options we rely on, and the one cache of the
// sessions of our small fixed graphs (the heads and concepts kernels, the products of matmulSession.ts), built
// on first use per graph and options and kept for the process. A checkpoint's own model (LensModel) is not
// cached here: its session lives as long as the loaded model.
import * as ort from 'onnxruntime-node';
import { availableParallelism } from 'node:os';

export type Feeds = Record<string, ort.Tensor>;

export interface SessionOptions {
  readonly threads?: number;
  /** Folder that external-data locations are relative to, when the model is given as bytes. */
  readonly externalDataFolder?: string;
  /** 'basic' for float64 graphs: the contrib fusions of 'all' (e.g. QuickGelu) have float32 kernels only. */
  readonly optimization?: 'basic' | 'all';
  /**
   * false: the intra-op threads sleep between runs instead of spinning. For sessions that take turns with
   * other sessions and reads: each session has its own thread pool, and pools spinning side by side take
   * the cores from one another (measured: concepts 0.44 s with spinning pools against 0.24 s on one thread).
   */
  readonly spinning?: boolean;
}

/**
 * Pre-packing is off: it copies every MatMul weight into the session (measured: +64 MiB per session for a
 * 64 MiB weight), while external weights otherwise stay memory-mapped from the checkpoint file.
 */
export async function createSession(
  model: string | Uint8Array,
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  const opts: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.optimization ?? 'all',
    intraOpNumThreads: options.threads ?? availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // the memory pattern keeps a planned block per input shape on top of the arena: measured +80 MiB peak
    enableMemPattern: false,
    logSeverityLevel: 3,
    extra: {
      session: {
        disable_prepacking: '1',
        ...(options.spinning === false ? { intra_op: { allow_spinning: '0' } } : {}),
        ...(options.externalDataFolder
          ? { model_external_initializers_file_folder_path: options.externalDataFolder }
          : {}),
      },
    },
  };
  return typeof model === 'string'
    ? ort.InferenceSession.create(model, opts)
    : ort.InferenceSession.create(model, opts);
}

const cached = new Map<string, Promise<ort.InferenceSession>>();

/** The session of the graph named `key` (built by `build` the first time) with these options, kept for the process. */
export function cachedSession(
  key: string,
  build: () => Uint8Array,
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  const id = [
    key,
    options.threads ?? availableParallelism(),
    options.spinning ?? true,
    options.optimization ?? 'all',
    options.externalDataFolder ?? '',
  ].join('|');
  let session = cached.get(id);
  if (!session) {
    session = createSession(build(), options);
    cached.set(id, session);
  }
  return session;
}

/**
 * A kernel's session: on `threads` threads (all cores by default), never spinning between runs. Kernels take
 * turns with one another and with reads on libuv's threads, and each session has its own pool: a pool that
 * spins after its run takes a core from the next kernel.
 */
export const kernelSession = (key: string, build: () => Uint8Array, threads?: number) =>
  cachedSession(key, build, { threads, spinning: false });

export function f32(data: Float32Array | number[], dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data instanceof Float32Array ? data : Float32Array.from(data), dims);
}

export function f64(data: Float64Array | number[], dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float64', data instanceof Float64Array ? data : Float64Array.from(data), dims);
}

export function i64(data: readonly number[], dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(data.map((v) => BigInt(v))), dims);
}

export { ort };
