// The integration suite in a real VS Code, run by @vscode/test-electron: it starts the VS Code found on this
// machine with this folder as an extension under development and runs test/integration/suite.ts inside
// its extension host. Where no VS Code is installed (VS Code cannot be downloaded here) the suite is
// reported as skipped, never as passing. Point VSCODE_EXECUTABLE at VS Code's executable to choose one.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');

/** VS Code's executable (Electron, not the `code` shell script): VSCODE_EXECUTABLE, else the usual install places. */
export function findVsCode(): string | undefined {
  const candidates = [
    process.env.VSCODE_EXECUTABLE,
    '/usr/share/code/code',
    '/usr/lib/code/code',
    '/opt/visual-studio-code/code',
    '/snap/code/current/usr/share/code/code',
    '/Applications/Visual Studio Code.app/Contents/MacOS/Electron',
    join(homedir(), 'Applications', 'Visual Studio Code.app', 'Contents', 'MacOS', 'Electron'),
    process.env.LOCALAPPDATA && join(process.env.LOCALAPPDATA, 'Programs', 'Microsoft VS Code', 'Code.exe'),
    process.env.ProgramFiles && join(process.env.ProgramFiles, 'Microsoft VS Code', 'Code.exe'),
  ];
  return candidates.find((p): p is string => typeof p === 'string' && p !== '' && existsSync(p));
}

const vscodeExecutablePath = findVsCode();

test(
  'Instruction Lens in VS Code (@vscode/test-electron)',
  {
    skip: vscodeExecutablePath
      ? false
      : 'VS Code is not installed on this machine (set VSCODE_EXECUTABLE to its executable to run the ' +
        'integration suite)',
    timeout: 600_000,
  },
  async () => {
    const { runTests } = await import('@vscode/test-electron');
    const esbuild = await import('esbuild');
    // the suite runs inside VS Code's extension host: bundle it like the extension (CommonJS, vscode external)
    const suite = join(ROOT, 'out', 'integration', 'suite.js'); // out/ is git-ignored and not packaged
    await esbuild.build({
      entryPoints: [join(ROOT, 'test', 'integration', 'suite.ts')],
      outfile: suite,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      logLevel: 'warning',
    });
    const workspace = mkdtempSync(join(tmpdir(), 'lens-integration-'));
    writeFileSync(join(workspace, 'prompt.txt'), 'Spell the word apple.');
    try {
      const code = await runTests({
        vscodeExecutablePath: vscodeExecutablePath!,
        extensionDevelopmentPath: ROOT,
        extensionTestsPath: suite,
        launchArgs: [
          workspace,
          '--disable-extensions',
          '--disable-workspace-trust',
          '--skip-welcome',
          '--skip-release-notes',
        ],
        extensionTestsEnv: { LENS_INTEGRATION_WORKSPACE: workspace, LENS_CLI: join(ROOT, 'dist', 'cli.js') },
      });
      assert.equal(code, 0);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  },
);
