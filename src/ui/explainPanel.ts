// The explain panel: one webview panel beside the editor that shows the current explanation (prompt tokens
// shaded by importance density, instruction outlined, response, attribution on hover) and takes the user's
// instruction edits and export requests. It renders ExplanationState; it computes nothing itself.
import * as vscode from 'vscode';
import type { ExplainPanelUpdate } from '../protocol';
import { explainHtml } from '../report/explainHtml';
import type { ExplanationState } from './explanationState';
import { fileStem, saveExport } from './exportFile';
import { explainView } from './viewModel/explainView';
import { parseExplainPanelMessage } from './webviewMessages';
import { setWebviewPage } from './webviewSetup';

export const EXPLAIN_PANEL_TYPE = 'instructionLens.explanation';

export class ExplainPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private last: ExplainPanelUpdate | undefined;
  private readonly subscription: { dispose(): void };

  constructor(private readonly extensionUri: vscode.Uri, private readonly state: ExplanationState) {
    this.subscription = state.onChange(() => this.showCurrent());
  }

  /** Shows the state's explanation (e.g. again after a cancelled run). */
  showCurrent(): void {
    const e = this.state.current;
    if (e) this.post({ type: 'explanation', view: explainView(e.json, e.modelName, this.state.edited) });
  }

  /** Opens (or reveals) the panel beside the editor, keeping the focus in the editor. */
  reveal(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(EXPLAIN_PANEL_TYPE, 'Instruction Lens', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    setWebviewPage(panel.webview, this.extensionUri, 'explain', 'Instruction Lens');
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

  private post(update: ExplainPanelUpdate): void {
    this.last = update;
    void this.panel?.webview.postMessage(update);
  }

  private receive(raw: unknown): void {
    const current = this.state.current;
    const message = parseExplainPanelMessage(raw, current?.json.prompt_tokens.length ?? 0);
    if (!message) return;
    switch (message.type) {
      case 'ready': // the page (re)loaded: it starts empty
        if (this.last) void this.panel?.webview.postMessage(this.last);
        return;
      case 'setInstruction':
        this.state.setInstruction(message.tokens, message.instruction);
        return;
      case 'resetInstruction':
        this.state.resetInstruction();
        return;
      case 'export':
        if (current) void saveExport(message.format, fileStem(current.json.prompt), () => (message.format === 'json' ? JSON.stringify(current.json, null, 1) : explainHtml(current.json)));
        return;
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }
}
