// Bundles the extension host entry, the CLI and the engine worker into dist/ (Node), and each webview's
// page script into dist/webview/ (browser: one self-contained file per view, loaded under the webview's CSP).
// Native modules stay external: they are loaded from node_modules at run time.
//
// Two properties let scripts call it before every CLI run and several processes use dist/ at once:
// - up to date means nothing is written: dist/.build-inputs.json records the content hash of every input of
//   the last build (as esbuild's metafile lists them, plus this file and package.json), and a build whose
//   inputs hash the same, with every output present, stops before loading esbuild;
// - no process ever sees a half-written bundle: esbuild builds in memory and each file is written to a
//   temporary name and renamed over the old one (a rename is atomic within a folder).
//
//   node esbuild.mjs            # build if anything changed
//   node esbuild.mjs --force    # build even if up to date
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const STAMP = join(root, 'dist', '.build-inputs.json');
const SELF = ['esbuild.mjs', 'package.json'];

const hashOf = (path) =>
  createHash('sha256')
    .update(readFileSync(join(root, path)))
    .digest('hex');

/** Whether the last build's inputs are unchanged and its outputs all there. */
function upToDate() {
  if (!existsSync(STAMP)) return false;
  try {
    const { inputs, outputs } = JSON.parse(readFileSync(STAMP, 'utf8'));
    if (!outputs.every((o) => existsSync(join(root, o)))) return false;
    return Object.entries(inputs).every(([path, hash]) => existsSync(join(root, path)) && hashOf(path) === hash);
  } catch {
    return false;
  }
}

/** Writes through a temporary file in the same folder, then renames it into place. */
function writeAtomic(path, contents, mode) {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, contents);
  if (mode !== undefined) chmodSync(temp, mode);
  renameSync(temp, path);
}

if (!process.argv.includes('--force') && upToDate()) process.exit(0);

const esbuild = await import('esbuild');

const nodeEntries = [
  { in: 'src/extension.ts', out: 'extension' },
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/engine/worker.ts', out: 'worker' },
].filter((e) => existsSync(join(root, e.in)));

const webviews = ['explain', 'heads', 'compare']
  .map((name) => ({ in: `webview/${name}/main.ts`, out: name }))
  .filter((e) => existsSync(join(root, e.in)));

const common = { absWorkingDir: root, bundle: true, write: false, metafile: true, logLevel: 'warning' };
const results = await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: nodeEntries,
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    external: ['vscode', 'onnxruntime-node', 'tokenizers'],
  }),
  esbuild.build({
    ...common,
    entryPoints: webviews,
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'chrome114',
    minify: true,
    sourcemap: false,
  }),
]);

const outputs = [];
for (const file of results.flatMap((r) => r.outputFiles)) {
  const rel = relative(root, file.path);
  // the CLI is also the package's `bin` (esbuild keeps its source's #! line): it runs as a script
  writeAtomic(file.path, file.contents, rel === join('dist', 'cli.js') ? 0o755 : undefined);
  outputs.push(rel);
}

const inputPaths = new Set(SELF);
for (const r of results)
  for (const input of Object.keys(r.metafile.inputs)) if (!input.includes(':')) inputPaths.add(input);
const inputs = Object.fromEntries([...inputPaths].sort().map((p) => [p, hashOf(p)]));
writeAtomic(STAMP, JSON.stringify({ inputs, outputs }, null, 1));
