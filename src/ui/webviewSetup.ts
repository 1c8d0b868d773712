// Shared setup of our webviews (panels and the side view): scripts on, files only from the extension's
// dist/webview and media folders, the page from webviewHtml.ts with the view's bundle.
import * as vscode from 'vscode';
import { webviewHtml } from './webviewHtml';

export type WebviewBundle = 'explain' | 'heads' | 'compare';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(extensionUri, 'media'),
    ],
  };
}

export function setWebviewPage(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  bundle: WebviewBundle,
  title: string,
): void {
  webview.options = webviewOptions(extensionUri);
  webview.html = webviewHtml({
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${bundle}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'lens.css')).toString(),
    title,
  });
}
