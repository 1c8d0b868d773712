// npm run test:e2e: the end-to-end suite in a real VS Code.
//  1. prerequisites (scripts/e2e-setup.mjs): Debian's Chromium and code-server, installed once and cached;
//  2. the VSIX for this platform (scripts/package.mjs), built from the current tree;
//  3. test/e2e/*.test.ts with node's test runner, told where those are through E2E_* variables.
// Any failure in 1 or 2 is an error (exit 1) with a hint: the suite never skips itself silently.
// INSTRUCTION_LENS_E2E=skip skips it on purpose, and says so loudly.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureE2ePrerequisites } from './e2e-setup.mjs';
import { packageVsix } from './package.mjs';

const ROOT = resolve(import.meta.dirname, '..');

function banner(lines) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = '!'.repeat(width);
  return [rule, ...lines.map((l) => `! ${l.padEnd(width - 4)} !`), rule].join('\n');
}

/** Runs the suite; returns the exit status (0: every e2e test passed). */
export function runE2e(files = []) {
  if (process.env.INSTRUCTION_LENS_E2E === 'skip') {
    console.error(
      banner(['END-TO-END SUITE SKIPPED (INSTRUCTION_LENS_E2E=skip):', 'the extension was NOT tested in VS Code.']),
    );
    return 0;
  }
  const seconds = (t0) => ((Date.now() - t0) / 1000).toFixed(1);
  let prerequisites;
  let vsix;
  let t0 = Date.now();
  // a VSIX of its own: several test runs at once must not overwrite each other's
  const vsixDir = mkdtempSync(join(tmpdir(), 'lens-e2e-vsix-'));
  try {
    console.error('e2e: prerequisites (Chromium, code-server)…');
    prerequisites = ensureE2ePrerequisites();
    console.error(
      `e2e: prerequisites ` +
        `${prerequisites.installed.length ? `installed (${prerequisites.installed.join(', ')})` : 'cached'}` +
        ` in ${seconds(t0)} s`,
    );
    t0 = Date.now();
    vsix = packageVsix({ quiet: true, outDir: vsixDir });
    console.error(`e2e: packed ${vsix.path} (${(vsix.bytes / 1e6).toFixed(1)} MB) in ${seconds(t0)} s`);
  } catch (e) {
    console.error(
      banner([
        'END-TO-END SUITE COULD NOT BE SET UP: counted as a failure.',
        ...String(e.message).split('\n').slice(0, 12),
        ...(e.hint ? [`hint: ${e.hint}`] : []),
      ]),
    );
    rmSync(vsixDir, { recursive: true, force: true });
    return 1;
  }
  const dir = join(ROOT, 'test', 'e2e');
  const tests =
    files.length > 0
      ? files
      : readdirSync(dir)
          .filter((f) => f.endsWith('.test.ts'))
          .sort()
          .map((f) => join('test', 'e2e', f));
  t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...tests], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      E2E_CODE_SERVER: prerequisites.codeServerEntry,
      E2E_CHROMIUM: prerequisites.chromium,
      E2E_VSIX: vsix.path,
    },
  });
  rmSync(vsixDir, { recursive: true, force: true });
  console.error(`e2e: tests ran in ${seconds(t0)} s (screenshots in test-artifacts/e2e/)`);
  return r.status ?? 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit(runE2e(process.argv.slice(2)));
}
