// (e) The PyTorch peer: bench/torch/attribution.py (the paper's method: one autograd backward per response
// token, weight gradients on, float32), run through bench/torch/run.sh on the same checkpoint and the same
// ids as the engine. This file only launches it and reads its JSON; bench/torch owns the method and its
// thread settings (the fastest it found on this machine). The bench installs PyTorch first
// (bench/torch/setup.sh); if the peer still cannot run, the reason fails the bench.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TorchRun {
  readonly seconds: number; // fastest timed run
  readonly secondsAll: readonly number[];
  readonly forwardSeconds: number;
  readonly threads: number;
  readonly blasThreads: number | null;
  readonly torchVersion: string;
  readonly probabilities: readonly number[]; // (M)
  readonly attribution: Float64Array; // (N, M) row-major
}

export type TorchPeer = { readonly ok: true; readonly run: TorchRun } | { readonly ok: false; readonly reason: string };

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-torch lives (bench/torch/run.sh uses it too)

export function torchAvailable(): string | null {
  if (!existsSync('bench/torch/run.sh') || !existsSync('bench/torch/attribution.py'))
    return 'bench/torch/attribution.py is not in this checkout';
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return `PyTorch is not installed for ${PYTHON} (run bench/torch/setup.sh)`;
  return null;
}

export function runTorchPeer(
  modelDir: string,
  workDir: string,
  promptIds: readonly number[],
  responseIds: readonly number[],
  repeat: number,
): TorchPeer {
  const missing = torchAvailable();
  if (missing) return { ok: false, reason: missing };
  const idsFile = join(workDir, 'torch-ids.json');
  const outFile = join(workDir, 'torch-attribution.json');
  writeFileSync(idsFile, JSON.stringify({ prompt_ids: promptIds, response_ids: responseIds }));
  const args = [
    'bench/torch/run.sh',
    'attribution.py',
    '--model',
    modelDir,
    '--ids-json',
    idsFile,
    '--out',
    outFile,
    '--repeat',
    String(repeat),
  ];
  const r = spawnSync('bash', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0)
    return {
      ok: false,
      reason:
        `bench/torch/run.sh exited with ${r.status}: ` +
        `${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`,
    };
  const out = JSON.parse(readFileSync(outFile, 'utf8')) as {
    seconds: number;
    seconds_all?: number[];
    forward_seconds: number;
    threads: number;
    blas_threads?: number | null;
    torch_version: string;
    probabilities: number[];
    attribution: number[][]; // [N][M]
  };
  const N = promptIds.length;
  const M = responseIds.length;
  const attribution = new Float64Array(N * M);
  for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) attribution[n * M + m] = out.attribution[n][m];
  return {
    ok: true,
    run: {
      seconds: out.seconds,
      secondsAll: out.seconds_all ?? [out.seconds],
      forwardSeconds: out.forward_seconds,
      threads: out.threads,
      blasThreads: out.blas_threads ?? null,
      torchVersion: out.torch_version,
      probabilities: out.probabilities,
      attribution,
    },
  };
}
