// The status bar item: the active model's name; clicking it runs "Select Model…".
import * as vscode from 'vscode';
import { readSettings, SECTION } from './settings';

export function createModelStatus(extensionPath: string): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('instructionLens.model', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Instruction Lens model';
  item.command = 'instructionLens.selectModel';
  const update = () => {
    const { active } = readSettings(extensionPath);
    item.text = `$(telescope) ${active.name}`;
    item.tooltip = `Instruction Lens explains with ${active.name}\n${active.path}\nClick to choose another model.`;
  };
  update();
  item.show();
  const listener = vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(SECTION) && update());
  const trust = vscode.workspace.onDidGrantWorkspaceTrust(update);
  return vscode.Disposable.from(item, listener, trust);
}
