// The extension in a real VS Code: code-server serves the workbench, Playwright drives Debian's Chromium.
// The built VSIX is installed into a throw-away profile, the workspace is trusted, a prompt file is opened
// and selected, the Explain command runs from the palette, and what the extension shows is checked against
// the CLI's JSON for the same model, prompt and settings. Screenshots in light and dark themes go to
// test-artifacts/e2e/.
//
// Run through `npm run test:e2e` (scripts/e2e.mjs), which installs code-server and Chromium (cached),
// packs the VSIX and passes their paths in E2E_CODE_SERVER, E2E_CHROMIUM and E2E_VSIX.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { installVsix, makeProfile, startCodeServer, writeUserSettings, type CodeServer, type Profile } from './codeServer';
import { errorNotifications, notifications, openFile, openWorkbench, outputPanelText, runCommand, selectAllInEditor, setColorTheme, waitFor } from './workbench';

const ROOT = resolve(import.meta.dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e');
const EXPLAIN_TITLE = 'Instruction Lens: Explain Instruction Following';
const PROMPT = 'Spell the word apple.';
const MAX_NEW_TOKENS = 24;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end suite with \`npm run test:e2e\` (scripts/e2e.mjs sets it up)`);
  return value;
}

interface CliExplanation {
  prompt_tokens: { id: number; text: string; special: boolean }[];
  response_tokens: { id: number; text: string }[];
  density: (number | null)[];
  instruction_importance: number;
}

/** The CLI's JSON for the same model, prompt and settings as the extension runs with. */
function cliExplain(modelDir: string, promptFile: string, chat: boolean, work: string): CliExplanation {
  const out = join(work, 'cli-explain.json');
  const args = [join(ROOT, 'dist', 'cli.js'), 'explain', '--model', modelDir, '--prompt-file', promptFile, '--max-new-tokens', String(MAX_NEW_TOKENS), '--json', out];
  if (chat) args.push('--chat');
  execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  return JSON.parse(readFileSync(out, 'utf8')) as CliExplanation;
}

/** The prompt line of the plain-text report (src/engine/textReport.ts without colour) for the CLI's result. */
function plainPromptLine(cli: CliExplanation): string {
  return cli.prompt_tokens
    .map((t, n) => {
      const d = cli.density[n];
      return d === null || d === undefined ? '' : `${t.text.replace(/\n/g, '↵\n').replace(/\t/g, '→')}[${d.toFixed(2)}]`;
    })
    .join('');
}

