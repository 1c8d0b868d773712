// npm run package [-- --target <platform>|all]
// Builds dist/ (esbuild.mjs) and packs the extension into a VSIX with @vscode/vsce, then checks that the VSIX
// holds what the extension loads at run time (bundles, the embedded model pair, the native binaries).
//
// Native binaries: onnxruntime-node and tokenizers ship prebuilt binaries for several platforms (about 290 MB
// for onnxruntime-node alone). By default the VSIX is platform-specific (vsce --target, the Marketplace's
// mechanism for native code): only this machine's binaries go in. `--target all` makes one portable VSIX
// with every platform's binaries; `--target win32-x64` (etc.) packs another platform's.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  openSync,
  readSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');

/** vsce target -> the native files that platform loads: onnxruntime-node's bin folder, tokenizers' binary. */
const NATIVE = {
  'linux-x64': { ort: 'linux/x64', tokenizers: 'linux-x64-gnu' },
  'linux-arm64': { ort: 'linux/arm64', tokenizers: 'linux-arm64-gnu' },
  'darwin-arm64': { ort: 'darwin/arm64', tokenizers: 'darwin-arm64' },
  'win32-x64': { ort: 'win32/x64', tokenizers: 'win32-x64-msvc' },
  'win32-arm64': { ort: 'win32/arm64', tokenizers: 'win32-arm64-msvc' },
};

export class PackageError extends Error {
  constructor(message, hint) {
    super(message);
    this.hint = hint;
  }
}

function ortBinDir(platform) {
  return `node_modules/onnxruntime-node/bin/napi-v6/${platform}`;
}

/** The ignore file for one target: .vscodeignore with its native-binaries block narrowed to that target. */
function ignoreFileFor(target) {
  const text = readFileSync(join(ROOT, '.vscodeignore'), 'utf8');
  if (target === 'all') return text;
  const { ort, tokenizers } = NATIVE[target];
  const block = /# native binaries: begin\n[\s\S]*?# native binaries: end\n/;
  if (!block.test(text))
    throw new PackageError('.vscodeignore has no "# native binaries: begin/end" block', 'Restore it from git.');
  return text.replace(block, `!${ortBinDir(ort)}/**\n!node_modules/tokenizers/tokenizers.${tokenizers}.node\n`);
}

