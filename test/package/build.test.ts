// The build as scripts use it (`npm run -s cli -- …` builds before each call): an up-to-date build writes
// nothing, and CLIs started while a build runs each load a whole bundle, the old or the new, never half of one.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const SAMPLE = join(ROOT, 'test', 'fixtures', 'paper', 'attributions-sample.jsonl');

function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

// Stats a file as fast as it can for `ms` and prints the smallest size it saw (0 where it was missing).
// A build that truncates and rewrites in place shows up here as a tiny size; one that renames never does.
const POLL_SIZE = `const fs = require('fs'); const [file, ms] = process.argv.slice(1);
const until = Date.now() + Number(ms); let min = Infinity;
while (Date.now() < until) { let size = 0; try { size = fs.statSync(file).size; } catch {} if (size < min) min = size; }
console.log(min);`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('an up-to-date build writes nothing', () => {
  assert.equal(spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT }).status, 0);
  const before = statSync(CLI).mtimeMs;
  const again = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(statSync(CLI).mtimeMs, before, 'dist/cli.js was rewritten although nothing changed');
});

test('a build never shows a partial bundle', async () => {
  const size = statSync(CLI).size;
  const [poll, built] = await Promise.all([
    run(process.execPath, ['-e', POLL_SIZE, CLI, '4000']),
    run(process.execPath, ['esbuild.mjs', '--force']),
  ]);
  assert.equal(built.status, 0, built.stderr);
  assert.equal(poll.status, 0, poll.stderr);
  assert.ok(
    Number(poll.stdout) > size / 2,
    `dist/cli.js was seen at ${poll.stdout.trim()} bytes (whole: ${size}) during a build`,
  );
});

test('CLIs started during forced rebuilds all load a whole bundle', async () => {
  const clis: Promise<{ status: number | null; stderr: string }>[] = [];
  for (let round = 0; round < 2; round++) {
    const build = run(process.execPath, ['esbuild.mjs', '--force']);
    // spread over the build, including its write phase
    for (let i = 0; i < 8; i++) {
      clis.push(run(process.execPath, [CLI, 'score', '--input', SAMPLE]));
      await sleep(150);
    }
    const built = await build;
    assert.equal(built.status, 0, built.stderr);
  }
  const results = await Promise.all(clis);
  const failed = results.filter((r) => r.status !== 0);
  assert.deepEqual(
    failed,
    [],
    `${failed.length} of ${results.length} CLIs failed:\n${failed.map((f) => f.stderr).join('\n')}`,
  );
  const leftovers = readdirSync(join(ROOT, 'dist')).filter((f) => f.includes('.tmp-'));
  assert.deepEqual(leftovers, [], 'a build left temporary files');
});
