// The repository stands alone: a user's clone has nothing beside it, so no file may read, or point a reader
// at, a path outside the checkout. Two checks over every tracked text file:
// - no text names a folder beside the checkout or a machine-specific absolute path;
// - no `join(__dirname, '..', …)` / `resolve(__dirname, …)` climbs above the repository root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..');

function trackedFiles(): string[] {
  const listed = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(listed.status, 0, `git ls-files failed: ${listed.stderr}`);
  return listed.stdout
    .split('\0')
    .filter((f) => f !== '' && !f.startsWith('test/fixtures/') && f !== 'package-lock.json');
}

const TEXT = /\.(ts|mjs|cjs|js|json|sh|sbatch|py|md|yaml|yml|html|css|txt)$|^\.ci\/|(^|\/)\.[a-z]+ignore$|\.npmrc$/;

// Built from pieces so that this file does not match itself.
const OUTSIDE = [
  ['..', 'shared'].join('/'),
  ['shared', 'facts'].join('/'),
  ['shared', 'data'].join('/'),
  ['', 'work', ''].join('/'),
];

test('no tracked file names a path outside the checkout', () => {
  const found: string[] = [];
  for (const file of trackedFiles()) {
    if (!TEXT.test(file) || file === 'test/repository.test.ts') continue;
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const pattern of OUTSIDE) if (line.includes(pattern)) found.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, [], `these lines point outside the repository:\n${found.join('\n')}`);
});

/** `..` segments at the start of each `join(__dirname, …)` / `resolve(__dirname, …)` in a source text. */
export function climbs(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/(?:join|resolve)\(\s*__dirname\s*,([^)]*)\)/g)) {
    const parts = m[1].split(',').map((p) => p.trim().replace(/^['"`]|['"`]$/g, ''));
    let ups = 0;
    for (const p of parts) {
      const segments = p.split('/');
      if (!segments.every((s) => s === '..')) break;
      ups += segments.length;
    }
    out.push(ups);
  }
  return out;
}

test('climbs counts the leading .. segments of a __dirname path', () => {
  assert.deepEqual(climbs("join(__dirname, '..', '..', 'x')"), [2]);
  assert.deepEqual(climbs("resolve(__dirname, '../../..', 'shared')"), [3]);
  assert.deepEqual(climbs("join(__dirname, 'fixtures', '..')"), [0]);
});

test('no source climbs above the repository root from its own folder', () => {
  const found: string[] = [];
  for (const file of trackedFiles()) {
    if (!/\.(ts|mjs|cjs|js)$/.test(file) || file === 'test/repository.test.ts') continue;
    // bundles run from dist/ (one level down), wherever their source sits
    const depth = /^src\//.test(file) ? 1 : file.split('/').length - 1;
    for (const ups of climbs(readFileSync(join(ROOT, file), 'utf8'))) {
      if (ups > depth) found.push(`${file}: ${ups} levels up from a folder ${depth} deep`);
    }
  }
  assert.deepEqual(found, [], found.join('\n'));
});
