// The shard assignment of `batch --shard K/N` and the per-prompt claims that let runs share an --out folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { claimAlive, lockPath, STALE_MS, tryLock } from '../../src/methods/attribution/idLock';
import { fnv1a, parseShard, shardOf } from '../../src/methods/attribution/shard';

const root = mkdtempSync(join(tmpdir(), 'lens-shard-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('FNV-1a matches its published test vectors', () => {
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c);
  assert.equal(fnv1a('foobar'), 0xbf9cf968);
});

test('every id falls in exactly one shard, the same each time, and shards are about even', () => {
  const ids = Array.from({ length: 3000 }, (_, i) => `prompt-${i}`);
  for (const n of [1, 2, 3, 7]) {
    const counts = new Array(n).fill(0);
    for (const id of ids) {
      const k = shardOf(id, n);
      assert.ok(k >= 1 && k <= n);
      assert.equal(shardOf(id, n), k);
      counts[k - 1]++;
    }
    for (const c of counts) assert.ok(Math.abs(c - ids.length / n) < 0.1 * (ids.length / n), `shard sizes ${counts}`);
  }
});

test('parseShard takes K/N with 1 <= K <= N and refuses the rest clearly', () => {
  assert.deepEqual(parseShard('2/8'), { ok: true, value: { index: 2, count: 8 } });
  assert.deepEqual(parseShard(' 1 / 1 '), { ok: true, value: { index: 1, count: 1 } });
  for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '-1/3', '1.5/3']) {
    const r = parseShard(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.match(r.error.message, /^--shard /);
  }
});

test('a claim excludes a second claim until released', () => {
  const held = tryLock(root, 'x');
  assert.ok(held);
  assert.equal(tryLock(root, 'x'), null);
  assert.equal(claimAlive(lockPath(root, 'x')), true);
  held.release();
  assert.ok(!existsSync(lockPath(root, 'x')));
  const again = tryLock(root, 'x');
  assert.ok(again);
  again.release();
});

test('a claim appears whole: its owner is in it, and the file it was written to is gone', () => {
  const held = tryLock(root, 'w');
  assert.ok(held);
  const owner = JSON.parse(readFileSync(lockPath(root, 'w'), 'utf8'));
  assert.equal(owner.host, hostname());
  assert.equal(owner.pid, process.pid);
  assert.deepEqual(
    readdirSync(root).filter((f) => f.startsWith('w.lock')),
    ['w.lock'],
  );
  held.release();
});

test("a dead process's claim on this host is taken over at once", () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(lockPath(root, 'y'), JSON.stringify({ host: hostname(), pid: Number(dead.stdout), token: 'old' }));
  assert.equal(claimAlive(lockPath(root, 'y')), false);
  const taken = tryLock(root, 'y');
  assert.ok(taken);
  taken.release();
});

test("another host's claim holds while it is touched and is stale after STALE_MS", () => {
  const path = lockPath(root, 'z');
  writeFileSync(path, JSON.stringify({ host: 'node-elsewhere', pid: 1, token: 'far' }));
  assert.equal(tryLock(root, 'z'), null, 'a fresh claim from another machine');
  const old = new Date(Date.now() - STALE_MS - 1000);
  utimesSync(path, old, old);
  const taken = tryLock(root, 'z');
  assert.ok(taken, 'a claim nobody touched for STALE_MS');
  taken.release();
  assert.ok(!existsSync(path));
});
