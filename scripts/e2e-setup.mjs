// Installs what the end-to-end suite needs, outside the extension's own dependencies, and caches it:
//  - Debian packages: chromium (the browser Playwright drives), ripgrep (code-server's search binary) and
//    the headers code-server's native modules build against (apt-get, so root or password-less sudo);
//  - code-server, pinned to a version that runs on node 20, in a cache folder outside the repository
//    (~/.cache/instruction-lens-e2e, or $INSTRUCTION_LENS_E2E_CACHE).
// A finished install leaves a stamp, so a warm run takes well under a second. Concurrent runs (several
// `npm test` at once) wait on a lock and install into a temporary folder renamed into place at the end.
// Anything that cannot be installed is an error with a hint, never a silent skip.
//
//   node scripts/e2e-setup.mjs     # installs, prints the paths and the time taken
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  copyFileSync,
  symlinkSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const APT_PACKAGES = ['chromium', 'ripgrep', 'libkrb5-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'libx11-dev'];

export class SetupError extends Error {
  constructor(message, hint) {
    super(message);
    this.hint = hint;
  }
}

export function e2eCacheDir() {
  if (process.env.INSTRUCTION_LENS_E2E_CACHE) return resolve(process.env.INSTRUCTION_LENS_E2E_CACHE);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'instruction-lens-e2e');
}

const started = Date.now();
function log(message) {
  process.stderr.write(`e2e setup [${((Date.now() - started) / 1000).toFixed(0)} s]: ${message}\n`);
}

/** Runs a command with its output appended to logFile; on failure, throws with the log's tail. */
function run(logFile, command, args, options = {}) {
  appendFileSync(logFile, `\n$ ${command} ${args.join(' ')}   (in ${options.cwd ?? process.cwd()})\n`);
  const r = spawnSync(command, args, { ...options, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  appendFileSync(logFile, (r.stdout ?? '') + (r.stderr ?? ''));
  if (r.status !== 0) {
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n');
    throw new SetupError(
      `\`${command} ${args.join(' ')}\` failed (${r.error?.message ?? `exit ${r.status}`}); last ` +
        `lines of ${logFile}:\n${tail}`,
      'Fix the cause above and run again; a half-done install is discarded.',
    );
  }
}

function missingAptPackages() {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...APT_PACKAGES], {
    encoding: 'utf8',
  });
  if (r.error)
    throw new SetupError(
      'dpkg-query is not available: the e2e suite installs its browser with apt-get (Debian/Ubuntu).',
      'Run it on Debian or Ubuntu, or install chromium and ripgrep yourself and set CHROMIUM_PATH.',
    );
  const installed = new Set(
    r.stdout
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(' ')[0]),
  );
  return APT_PACKAGES.filter((p) => !installed.has(p));
}