/** Names and sizes of the entries of a zip file, from its central directory. */
export function zipEntries(file) {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const tailLength = Math.min(size, 65557);
    const tail = Buffer.alloc(tailLength);
    readSync(fd, tail, 0, tailLength, size - tailLength);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw new PackageError(`${file} is not a zip file`, 'Package again.');
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    const dir = Buffer.alloc(dirSize);
    readSync(fd, dir, 0, dirSize, dirOffset);
    const entries = [];
    for (let i = 0, p = 0; i < count; i++) {
      const compressed = dir.readUInt32LE(p + 20);
      const uncompressed = dir.readUInt32LE(p + 24);
      const nameLength = dir.readUInt16LE(p + 28);
      const extraLength = dir.readUInt16LE(p + 30);
      const commentLength = dir.readUInt16LE(p + 32);
      entries.push({ name: dir.toString('utf8', p + 46, p + 46 + nameLength), compressed, uncompressed });
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

export function defaultTarget() {
  const target = `${process.platform}-${process.arch}`;
  if (!(target in NATIVE))
    throw new PackageError(
      `no native binaries for this platform (${target})`,
      `Pass --target with one of ${Object.keys(NATIVE).join(', ')} or all.`,
    );
  return target;
}

/** Files every VSIX must hold (relative to the VSIX's extension/ folder). */
function requiredFiles(target) {
  const common = [
    'package.json',
    'dist/extension.js',
    'dist/worker.js',
    'models/wordnet-base/model.safetensors',
    'models/wordnet-base/tokenizer.json',
    'models/wordnet-tuned/model.safetensors',
    'models/wordnet-tuned/tokenizer.json',
    'node_modules/onnxruntime-node/dist/index.js',
    'node_modules/onnxruntime-common/dist/cjs/index.js',
    'node_modules/onnxruntime-common/dist/cjs/package.json', // without it node loads the folder as ES modules
    'node_modules/tokenizers/index.js',
  ];
  const natives = (target === 'all' ? Object.values(NATIVE) : [NATIVE[target]]).flatMap(({ ort, tokenizers }) => [
    `${ortBinDir(ort)}/onnxruntime_binding.node`,
    `node_modules/tokenizers/tokenizers.${tokenizers}.node`,
  ]);
  return [...common, ...natives];
}

/**
 * Builds and packs; returns the VSIX's path, size and entry count.
 * @param {{ target?: string, build?: boolean, quiet?: boolean, outDir?: string }} options  outDir: where the
 *   VSIX goes (default: the repository root)
 */
export function packageVsix({ target = defaultTarget(), build = true, quiet = false, outDir = ROOT } = {}) {
  if (target !== 'all' && !(target in NATIVE))
    throw new PackageError(`unknown target "${target}"`, `Use one of ${Object.keys(NATIVE).join(', ')} or all.`);
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const model of ['wordnet-base', 'wordnet-tuned']) {
    if (!existsSync(join(ROOT, 'models', model, 'model.safetensors')))
      throw new PackageError(
        `models/${model} is not built`,
        'Run `npm run train:models` first (or check out the committed pair).',
      );
  }
  const stdio = quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'];
  if (build) {
    const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio, encoding: 'utf8' });
    if (r.status !== 0)
      throw new PackageError(`the build failed:\n${r.stderr ?? ''}`, 'Fix the build (`npm run build`) first.');
  }
  const out = join(outDir, `${manifest.name}-${target === 'all' ? 'universal' : target}-${manifest.version}.vsix`);
  const tmp = mkdtempSync(join(tmpdir(), 'lens-vsix-'));
  try {
    const ignoreFile = join(tmp, 'vscodeignore');
    writeFileSync(ignoreFile, ignoreFileFor(target));
    rmSync(out, { force: true });
    const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    if (!existsSync(vsce)) throw new PackageError('@vscode/vsce is not installed', 'Run `npm install`.');
    // the README's links and picture point into docs/, which the VSIX carries: VS Code shows them from the
    // installed folder, so vsce must not require a repository URL to rewrite them
    const args = [
      vsce,
      'package',
      '--ignoreFile',
      ignoreFile,
      '--out',
      out,
      '--allow-missing-repository',
      '--no-rewrite-relative-links',
    ];
    if (target !== 'all') args.push('--target', target);
    // stdin closed: vsce would otherwise wait on a yes/no question instead of failing.
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio, encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(out))
      throw new PackageError(
        `vsce package failed (exit ${r.status}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`,
        "See vsce's message above.",
      );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const entries = zipEntries(out);
  const names = new Set(entries.map((e) => e.name));
  const missing = requiredFiles(target).filter((f) => !names.has(`extension/${f}`));
  if (missing.length > 0)
    throw new PackageError(
      `${out} lacks ${missing.join(', ')}`,
      'Check .vscodeignore and that `npm install` and `npm run build` ran.',
    );
  const leaked = entries.filter(
    (e) => /^extension\/(src|test|train|bench|scripts)\//.test(e.name) || e.name.endsWith('.map'),
  );
  if (leaked.length > 0)
    throw new PackageError(
      `${out} holds files that must stay out: ${leaked
        .slice(0, 5)
        .map((e) => e.name)
        .join(', ')}`,
      'Check .vscodeignore.',
    );
  return {
    path: out,
    target,
    bytes: statSync(out).size,
    files: entries.length,
    unpackedBytes: entries.reduce((s, e) => s + e.uncompressed, 0),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--target');
  try {
    const r = packageVsix({ target: at >= 0 ? argv[at + 1] : undefined });
    const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
    console.log(`${r.path}: ${mb(r.bytes)} (${r.files} files, ${mb(r.unpackedBytes)} unpacked), target ${r.target}`);
  } catch (e) {
    console.error(`error: ${e.message}`);
    if (e.hint) console.error(`hint: ${e.hint}`);
    process.exit(1);
  }
}
