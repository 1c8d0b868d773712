// The README and docs/ stay true: every relative link and picture points at a file of the repository, every
// file docs/ARCHITECTURE.md names exists, every method a code comment cites from it is one it describes, and
// every option the CLI reference lists for a command is one that command accepts.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('relative links and pictures in the README and docs/ resolve', () => {
  const broken: string[] = [];
  for (const page of PAGES) {
    const text = readFileSync(join(ROOT, page), 'utf8');
    for (const [, target] of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
      const path = join(ROOT, dirname(page), target.replace(/#.*$/, ''));
      if (!existsSync(path)) broken.push(`${page}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the files and folders docs/ARCHITECTURE.md names exist', () => {
  // a path from src/ or webview/ names its folder; a bare file name after it is in that folder
  const text = readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
  const missing: string[] = [];
  let folder = '';
  let checked = 0;
  for (const [, name] of text.matchAll(/`([^`\s]+)`/g)) {
    let path: string;
    if (/^(src|webview|test)(\/|$)/.test(name)) {
      path = name;
      folder = name.endsWith('/') || !/\.[a-z]+$/.test(name) ? name : dirname(name);
    } else if (/\.ts$/.test(name) && folder) path = join(folder, name);
    else continue;
    checked++;
    if (!existsSync(join(ROOT, path))) missing.push(name === path ? name : `${name} (as ${path})`);
  }
  assert.ok(checked > 50, `only ${checked} paths found`);
  assert.deepEqual(missing, []);
});

test('code comments cite docs/ARCHITECTURE.md for methods it describes', () => {
  const text = readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
  const methods = new Set([...text.matchAll(/^### (\d+)\. /gm)].map((m) => m[1]));
  const cites = execFileSync(
    'git',
    ['grep', '-n', '-o', '-E', 'ARCHITECTURE\\.md, method [0-9]+', '--', 'src', 'test', 'bench'],
    { cwd: ROOT, encoding: 'utf8' },
  )
    .trim()
    .split('\n');
  assert.ok(cites.length >= 10, cites.join('\n'));
  const wrong = cites.filter((line) => !methods.has(/method (\d+)$/.exec(line)![1]));
  assert.deepEqual(wrong, []);
  // and no comment points at a design document the repository does not have
  const stale = spawnSync(
    'git',
    ['grep', '-n', '-E', '(DESIGN|STYLE)\\.md', '--', 'src', 'test', 'bench', 'webview', 'scripts'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(stale.stdout, '');
});

test("the README's quick start is the two commands, and CI runs the second", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, /^npm install && npm run demo /m);
  assert.match(readme, /^npm install && npm test /m);
  assert.match(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), /npm install[^\n]*&& npm test\b/);
});

test("every option in docs/cli.md's tables is one its command accepts", () => {
  const cli = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
  const sections = cli.split(/^### /m).slice(1);
  let checked = 0;
  for (const section of sections) {
    const command = /^`(\w+)`/.exec(section)?.[1];
    if (!command) continue;
    const help = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), command, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, `${command} --help: ${help.stderr}`);
    const rows = section.split('\n').filter((l) => l.startsWith('| `--'));
    for (const row of rows) {
      for (const [, option] of row.split('|')[1].matchAll(/`(--[a-z-]+)/g)) {
        assert.ok(help.stdout.includes(option), `${command}: docs/cli.md lists ${option}, which --help does not`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 40, `only ${checked} options checked`);
});
