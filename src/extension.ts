// activate(): builds the engine client and registers the commands. Thin by design: the work happens in
// src/ui (VS Code glue) and the engine worker.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { EngineClient } from './engine/client';
import { registerExplainCommand } from './ui/explainCommand';

export function activate(context: vscode.ExtensionContext): void {
  const engine = new EngineClient(join(context.extensionPath, 'dist', 'worker.js'), (why) =>
    void vscode.window.showWarningMessage(`Instruction Lens: the engine stopped (${why}); it restarts with the next command.`),
  );
  context.subscriptions.push({ dispose: () => void engine.dispose() });
  context.subscriptions.push(registerExplainCommand(engine));
}

export function deactivate(): void {}