function ensureAptPackages(logFile) {
  const missing = missingAptPackages();
  if (missing.length === 0) return false;
  const asRoot = process.getuid?.() === 0;
  const sudo = !asRoot && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!asRoot && !sudo) {
    throw new SetupError(
      `the e2e suite needs these Debian packages: ${missing.join(' ')}; installing them needs root ` +
        `(uid is ${process.getuid?.()}, and sudo asks for a password).`,
      `Run \`sudo apt-get install -y ${missing.join(' ')}\` once, then run the tests again.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) =>
    asRoot ? run(logFile, 'apt-get', args, { env }) : run(logFile, 'sudo', ['-n', 'apt-get', ...args], { env });
  log(`apt-get install ${missing.join(' ')} (a few minutes on a fresh machine)`);
  apt(['-o', 'DPkg::Lock::Timeout=600', 'update']);
  apt(['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', ...missing]);
  log('apt packages installed');
  return true;
}

/** A folder lock (mkdir is atomic); a lock left by a dead process is taken over. */
function withLock(dir, body) {
  const lock = join(dir, '.lock');
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {}
      const alive =
        Number.isInteger(holder) &&
        holder > 0 &&
        (() => {
          try {
            process.kill(holder, 0);
            return true;
          } catch {
            return false;
          }
        })();
      const age = Date.now() - (existsSync(lock) ? statSync(lock).mtimeMs : Date.now());
      if (!alive && age > 5000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > 20 * 60_000)
        throw new SetupError(
          `timed out waiting for ${lock} (held by pid ${holder})`,
          'Another e2e setup is stuck; stop it or remove the lock folder.',
        );
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    return body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function installCodeServer(target, logFile) {
  const tmp = `${target}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(
    join(tmp, 'package.json'),
    JSON.stringify({ name: 'instruction-lens-e2e-code-server', private: true }, null, 2),
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // npm 11 asks before npx-style steps (node-pty's rebuild); the user's npmrc may say yes=false.
  const env = {
    ...process.env,
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  // node-gyp builds against this node's own headers when they are installed, instead of downloading them
  // (nodejs.org may be out of reach; only the npm registry has to be)
  const nodePrefix = resolve(realpathSync(process.execPath), '..', '..');
  if (!env.npm_config_nodedir && existsSync(join(nodePrefix, 'include', 'node', 'node.h')))
    env.npm_config_nodedir = nodePrefix;
  log(`npm install code-server@${CODE_SERVER_VERSION} into ${target}`);
  run(logFile, npm, ['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts'], { cwd: tmp, env });
  const vscodeDir = join(tmp, 'node_modules', 'code-server', 'lib', 'vscode');
  log("npm install of code-server's VS Code (production dependencies)");
  run(logFile, npm, ['install', '--omit=dev', '--ignore-scripts'], { cwd: vscodeDir, env });
  // The ripgrep package downloads its binary in a postinstall (no network here): use Debian's.
  const rgDir = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgDir, { recursive: true });
  copyFileSync('/usr/bin/rg', join(rgDir, 'rg'));
  log('npm rebuild of the native modules (node-pty, spdlog, ...)');
  run(logFile, npm, ['rebuild'], { cwd: vscodeDir, env });
  rmSync(join(vscodeDir, 'node_modules.asar'), { force: true });
  symlinkSync('node_modules', join(vscodeDir, 'node_modules.asar'));
  run(logFile, npm, ['rebuild', 'argon2'], { cwd: tmp, env }); // loaded even with --auth none
  log('code-server installed');
  writeFileSync(
    join(tmp, 'installed.json'),
    JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: process.version, at: new Date().toISOString() }, null, 2),
  );
  rmSync(target, { recursive: true, force: true });
  renameSync(tmp, target);
}

function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new SetupError(`no Chromium at ${candidates.join(', ')}`, 'apt-get install chromium, or set CHROMIUM_PATH.');
  return found;
}

/**
 * Makes sure everything is installed; returns the paths the suite needs and what was done.
 * @returns {{ codeServerEntry: string, chromium: string, cacheDir: string, installed: string[], seconds: number }}
 */
export function ensureE2ePrerequisites() {
  const t0 = Date.now();
  if (process.platform !== 'linux')
    throw new SetupError(
      `the e2e suite runs on Linux only (this is ${process.platform})`,
      'Run it on Linux (CI does), or set INSTRUCTION_LENS_E2E=skip to acknowledge that it did not run.',
    );
  const cacheDir = e2eCacheDir();
  mkdirSync(cacheDir, { recursive: true });
  const logFile = join(cacheDir, 'setup.log');
  const target = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
  const entry = join(target, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const installed = [];
  withLock(cacheDir, () => {
    writeFileSync(logFile, `e2e setup ${new Date().toISOString()}\n`);
    if (ensureAptPackages(logFile)) installed.push('apt packages');
    if (!existsSync(join(target, 'installed.json'))) {
      installCodeServer(target, logFile);
      installed.push(`code-server ${CODE_SERVER_VERSION}`);
    }
  });
  return { codeServerEntry: entry, chromium: findChromium(), cacheDir, installed, seconds: (Date.now() - t0) / 1000 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const r = ensureE2ePrerequisites();
    log(
      `${r.installed.length ? `installed ${r.installed.join(', ')}` : 'everything already installed'} ` +
        `in ${r.seconds.toFixed(1)} s`,
    );
    console.log(JSON.stringify(r, null, 2));
  } catch (e) {
    console.error(`error: ${e.message}`);
    if (e.hint) console.error(`hint: ${e.hint}`);
    process.exit(1);
  }
}
