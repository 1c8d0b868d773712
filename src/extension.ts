// activate(): builds the engine client and the shared state, registers the commands, the panels, the side
// view and the status bar. Thin by design: the work happens in src/ui (VS Code glue) and the engine worker.
// Models load on the first command.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { EngineClient } from './engine/client';
import type { ExplainJson } from './methods/attribution/json';
import type { ExplainPayload } from './protocol';
import { registerCompareCommand } from './ui/compareCommand';
import { ComparePanel } from './ui/comparePanel';
import { registerExplainCommand } from './ui/explainCommand';
import { ExplainPanel } from './ui/explainPanel';
import { ExplanationState } from './ui/explanationState';
import { HeadsViewProvider, HEADS_VIEW_ID } from './ui/headsViewProvider';
import { registerSelectModel } from './ui/modelPicker';
import { ResultCache } from './ui/resultCache';
import { readSettings, SECTION } from './ui/settings';
import { createModelStatus } from './ui/statusBar';

/** What activate() returns: read-only looks into the extension, for the integration tests and other extensions. */
export interface InstructionLensApi {
  /** The explanation the panel shows, with the user's instruction edits. */
  currentExplanation(): ExplainJson | undefined;
  /** The model the next explanation uses: name and checkpoint folder. */
  activeModel(): { name: string; path: string };
}

export function activate(context: vscode.ExtensionContext): InstructionLensApi {
  const { extensionPath, extensionUri } = context;
  const engine = new EngineClient(
    join(extensionPath, 'dist', 'worker.js'),
    (why) =>
      void vscode.window.showWarningMessage(
        `Instruction Lens: the engine stopped (${why}); it restarts with the next command.`,
      ),
  );
  context.subscriptions.push({ dispose: () => void engine.dispose() });

  const state = new ExplanationState();
  const cache = new ResultCache<ExplainPayload>(32);
  const panel = new ExplainPanel(extensionUri, state);
  const heads = new HeadsViewProvider(extensionUri, engine, state);
  const compare = new ComparePanel(extensionUri);
  const deps = { engine, state, panel, cache, extensionPath };
  context.subscriptions.push(
    panel,
    heads,
    registerExplainCommand(deps),
    compare,
    registerCompareCommand(deps, compare),
    registerSelectModel(extensionPath),
    createModelStatus(extensionPath),
    vscode.window.registerWebviewViewProvider(HEADS_VIEW_ID, heads),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // a loaded model keeps the threads it was loaded with: restart the engine so the next job uses the new count
      if (e.affectsConfiguration(`${SECTION}.threads`)) void engine.dispose();
      if (e.affectsConfiguration(SECTION)) heads.settingsChanged();
    }),
  );
  return {
    currentExplanation: () => state.current?.json,
    activeModel: () => {
      const { name, path } = readSettings(extensionPath).active;
      return { name, path };
    },
  };
}

export function deactivate(): void {}
