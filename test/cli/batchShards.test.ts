// `batch --shard K/N` as on a cluster: three shard processes at once on one --out folder, one of them killed
// with SIGKILL in the middle of a prompt and started again, then the plain run that merges. Every result must
// equal that of an unsharded run in another folder, and nothing may be left half-written or claimed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { shardOf } from '../../src/methods/attribution/shard';
import { parseCsv } from '../../src/methods/attribution/summaryCsv';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';
import { runCli } from './cliRunner';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const root = mkdtempSync(join(tmpdir(), 'lens-shards-'));
after(() => rmSync(root, { recursive: true, force: true }));

// wide enough that a prompt takes a moment, so that the kill lands inside one
const ck = writeRandomCheckpoint(join(root, 'ck'), {
  family: 'llama',
  hiddenSize: 256,
  numLayers: 6,
  numHeads: 4,
  numKvHeads: 2,
  intermediateSize: 1024,
  seed: 77,
  maxPositions: 128,
});
const PROMPTS = [
  'Define the word apple.',
  'List three red fruits.',
  'Say hello, then say goodbye.',
  'Spell the word cat.',
  'Write the word river backwards.',
  'Name a colour.',
  'Count the letters in harbor.',
  'Give a synonym of happy.',
  'Translate dog into French.',
  'Write a haiku about rain.',
  'What is two plus two?',
  'Name three birds.',
];
const ITEMS = PROMPTS.map((prompt, i) => ({ id: `p${String(i + 1).padStart(2, '0')}`, prompt }));
const dataset = join(root, 'prompts.jsonl');
writeFileSync(dataset, ITEMS.map((it) => JSON.stringify(it)).join('\n') + '\n');
const ARGS = ['batch', '--model', ck.dir, '--dataset', dataset, '--max-new-tokens', '12', '--threads', '1'];

interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a batch; `killWhen`, polled every 2 ms with the stderr so far, kills it with SIGKILL once it says so. */
function start(out: string, extra: string[], killWhen?: (stderr: string) => boolean): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...ARGS, '--out', out, ...extra], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = killWhen && setInterval(() => killWhen(stderr) && child.kill('SIGKILL'), 2);
    child.on('close', (status, signal) => {
      if (poll) clearInterval(poll);
      done({ status, signal, stdout, stderr });
    });
  });
}

const withoutTiming = (path: string) => ({ ...JSON.parse(readFileSync(path, 'utf8')), timing: null });

test('three shards at once, one killed mid-prompt and restarted, then the merge: equal to one plain run', async () => {
  const reference = join(root, 'reference');
  const plain = runCli([...ARGS, '--out', reference], 300_000);
  assert.equal(plain.status, 0, plain.stderr);

  const out = join(root, 'shared');
  const shardIds = [1, 2, 3].map((k) => ITEMS.filter((it) => shardOf(it.id, 3) === k).map((it) => it.id));
  const victim = shardIds.findIndex((ids) => ids.length >= 3) + 1;
  assert.ok(victim > 0, `no shard has 3 prompts: ${JSON.stringify(shardIds)}`);

  // the victim is killed once its first prompt is done and its next one is claimed but not written
  let killedInside: string | null = null;
  const runs = [1, 2, 3].map((k) =>
    start(
      out,
      ['--shard', `${k}/3`],
      k !== victim
        ? undefined
        : (text) => {
            if (killedInside !== null || !/\] p\d+ ok/.test(text)) return false;
            const claimed = shardIds[k - 1].find(
              (id) => existsSync(join(out, `${id}.lock`)) && !existsSync(join(out, `${id}.json`)),
            );
            if (claimed) killedInside = claimed;
            return claimed !== undefined;
          },
    ),
  );
  const results = await Promise.all(runs);
  assert.ok(killedInside !== null, `shard ${victim} was never caught inside a prompt:\n${results[victim - 1].stderr}`);
  assert.equal(results[victim - 1].signal, 'SIGKILL');
  assert.ok(existsSync(join(out, `${killedInside}.lock`)), 'the killed run left its claim');
  assert.ok(!existsSync(join(out, `${killedInside}.json`)), 'and no result for the prompt it was in');
  for (const [i, r] of results.entries()) {
    if (i + 1 === victim) continue;
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^shard ${i + 1}/3: ${shardIds[i].length} prompts: ${shardIds[i].length} explained now`),
    );
    assert.match(r.stderr, new RegExp(`^shard ${i + 1}/3 \\[1/`, 'm'), 'progress lines name the shard');
  }

  const restarted = await start(out, ['--shard', `${victim}/3`]);
  assert.equal(restarted.status, 0, restarted.stderr);
  assert.match(
    restarted.stdout,
    new RegExp(
      `^shard ${victim}/3: ${shardIds[victim - 1].length} prompts: \\d+ explained now, [1-9]\\d* done ` +
        `earlier, 0 failed`,
    ),
  );
  assert.ok(!existsSync(join(out, `${killedInside}.lock`)), "the dead run's claim was taken over and released");

  // the merge: nothing left to explain, summary.csv for the whole dataset in dataset order
  const merged = runCli([...ARGS, '--out', out], 300_000);
  assert.equal(merged.status, 0, merged.stderr);
  assert.match(merged.stdout, /^12 prompts: 0 explained now, 12 done earlier, 0 failed/);

  for (const it of ITEMS)
    assert.deepEqual(withoutTiming(join(out, `${it.id}.json`)), withoutTiming(join(reference, `${it.id}.json`)), it.id);
  const rows = (dir: string, file = 'summary.csv') =>
    parseCsv(readFileSync(join(dir, file), 'utf8')).map((r) => r.slice(0, 6));
  assert.deepEqual(rows(out), rows(reference));
  for (const k of [1, 2, 3]) {
    const ids = rows(out, `summary.shard-${k}-of-3.csv`)
      .slice(1)
      .map((r) => r[0]);
    assert.deepEqual(ids, shardIds[k - 1], `shard ${k}'s summary holds its prompts, in dataset order`);
  }
  const leftovers = readdirSync(out).filter((f) => /\.lock|\.tmp-|\.stale-/.test(f));
  assert.deepEqual(leftovers, []);
});

test('--shard: a bad value is refused before any work', () => {
  const r = runCli([...ARGS, '--out', join(root, 'bad'), '--shard', '4/3']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: --shard 4\/3: K must be between 1 and N\nhint: /);
  assert.ok(!existsSync(join(root, 'bad')));
});
