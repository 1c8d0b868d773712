// Runs every test/**/*.test.ts with node's built-in test runner (TypeScript through tsx).
// Node 20's --test does not expand globs, so the files are listed here.
// Then, unless test files were named, the end-to-end suite in a real VS Code (test/e2e, scripts/e2e.mjs):
// it installs its own prerequisites (cached) and counts as a failure if it cannot run.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runE2e } from './e2e.mjs';
import { ensureE2ePrerequisites } from './e2e-setup.mjs';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'e2e' ? [] : find(path);
    return path.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : find('test').sort();
if (only.length === 0 && process.env.INSTRUCTION_LENS_E2E !== 'skip') {
  // The e2e prerequisites first, so that the unit tests that use Chromium where it is installed
  // (test/webview) run on a fresh machine too. A failure here is reported by the e2e suite below.
  try {
    ensureE2ePrerequisites();
  } catch {}
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
});
const units = result.status ?? 1;
if (only.length > 0) process.exit(units);
console.error('\nend-to-end suite (npm run test:e2e)');
const e2e = runE2e();
if (units !== 0 || e2e !== 0)
  console.error(
    `\nfailed: ${[units !== 0 && 'unit tests', e2e !== 0 && 'end-to-end suite'].filter(Boolean).join(' and ')}`,
  );
process.exit(units || e2e);
