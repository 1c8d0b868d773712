// The compare panel: two explanations of one prompt side by side (a base model and its tuned sibling), their
// instruction importance and its difference, and the global comparisons as charts. Export writes the pair
// as JSON or as the self-contained HTML comparison report.
import * as vscode from 'vscode';
import type { ComparePanelUpdate } from '../protocol';
import { compareHtml } from '../report/explainHtml';
import { fileStem, saveExport } from './exportFile';
import { chartTables, compareView, type CompareSide } from './viewModel/compareView';
import { parseComparePanelMessage } from './webviewMessages';
import { setWebviewPage } from './webviewSetup';

export const COMPARE_PANEL_TYPE = 'instructionLens.compare';

export class ComparePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private last: ComparePanelUpdate | undefined;
  private sides: { base: CompareSide; tuned: CompareSide } | undefined;

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

  /** `pending`: the global comparison is still being computed. */
  show(base: CompareSide, tuned: CompareSide, pending: boolean): void {
    this.sides = { base, tuned };
    this.post({ type: 'compare', view: compareView(base, tuned, pending) });
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
    const sides = this.sides;
    if (!sides) return;
    const { base, tuned } = sides;
    const charts = compareView(base, tuned, false).charts;
    void saveExport(message.format, `${fileStem(tuned.explanation.prompt)}-compare`, () =>
      message.format === 'json'
        ? JSON.stringify({ base: { name: base.name, explanation: base.explanation }, tuned: { name: tuned.name, explanation: tuned.explanation }, instruction_importance_difference: tuned.explanation.instruction_importance - base.explanation.instruction_importance, global: chartTables(charts) }, null, 1)
        : compareHtml(base.explanation, tuned.explanation, { labels: [base.name, tuned.name], global: chartTables(charts) }),
    );
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
