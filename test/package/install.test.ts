// The npm package as a user installs it: `npm pack` makes the tarball (its `prepack` builds dist/), a global
// install into a throw-away prefix puts `instruction-lens` on that prefix's bin/, and the command explains a
// prompt from an unrelated folder with the embedded pair. Dependencies come from npm's cache, which the
// project's own `npm install` has filled.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');

test('npm pack, npm install -g, then instruction-lens explain from another folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'il-install-'));
  try {
    const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000 });
    const packed = npm(['pack', '--pack-destination', dir, '--json'], ROOT);
    assert.equal(packed.status, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info.files.map((f) => f.path);
    assert.ok(
      files.includes('dist/cli.js') &&
        files.includes('models/wordnet-tuned/config.json') &&
        files.includes('models/wordnet-base/model.safetensors'),
      files.join(' '),
    );
    assert.ok(
      !files.some((f) => f.startsWith('test/') || f.startsWith('src/')),
      'the package ships neither tests nor sources',
    );

    const prefix = join(dir, 'prefix');
    const installed = npm(
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--onnxruntime-node-install=skip',
        '--no-audit',
        '--no-fund',
        join(dir, info.filename),
      ],
      dir,
    );
    assert.equal(installed.status, 0, installed.stderr);
    const bin = join(prefix, 'bin', 'instruction-lens');
    assert.ok(existsSync(bin), `no ${bin}`);

    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const run = spawnSync(bin, ['explain', '--prompt', 'Spell the word cat.', '--json', 'out.json'], {
      cwd: elsewhere,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(readFileSync(join(elsewhere, 'out.json'), 'utf8'));
    assert.equal(json.prompt, 'Spell the word cat.');
    assert.ok(
      json.model.path.startsWith(join(prefix, 'lib', 'node_modules', 'instruction-lens', 'models', 'wordnet-tuned')),
      json.model.path,
    );
    assert.ok(json.response_tokens.length > 0 && json.attribution.length > 0);
    assert.match(run.stdout, /instruction importance: \d/);
    assert.deepEqual(readdirSync(elsewhere), ['out.json'], 'the command writes nothing but what it was asked to');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
