// Runs inside VS Code's extension host (started by test/integration/vscode.test.ts). Plain async checks with
// node's assert; run() rejects on the first failure, which makes VS Code exit non-zero.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InstructionLensApi } from '../../src/extension';

const EXTENSION_ID = 'instruction-lens.instruction-lens';

const checks: [string, () => Promise<void>][] = [];
const check = (name: string, fn: () => Promise<void>) => checks.push([name, fn]);

async function api(): Promise<InstructionLensApi> {
  const extension = vscode.extensions.getExtension<InstructionLensApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  return extension.isActive ? extension.exports : extension.activate();
}

async function waitFor<T>(what: string, get: () => T | undefined, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

check('the commands are registered', async () => {
  await api();
  const commands = await vscode.commands.getCommands(true);
  for (const c of [
    'instructionLens.explain',
    'instructionLens.compare',
    'instructionLens.selectModel',
    'instructionLens.addModelFolder',
  ])
    assert.ok(commands.includes(c), c);
});

check('the embedded tuned model is the default', async () => {
  const lens = await api();
  assert.equal(lens.activeModel().name, 'wordnet-tuned');
  assert.match(lens.activeModel().path, /models[\\/]wordnet-tuned$/);
});

check("Explain on a selection gives the CLI's explanation of the same prompt", async () => {
  const lens = await api();
  const file = vscode.Uri.file(join(process.env.LENS_INTEGRATION_WORKSPACE!, 'prompt.txt'));
  const editor = await vscode.window.showTextDocument(file);
  editor.selection = new vscode.Selection(0, 0, 0, editor.document.lineAt(0).text.length);
  await vscode.commands.executeCommand('instructionLens.explain');
  const json = await waitFor('an explanation', () => lens.currentExplanation());
  assert.equal(json.prompt, 'Spell the word apple.');
  assert.equal(json.settings.chat, true, 'chat template auto: on for the embedded pair');
  const out = join(mkdtempSync(join(tmpdir(), 'lens-cli-')), 'cli.json');
  execFileSync(
    process.execPath,
    [
      process.env.LENS_CLI!,
      'explain',
      '--model',
      lens.activeModel().path,
      '--prompt',
      json.prompt,
      '--chat',
      '--max-new-tokens',
      String(json.settings.max_new_tokens),
      '--json',
      out,
    ],
    { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
  );
  const cli = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(
    json.response_tokens.map((t) => t.id),
    cli.response_tokens.map((t: { id: number }) => t.id),
  );
  assert.ok(Math.abs(json.instruction_importance - cli.instruction_importance) < 1e-9);
});

check('Select Model… is stored in the user settings', async () => {
  const lens = await api();
  const config = vscode.workspace.getConfiguration('instructionLens');
  await config.update('activeModel', 'wordnet-base', vscode.ConfigurationTarget.Global);
  assert.equal(lens.activeModel().name, 'wordnet-base');
  await config.update('activeModel', undefined, vscode.ConfigurationTarget.Global);
  assert.equal(lens.activeModel().name, 'wordnet-tuned');
});

export async function run(): Promise<void> {
  for (const [name, fn] of checks) {
    try {
      await fn();
      console.log(`ok - ${name}`);
    } catch (e) {
      console.error(`not ok - ${name}\n${(e as Error).stack}`);
      throw e;
    }
  }
}
