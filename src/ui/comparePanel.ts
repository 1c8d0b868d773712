// The compare panel: two explanations of one prompt side by side (a base model and its tuned sibling), their
// instruction importance and its difference, and the global comparisons as charts. Export writes the pair
// as JSON or as the self-contained HTML comparison report.
import * as vscode from 'vscode';
import type { GlobalComparisonJson } from '../methods/compare/json';
import type { ComparePanelUpdate } from '../protocol';
import { compareHtml } from '../methods/attribution/html';
import { fileStem, saveExport } from './exportFile';
import { LensPanel } from './lensPanel';
import { ADD_MODEL_COMMAND } from './modelPicker';
import { chartTables, compareExport, compareView, type CompareSide } from './viewModel/compareView';
import { parseComparePanelMessage } from './webviewMessages';

export const COMPARE_PANEL_TYPE = 'instructionLens.compare';

export class ComparePanel extends LensPanel<ComparePanelUpdate> {
  private shown: { base: CompareSide; tuned: CompareSide; global: GlobalComparisonJson | null } | undefined;

  constructor(extensionUri: vscode.Uri) {
    super(extensionUri, { viewType: COMPARE_PANEL_TYPE, title: 'Instruction Lens: Compare', bundle: 'compare' });
  }

  /** `global`: the global comparison, null while `pending` (still computed) or when it was not computed. */
  show(base: CompareSide, tuned: CompareSide, global: GlobalComparisonJson | null, pending: boolean): void {
    this.shown = { base, tuned, global };
    this.post({ type: 'compare', view: compareView(base, tuned, global, pending) });
  }

  protected receive(raw: unknown): void {
    const message = parseComparePanelMessage(raw);
    if (!message) return;
    if (message.type === 'ready') return this.replay();
    if (message.type === 'addModel') return void vscode.commands.executeCommand(ADD_MODEL_COMMAND);
    const shown = this.shown;
    if (!shown) return;
    const { base, tuned, global } = shown;
    void saveExport(message.format, `${fileStem(tuned.explanation.prompt)}-compare`, () =>
      message.format === 'json'
        ? JSON.stringify(compareExport(base, tuned, global), null, 1)
        : compareHtml(base.explanation, tuned.explanation, {
            labels: [base.name, tuned.name],
            global: chartTables(compareView(base, tuned, global, false).charts),
          }),
    );
  }
}