describe('Instruction Lens in VS Code (code-server + Chromium)', () => {
  const codeServerEntry = required('E2E_CODE_SERVER');
  const chromiumPath = required('E2E_CHROMIUM');
  const vsix = required('E2E_VSIX');
  let work: string;
  let profile: Profile;
  let extensionDir: string;
  let workspace: string;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;

  /** Runs a step; on failure adds a screenshot, the visible notifications and code-server's log to the error. */
  async function step<T>(name: string, body: (page: Page) => Promise<T>): Promise<T> {
    try {
      return await body(page!);
    } catch (e) {
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, `failed-${name}.png`);
      await page?.screenshot({ path: shot }).catch(() => undefined);
      const toasts = page ? await notifications(page).catch(() => []) : [];
      const log = server && existsSync(server.logFile) ? readFileSync(server.logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
      throw new Error(`${name}: ${(e as Error).message}\nnotifications: ${JSON.stringify(toasts)}\nscreenshot: ${shot}\ncode-server log (tail):\n${log}`, { cause: e });
    }
  }

  /** waitFor that fails at once when the extension reports an error or a warning in a notification. */
  function waitForExtension<T>(page: Page, what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    return waitFor(what, async () => {
      const errors = (await errorNotifications(page)).filter((m) => m.startsWith('Instruction Lens'));
      if (errors.length > 0) throw new Error(`the extension reported: ${errors.join(' | ')}`);
      return check();
    }, timeoutMs);
  }

  /** Screenshots in the light theme (the profile's) and the dark one, then back to light (webviews follow the theme). */
  async function screenshotBothThemes(name: string): Promise<void> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const shoot = async (p: Page, file: string) => {
      await p.mouse.move(1, 450); // off any control: no hover tooltip in the picture
      await p.screenshot({ path: join(ARTIFACTS, file), caret: 'hide' });
    };
    await step(`${name}-light`, (p) => shoot(p, `${name}-light.png`));
    await step(`${name}-dark`, async (p) => {
      await setColorTheme(p, 'Dark Modern');
      await shoot(p, `${name}-dark.png`);
    });
    await step(`${name}-back-to-light`, (p) => setColorTheme(p, 'Light Modern'));
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lens-e2e-'));
    profile = makeProfile(join(work, 'profile'));
    extensionDir = installVsix(codeServerEntry, profile, vsix);
    workspace = join(work, 'workspace');
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'prompt.txt'), PROMPT);
    writeUserSettings(profile, {
      'workbench.colorTheme': 'Default Light Modern',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'security.workspace.trust.enabled': false, // the workspace is trusted: no dialog, no restricted mode
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      'chat.commandCenter.enabled': false,
      // the embedded tuned model as the VSIX installed it, through its chat template
      'instructionLens.modelPath': join(extensionDir, 'models', 'wordnet-tuned'),
      'instructionLens.chatTemplate': true,
      'instructionLens.maxNewTokens': MAX_NEW_TOKENS,
    });
    server = await startCodeServer(codeServerEntry, profile, workspace);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await step('open-workbench', (p) => openWorkbench(p, server!.url, workspace));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (work && !process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
  });

  test("the VSIX installs with the embedded model pair and this platform's native binaries, without sources", () => {
    for (const f of [
      'dist/extension.js',
      'dist/worker.js',
      'models/wordnet-base/model.safetensors',
      'models/wordnet-tuned/model.safetensors',
      'models/wordnet-tuned/tokenizer.json',
      `node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`,
      'node_modules/onnxruntime-common/dist/cjs/package.json',
      'node_modules/tokenizers/index.js',
    ]) {
      assert.ok(existsSync(join(extensionDir, f)), `${f} is in the installed extension`);
    }
    for (const d of ['src', 'test', 'train', 'bench', 'scripts']) assert.ok(!existsSync(join(extensionDir, d)), `no ${d}/ in the VSIX`);
  });

  test('Explain on the selected prompt shows what the CLI computes for it (light and dark)', async () => {
    const cli = cliExplain(join(extensionDir, 'models', 'wordnet-tuned'), join(workspace, 'prompt.txt'), true, work);
    assert.ok(cli.response_tokens.length > 0, 'the CLI generated a response');

    await step('explain-command', async (p) => {
      await openFile(p, 'prompt.txt');
      await selectAllInEditor(p);
      await runCommand(p, EXPLAIN_TITLE);
    });
    const text = await step('explain-output', async (p) => {
      await waitForExtension(p, 'the explanation in the Output panel', async () => ((await outputPanelText(p)).includes('instruction importance:') ? true : undefined));
      await runCommand(p, 'View: Toggle Maximized Panel'); // the whole report on screen, so in the DOM
      return waitFor('the whole report', async () => {
        const t = await outputPanelText(p);
        return t.includes('prompt (shaded') && /^time /m.test(t) ? t : undefined;
      }, 10_000);
    });
    const lines = text.split('\n');

    // the same explanation as the CLI's: model, each prompt token's density, response length, instruction importance
    assert.ok(text.replace(/\n/g, '').includes(join('models', 'wordnet-tuned')), 'the embedded tuned model');
    assert.equal(lines[lines.indexOf('prompt (shaded by importance density)') + 1], plainPromptLine(cli), 'prompt tokens and their importance densities');
    assert.equal(Number(/response \((\d+) tokens\)/.exec(text)?.[1]), cli.response_tokens.length, 'response length');
    const importance = Number(/instruction importance: ([\d.]+)/.exec(text)?.[1]);
    assert.ok(Math.abs(importance - cli.instruction_importance) <= 1e-3, `instruction importance: extension ${importance}, CLI ${cli.instruction_importance}`);

    await screenshotBothThemes('explain-output');
  });
});
