// code-server for the end-to-end suite: a throw-away profile (user data, extensions, XDG folders) under one
// temporary folder, the VSIX installed through code-server's own CLI, the server on a free local port, and
// a stop that ends the server *and* the processes it forked (file watcher, extension host), which can
// otherwise outlive it for minutes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface Profile {
  readonly root: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly env: NodeJS.ProcessEnv;
}

export function makeProfile(root: string): Profile {
  const dirs = ['ud/User', 'ext', 'xdg/config', 'xdg/data', 'xdg/cache'].map((d) => join(root, d));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  return {
    root,
    userDataDir: join(root, 'ud'),
    extensionsDir: join(root, 'ext'),
    // without these code-server writes its config and state into the real home folder
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(root, 'xdg/config'),
      XDG_DATA_HOME: join(root, 'xdg/data'),
      XDG_CACHE_HOME: join(root, 'xdg/cache'),
    },
  };
}

/** Replaces the profile's user settings.json (VS Code picks up changes while it runs). */
export function writeUserSettings(profile: Profile, settings: Record<string, unknown>): void {
  writeFileSync(join(profile.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

/**
 * Replaces the profile's Remote settings (the "Remote" tab of the Settings editor; code-server is a remote
 * window). Machine-scoped settings such as instructionLens.models belong here: VS Code applies them from the
 * local user settings of a remote window only until it next rewrites those.
 */
export function writeMachineSettings(profile: Profile, settings: Record<string, unknown>): void {
  mkdirSync(join(profile.userDataDir, 'Machine'), { recursive: true });
  writeFileSync(join(profile.userDataDir, 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** The profile's user settings.json as VS Code last wrote it ({} while it is being rewritten). */
export function readUserSettings(profile: Profile): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(join(profile.userDataDir, 'User', 'settings.json'), 'utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

/** Installs a VSIX with code-server's CLI; returns the folder it was unpacked into. */
export function installVsix(entry: string, profile: Profile, vsix: string): string {
  const r = spawnSync(
    process.execPath,
    [
      entry,
      '--user-data-dir',
      profile.userDataDir,
      '--extensions-dir',
      profile.extensionsDir,
      '--install-extension',
      vsix,
    ],
    {
      env: profile.env,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (r.status !== 0)
    throw new Error(`code-server --install-extension failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const installed = readdirSync(profile.extensionsDir).filter((d) =>
    d.startsWith('instruction-lens.instruction-lens-'),
  );
  if (installed.length !== 1)
    throw new Error(
      `expected one installed extension folder, found ${JSON.stringify(readdirSync(profile.extensionsDir))}`,
    );
  return join(profile.extensionsDir, installed[0]!);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Every process below pid (children, their children, ...), read from /proc. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // the command name is in parentheses and may hold spaces: the ppid is the second field after it
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const [child, parent] of parentOf) {
      if (parent === p && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export interface CodeServer {
  readonly url: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export async function startCodeServer(entry: string, profile: Profile, folder: string): Promise<CodeServer> {
  const port = await freePort();
  const logFile = join(profile.root, 'code-server.log');
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      entry,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir',
      profile.userDataDir,
      '--extensions-dir',
      profile.extensionsDir,
      folder,
    ],
    { env: profile.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    const pid = child.pid;
    if (pid === undefined) return;
    const all = [pid, ...descendants(pid)];
    signal(all.reverse(), 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && all.some(alive)) await new Promise((r) => setTimeout(r, 100));
    signal(all.filter(alive), 'SIGKILL');
    log.end();
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url}/healthz within 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, logFile, stop };
}
