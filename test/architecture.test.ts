// The layers of docs/ARCHITECTURE.md, checked on the source: every relative import of src/ goes from a folder to
// one above it in the order below (or within the folder), so no folder imports one that imports it; the
// methods import no sibling but compare, which builds on the other three; and only the VS Code glue imports
// `vscode`.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(__dirname, '..', 'src');

/** Bottom first: a folder may import the folders before it. */
const ORDER = [
  'lensError.ts',
  'graph',
  'model',
  'gguf',
  'arch',
  'runtime',
  'terminal',
  'methods/prng.ts',
  'methods/attribution',
  'methods/heads',
  'methods/concepts',
  'methods/compare',
  'protocol.ts',
  'engine',
  'cli',
  'ui',
  'extension.ts',
];

/** A file's place in ORDER: its top folder, or its method's folder. */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  const name = parts[0] === 'methods' ? `methods/${parts[1]}` : parts[0];
  if (!ORDER.includes(name)) throw new Error(`${relative(SRC, file)}: ${name} is not in the order of layers`);
  return name;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.ts$/.test(name) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
}

function target(file: string, spec: string): string {
  const base = resolve(dirname(file), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(`${relative(SRC, file)}: cannot resolve '${spec}'`);
}

test('every import goes to a folder above its own in the order of layers', () => {
  const wrong: string[] = [];
  let checked = 0;
  for (const file of sources(SRC)) {
    const from = layerOf(file);
    for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
      const to = layerOf(target(file, spec));
      checked++;
      if (to === from) continue;
      if (ORDER.indexOf(to) > ORDER.indexOf(from))
        wrong.push(`${relative(SRC, file)} (${from}) imports ${spec} (${to})`);
    }
  }
  assert.ok(checked > 500, `only ${checked} imports found`);
  assert.deepEqual(wrong, []);
});

test('the methods import no sibling but compare; only src/ui and extension.ts import vscode', () => {
  const wrong: string[] = [];
  for (const file of sources(SRC)) {
    const from = layerOf(file);
    for (const spec of importsOf(file)) {
      if (spec === 'vscode' && from !== 'ui' && from !== 'extension.ts')
        wrong.push(`${relative(SRC, file)} imports vscode`);
      if (!spec.startsWith('.')) continue;
      const to = layerOf(target(file, spec));
      if (
        from.startsWith('methods/') &&
        to.startsWith('methods/') &&
        to !== from &&
        to !== 'methods/prng.ts' &&
        from !== 'methods/compare'
      )
        wrong.push(`${relative(SRC, file)} (${from}) imports ${spec} (${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});
