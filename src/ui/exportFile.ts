// Export: asks where to save (JSON or the self-contained HTML report) and writes the file through
// vscode.workspace.fs, so it works in remote workspaces too.
import * as vscode from 'vscode';

const FILTERS: Record<'json' | 'html', Record<string, string[]>> = {
  json: { JSON: ['json'] },
  html: { HTML: ['html'] },
};

/** A file name from the prompt's first words, e.g. "spell-the-word-apple". */
export function fileStem(prompt: string): string {
  const words = prompt.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.slice(0, 6).join('-') || 'explanation';
}

export async function saveExport(format: 'json' | 'html', stem: string, contents: () => string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = `${stem}.${format}`;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: FILTERS[format],
    saveLabel: format === 'json' ? 'Export JSON' : 'Export HTML report',
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(contents()));
  const open = await vscode.window.showInformationMessage(
    `Instruction Lens: wrote ${vscode.workspace.asRelativePath(target)}`,
    'Open',
  );
  if (open) await vscode.commands.executeCommand('vscode.open', target);
}
