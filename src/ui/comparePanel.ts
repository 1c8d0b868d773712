// The compare panel: two explanations of one prompt side by side (a base model and its tuned sibling), their
// instruction importance and its difference, and the global comparisons as charts. Export writes the pair
// as JSON or as the self-contained HTML comparison report.
import * as vscode from 'vscode';
import type { ComparePanelUpdate, GlobalJson } from '../protocol';
import { compareHtml } from '../report/explainHtml';
import { fileStem, saveExport } from './exportFile';
import { chartTables, compareExport, compareView, type CompareSide } from './viewModel/compareView';
import { parseComparePanelMessage } from './webviewMessages';
import { setWebviewPage } from './webviewSetup';

export const COMPARE_PANEL_TYPE = 'instructionLens.compare';

export class ComparePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private last: ComparePanelUpdate | undefined;
  private shown: { base: CompareSide; tuned: CompareSide; global: GlobalJson | null } | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  reveal(): void {
    if (this.panel) return this.panel.reveal(undefined, true);
    const panel = vscode.window.createWebviewPanel(COMPARE_PANEL_TYPE, 'Instruction Lens: Compare', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    setWebviewPage(panel.webview, this.extensionUri, 'compare', 'Instruction Lens: Compare');
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

  /** `global`: the global comparison, null while `pending` (still computed) or when it was not computed. */
  show(base: CompareSide, tuned: CompareSide, global: GlobalJson | null, pending: boolean): void {
    this.shown = { base, tuned, global };
    this.post({ type: 'compare', view: compareView(base, tuned, global, pending) });
  }

  private post(update: ComparePanelUpdate): void {
    this.last = update;
    void this.panel?.webview.postMessage(update);
  }

  private receive(raw: unknown): void {
    const message = parseComparePanelMessage(raw);
    if (!message) return;
    if (message.type === 'ready') {
      if (this.last) void this.panel?.webview.postMessage(this.last);
      return;
    }
    const shown = this.shown;
    if (!shown) return;
    const { base, tuned, global } = shown;
    void saveExport(message.format, `${fileStem(tuned.explanation.prompt)}-compare`, () =>
      message.format === 'json'
        ? JSON.stringify(compareExport(base, tuned, global), null, 1)
        : compareHtml(base.explanation, tuned.explanation, { labels: [base.name, tuned.name], global: chartTables(compareView(base, tuned, global, false).charts) }),
    );
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
