// Bundles the extension host entry, the CLI and the engine worker into dist/ (Node), and each webview's
// page script into dist/webview/ (browser: one self-contained file per view, loaded under the webview's CSP).
// Native modules stay external: they are loaded from node_modules at run time.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  { in: 'src/extension.ts', out: 'extension' },
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/engine/worker.ts', out: 'worker' },
].filter((e) => existsSync(e.in));

await esbuild.build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['vscode', 'onnxruntime-node', 'tokenizers'],
  logLevel: 'warning',
});

const webviews = ['explain', 'heads', 'compare'].map((name) => ({ in: `webview/${name}/main.ts`, out: name })).filter((e) => existsSync(e.in));

await esbuild.build({
  entryPoints: webviews,
  outdir: 'dist/webview',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome114',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
});
