// What our webview panels share: the panel opened beside the editor on demand (keeping the focus in the
// editor), and the last update posted, kept and posted again when the page says 'ready' (a page starts empty
// whenever it (re)loads). A panel adds what it shows and what it does with its page's other messages.
import * as vscode from 'vscode';
import { setWebviewPage, type WebviewBundle } from './webviewSetup';

/** The updates every panel's page takes besides its own. */
export type PanelStatus =
  | { readonly type: 'busy'; readonly message: string }
  | { readonly type: 'failed'; readonly message: string; readonly hint: string };

export interface PanelPage {
  readonly viewType: string;
  readonly title: string;
  readonly bundle: WebviewBundle;
}

export abstract class LensPanel<Update> implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private last: Update | PanelStatus | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly page: PanelPage,
  ) {}

  /** A message from the page, not yet checked (the page is not trusted). */
  protected abstract receive(raw: unknown): void;

  /** Opens (or reveals) the panel beside the editor, keeping the focus in the editor. */
  reveal(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true); // in its own column, wherever the user moved it
      return;
    }
    const panel = vscode.window.createWebviewPanel(this.page.viewType, this.page.title, {
      viewColumn: vscode.ViewColumn.Beside,
      preserveFocus: true,
    });
    setWebviewPage(panel.webview, this.extensionUri, this.page.bundle, this.page.title);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'lens.svg');
    panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw));
    panel.onDidDispose(() => (this.panel = undefined));
    this.panel = panel;
  }

  busy(message: string): void {
    this.reveal();
    this.post({ type: 'busy', message });
  }

  failed(message: string, hint: string): void {
    this.post({ type: 'failed', message, hint });
  }

  protected post(update: Update | PanelStatus): void {
    this.last = update;
    void this.panel?.webview.postMessage(update);
  }

  /** For the page's 'ready': it (re)loaded and is empty. */
  protected replay(): void {
    if (this.last) void this.panel?.webview.postMessage(this.last);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
