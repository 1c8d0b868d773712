// What this machine does per second, for the cost estimate: the fp32 product rate through onnxruntime (a
// model-shaped Linear, weights not pre-packed, as the product's sessions run them) and the rate at which a
// one-row product reads a weight (what a decode step is bound by). A short measurement (~1 s), cached per
// machine, thread count and onnxruntime version in the user's cache folder, so later estimates are instant.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { emitModel, Graph, linear } from '../graph';
import { createSession, f32 } from './onnxSession';

export interface Calibration {
  readonly key: string;
  readonly measuredAt: string;
  /** fp32 product FLOP/s, in GFLOP/s. */
  readonly productGflops: number;
  /** Bytes of weight a one-row product reads per second, in GB/s. */
  readonly weightGBps: number;
}

const FORMAT = 2;
const MAX_AGE_DAYS = 30;

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'instruction-lens');
}

/** What a calibration is valid for: the processor, the cores and threads, the onnxruntime version. */
export function calibrationKey(threads: number): string {
  // the package's exports map offers no import of its package.json
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
  return [
    `v${FORMAT}`,
    cpus()[0]?.model ?? 'cpu',
    `${availableParallelism()} cores`,
    `${threads} threads`,
    `onnxruntime ${ortVersion}`,
  ].join(' | ');
}

/** Deterministic values in [-0.5, 0.5) (an LCG): operands for timing products. */
export function seededValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

/** Calls of a product are repeated for this long before any is timed: the thread pool, the arena, the cores. */
const WARM_UP_SECONDS = 0.1;

/**
 * Best seconds per call of x Wᵀ with x (m, k) and W (n, k), over `repeats` timings of `calls` calls, after
 * WARM_UP_SECONDS of calls.
 */
async function timeLinear(
  m: number,
  k: number,
  n: number,
  threads: number,
  calls: number,
  repeats: number,
): Promise<number> {
  const g = new Graph('float32');
  const x = g.input('x', [m, k]);
  const w = g.weight('w', [n, k], 'float32', { data: seededValues(n * k, 2) });
  const session = await createSession(emitModel(g, [{ name: 'y', tensor: linear(x, w) }]), { threads });
  try {
    const feeds = { x: f32(seededValues(m * k, 1), [m, k]) };
    const warmUp = performance.now();
    do await session.run(feeds);
    while (performance.now() - warmUp < WARM_UP_SECONDS * 1000);
    let best = Infinity;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      for (let c = 0; c < calls; c++) await session.run(feeds);
      best = Math.min(best, (performance.now() - t0) / 1000 / calls);
    }
    return best;
  } finally {
    await session.release();
  }
}

export async function measureCalibration(threads: number): Promise<Calibration> {
  const [m, k, n] = [256, 1024, 1024];
  const [rows, cols] = [8192, 1024]; // a 32 MiB weight: larger than the caches
  const row = await timeLinear(1, cols, rows, threads, 8, 5);
  // the faster of two sessions: a process's first products can run at a third of the rate of its later ones
  const product = Math.min(await timeLinear(m, k, n, threads, 4, 5), await timeLinear(m, k, n, threads, 4, 5));
  return {
    key: calibrationKey(threads),
    measuredAt: new Date().toISOString(),
    productGflops: (2 * m * k * n) / product / 1e9,
    weightGBps: (rows * cols * 4) / row / 1e9,
  };
}

/** The cached calibration for `threads` threads, measured (and cached) if there is none or it is stale. */
export async function machineCalibration(
  threads = availableParallelism(),
  cacheDir = defaultCacheDir(),
): Promise<Calibration & { readonly cached: boolean }> {
  const path = join(cacheDir, 'calibration.json');
  const key = calibrationKey(threads);
  try {
    const all = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Calibration>;
    const c = all[key];
    if (
      c &&
      c.productGflops > 0 &&
      c.weightGBps > 0 &&
      Date.now() - Date.parse(c.measuredAt) < MAX_AGE_DAYS * 86_400_000
    )
      return { ...c, cached: true };
  } catch {}
  const measured = await measureCalibration(threads);
  try {
    let all: Record<string, Calibration> = {};
    try {
      all = JSON.parse(readFileSync(path, 'utf8'));
    } catch {}
    all[key] = measured;
    mkdirSync(dirname(path), { recursive: true });
    const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    writeFileSync(temp, JSON.stringify(all, null, 1));
    renameSync(temp, path);
  } catch {} // a read-only home: the estimate still works, it measures again next time
  return { ...measured, cached: false };
}
