// The cluster examples in examples/ run as written: the Slurm array script, under the variables Slurm sets,
// explains a small dataset shard by shard and then merges; the Kubernetes Indexed Job parses, keeps its shard
// count in step with `completions`, and its pod command gives each completion index its own shard.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { parseCsv } from '../src/methods/attribution/summaryCsv';
import { writeRandomCheckpoint } from './helpers/randomCheckpoint';

const ROOT = join(__dirname, '..');
const SLURM = join(ROOT, 'examples', 'slurm', 'instruction-lens.sbatch');
const K8S = join(ROOT, 'examples', 'kubernetes', 'instruction-lens-job.yaml');
const root = mkdtempSync(join(tmpdir(), 'lens-examples-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** An executable that records its arguments (one JSON array a line) in `log` and, if `thenRun`, runs the CLI. */
function recorder(name: string, log: string, thenRun: boolean): string {
  const dir = join(root, `bin-${name}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const run = thenRun
    ? `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'dist', 'cli.js'))} "$@"`
    : 'exit 0';
  writeFileSync(
    path,
    `#!/bin/sh\n${JSON.stringify(process.execPath)} -e ` +
      `'require("fs").appendFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)) + "\\n")' ` +
      `${JSON.stringify(log)} "$@"\n${run}\n`,
  );
  chmodSync(path, 0o755);
  return dir;
}

const calls = (log: string): string[][] =>
  readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

test('Slurm: the array script is valid bash, and its tasks then its merge explain a dataset', () => {
  const text = readFileSync(SLURM, 'utf8');
  assert.equal(spawnSync('bash', ['-n', SLURM]).status, 0, 'bash -n');
  assert.match(text, /^#SBATCH --array=1-\d+$/m);

  const ck = writeRandomCheckpoint(join(root, 'ck'), { family: 'llama', seed: 3 });
  const dataset = join(root, 'prompts.jsonl');
  const ids = ['a', 'b', 'c', 'd', 'e'];
  writeFileSync(
    dataset,
    ids.map((id) => JSON.stringify({ id, prompt: `Spell the word ${id}${id}.` })).join('\n') + '\n',
  );
  const out = join(root, 'slurm-out');
  const log = join(root, 'slurm.log');
  const env = {
    ...process.env,
    PATH: `${recorder('instruction-lens', log, true)}:${process.env.PATH}`,
    MODEL: ck.dir,
    DATASET: dataset,
    OUT: out,
    SLURM_ARRAY_TASK_COUNT: '2',
    SLURM_CPUS_PER_TASK: '1',
  };
  for (const task of ['1', '2']) {
    const r = spawnSync('bash', [SLURM], {
      env: { ...env, SLURM_ARRAY_TASK_ID: task },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^shard ${task}/2: `));
  }
  const merge = spawnSync('bash', [SLURM], { env: { ...env, MERGE: '1' }, encoding: 'utf8', timeout: 120_000 });
  assert.equal(merge.status, 0, merge.stderr);
  assert.match(merge.stdout, /^5 prompts: 0 explained now, 5 done earlier, 0 failed/);
  assert.deepEqual(
    calls(log).map((args) => args.slice(args.indexOf('--threads'))),
    [
      ['--threads', '1', '--shard', '1/2'],
      ['--threads', '1', '--shard', '2/2'],
      ['--threads', '1'],
    ],
  );
  const rows = parseCsv(readFileSync(join(out, 'summary.csv'), 'utf8')).slice(1);
  assert.deepEqual(
    rows.map((r) => [r[0], r[4]]),
    ids.map((id) => [id, 'ok']),
  );

  const outsideSlurm = spawnSync('bash', [SLURM], { env: { ...env, SLURM_ARRAY_TASK_ID: '' }, encoding: 'utf8' });
  assert.notEqual(outsideSlurm.status, 0);
  assert.match(outsideSlurm.stderr, /run this under sbatch --array/);
});

test('Kubernetes: an Indexed Job whose pods each take shard index+1 of completions', () => {
  const job = parse(readFileSync(K8S, 'utf8'));
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'Job');
  assert.equal(job.spec.completionMode, 'Indexed');
  const n = job.spec.completions as number;
  assert.ok(Number.isInteger(n) && n >= 1 && job.spec.parallelism <= n);
  const pod = job.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  const [container] = pod.containers;
  const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
  assert.equal(Number(env.SHARDS), n, 'SHARDS equals completions');
  const mount = container.volumeMounts[0];
  for (const path of [env.MODEL, env.DATASET, env.OUT, env.PACKAGE])
    assert.ok(path.startsWith(mount.mountPath + '/'), `${path} is on the shared volume`);
  assert.equal(pod.volumes[0].name, mount.name);
  assert.deepEqual(container.command, ['/bin/sh', '-c']);
  const script = container.args[0] as string;
  assert.equal(spawnSync('sh', ['-n', '-c', script]).status, 0, 'sh -n');

  const log = join(root, 'k8s.log');
  const npmLog = join(root, 'npm.log');
  const path = `${recorder('instruction-lens', log, false)}:${recorder('npm', npmLog, false)}:${process.env.PATH}`;
  for (let index = 0; index < n; index++) {
    const r = spawnSync('/bin/sh', ['-c', script], {
      env: { ...process.env, ...env, PATH: path, JOB_COMPLETION_INDEX: String(index) },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  }
  const shards = calls(log).map((args) => {
    assert.deepEqual(args.slice(0, 7), ['batch', '--model', env.MODEL, '--dataset', env.DATASET, '--out', env.OUT]);
    return args[args.indexOf('--shard') + 1];
  });
  assert.deepEqual(
    shards,
    Array.from({ length: n }, (_, i) => `${i + 1}/${n}`),
  );
  assert.deepEqual(calls(npmLog)[0], [
    'install',
    '-g',
    '--no-audit',
    '--no-fund',
    '--onnxruntime-node-install=skip',
    env.PACKAGE,
  ]);
});
