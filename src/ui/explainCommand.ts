// "Explain Instruction Following" on the editor's selection: the active model explains it in the engine
// worker behind a cancellable progress notification, and the explain panel shows the result. Results are
// cached per (model, prompt, settings): the same selection again shows at once.
import * as vscode from 'vscode';
import type { EngineClient } from '../engine/client';
import type { ExplainPayload } from '../protocol';
import type { ExplainPanel } from './explainPanel';
import type { ExplanationState } from './explanationState';
import { withEngineProgress, reportFailure } from './progress';
import { ResultCache } from './resultCache';
import { readSettings, type LensSettings } from './settings';
import type { ModelEntry } from './models';
import type { Result } from '../lensError';

export interface ExplainDeps {
  readonly engine: EngineClient;
  readonly state: ExplanationState;
  readonly panel: ExplainPanel;
  readonly cache: ResultCache<ExplainPayload>;
  readonly extensionPath: string;
}

export function selectedPrompt(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  const prompt = editor ? editor.document.getText(editor.selection) : '';
  if (prompt.trim() !== '') return prompt;
  void vscode.window.showErrorMessage('Instruction Lens: select the prompt to explain first.');
  return undefined;
}

/** One model's explanation of a prompt, from the cache or the engine (with progress and Cancel). */
export async function explainPrompt(
  deps: ExplainDeps,
  model: ModelEntry,
  prompt: string,
  settings: LensSettings,
): Promise<Result<ExplainPayload>> {
  const key = ResultCache.key([model.path, prompt, settings.maxNewTokens, String(settings.chat)]);
  const cached = deps.cache.get(key);
  if (cached) return { ok: true, value: cached };
  const result = await withEngineProgress(`Instruction Lens: ${model.name}`, (signal, onProgress) =>
    deps.engine.explain(
      { modelDir: model.path, prompt, maxNewTokens: settings.maxNewTokens, chat: settings.chat },
      { signal, onProgress, threads: settings.threads },
    ),
  );
  if (reportFailure(result)) return result;
  deps.cache.set(key, result.value);
  return result;
}

export function registerExplainCommand(deps: ExplainDeps): vscode.Disposable {
  return vscode.commands.registerCommand('instructionLens.explain', async () => {
    const prompt = selectedPrompt();
    if (prompt === undefined) return;
    const settings = readSettings(deps.extensionPath);
    const model = settings.active;
    deps.panel.busy(`Explaining with ${model.name}…`);
    const result = await explainPrompt(deps, model, prompt, settings);
    if (result.ok) deps.state.show(model.name, result.value.json, model.embedded);
    else if (result.error.code === 'cancelled' && deps.state.current) deps.panel.showCurrent();
    else deps.panel.failed(result.error.message, result.error.hint);
  });
}
