// "Explain Instruction Following" on the editor's selection: runs in the engine worker behind a
// cancellable progress notification and writes the explanation to an output channel. (The webview panel
// replaces the output channel with the extension issue.)
import * as vscode from 'vscode';
import type { EngineClient } from '../engine/client';

export function registerExplainCommand(engine: EngineClient): vscode.Disposable {
  const output = vscode.window.createOutputChannel('Instruction Lens');
  const command = vscode.commands.registerCommand('instructionLens.explain', async () => {
    const editor = vscode.window.activeTextEditor;
    const prompt = editor ? editor.document.getText(editor.selection) : '';
    if (prompt.trim() === '') {
      void vscode.window.showErrorMessage('Instruction Lens: select the prompt to explain first.');
      return;
    }
    const settings = vscode.workspace.getConfiguration('instructionLens');
    const modelDir = settings.get<string>('modelPath', '');
    if (!modelDir) {
      void vscode.window.showErrorMessage('Instruction Lens: set "instructionLens.modelPath" to a Hugging Face checkpoint folder.');
      return;
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Instruction Lens', cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return engine.explain(
          { modelDir, prompt, maxNewTokens: settings.get<number>('maxNewTokens', 24), chat: settings.get<boolean>('chatTemplate', false) },
          {
            signal: abort.signal,
            onProgress: (p) => progress.report({ message: p.stage === 'load' ? 'loading the model…' : `${p.stage} ${p.done}/${p.total}` }),
          },
        );
      },
    );
    if (!result.ok) {
      if (result.error.code !== 'cancelled') void vscode.window.showErrorMessage(`Instruction Lens: ${result.error.message}. ${result.error.hint}`);
      return;
    }
    output.clear();
    output.appendLine(result.value.text);
    output.show(true);
  });
  return vscode.Disposable.from(command, output);
}
