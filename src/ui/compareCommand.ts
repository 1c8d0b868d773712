// placeholder, replaced below
import * as vscode from 'vscode';
import type { ExplainDeps } from './explainCommand';
export function registerCompareCommand(_deps: ExplainDeps, _extensionUri: vscode.Uri): vscode.Disposable {
  return vscode.commands.registerCommand('instructionLens.compare', async () => {});
}
