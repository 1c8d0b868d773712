// A claim on one prompt of a batch folder, so that runs sharing the folder (shards on several machines, a
// shard restarted while an old copy still runs, a merge run started early) never explain a prompt at the same
// time. The claim is a file `<id>.lock` holding its owner's host, pid and a random token, written beside it
// first and then hard-linked into place (link fails where the name exists, atomically on local and NFSv3+ file
// systems), so a claim is never seen half-written, even from a run killed while it made one. Its owner touches it every
// HEARTBEAT_MS; a claim is stale
// when its owner is a dead process on this host, or, from another host, when it has not been touched for
// STALE_MS. A stale claim is taken over by renaming it aside first: only one of several contenders wins.
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const HEARTBEAT_MS = 30_000;
export const STALE_MS = 5 * 60_000;

interface Owner {
  readonly host: string;
  readonly pid: number;
  readonly token: string;
}

export interface IdLock {
  release(): void;
}

export const lockPath = (dir: string, id: string) => join(dir, `${id}.lock`);

function readOwner(path: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8'));
    return typeof o?.host === 'string' && typeof o.pid === 'number' && typeof o.token === 'string' ? o : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the claim at `path` is held by a live owner (a half-written or unreadable one counts as live while fresh).
 */
export function claimAlive(path: string, now = Date.now()): boolean {
  let mtime: number;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    return false;
  }
  const owner = readOwner(path);
  if (owner !== null && owner.host === hostname()) return processAlive(owner.pid);
  return now - mtime < STALE_MS;
}

function create(path: string, owner: Owner): boolean {
  // named as batch's temporaries are (outputFile.ts TEMP_SUFFIX): a killed run's is cleared by the next run
  const temporary = `${path}.tmp-${owner.token}`;
  writeFileSync(temporary, JSON.stringify(owner));
  try {
    linkSync(temporary, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Claims `id` in `dir`, or returns null when a live run holds it. */
export function tryLock(dir: string, id: string): IdLock | null {
  const path = lockPath(dir, id);
  const owner: Owner = { host: hostname(), pid: process.pid, token: randomBytes(8).toString('hex') };
  if (!create(path, owner)) {
    if (claimAlive(path)) return null;
    const judged = readOwner(path);
    const aside = `${path}.stale-${owner.token}`;
    try {
      renameSync(path, aside);
    } catch {
      return null; // another contender moved it first
    }
    const moved = readOwner(aside);
    if (judged !== null && moved?.token !== judged.token) {
      // a fresh claim replaced the stale one between our look and our rename: put it back
      try {
        linkSync(aside, path);
      } catch {}
      rmSync(aside, { force: true });
      return null;
    }
    rmSync(aside, { force: true });
    if (!create(path, owner)) return null;
  }
  const heartbeat = setInterval(() => {
    try {
      const t = new Date();
      utimesSync(path, t, t);
    } catch {}
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    release() {
      clearInterval(heartbeat);
      if (readOwner(path)?.token === owner.token) rmSync(path, { force: true });
    },
  };
}
