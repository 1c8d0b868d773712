// The explain panel: one webview panel beside the editor that shows the current explanation (prompt tokens
// shaded by importance density, instruction outlined, response, attribution on hover) and takes the user's
// instruction edits and export requests. It renders ExplanationState; it computes nothing itself.
import * as vscode from 'vscode';
import type { ExplainPanelUpdate } from '../protocol';
import { explainHtml } from '../methods/attribution/html';
import type { ExplanationState } from './explanationState';
import { fileStem, saveExport } from './exportFile';
import { LensPanel } from './lensPanel';
import { ADD_MODEL_COMMAND } from './modelPicker';
import { demonstratorNotice } from './viewModel/demonstrator';
import { explainView } from './viewModel/explainView';
import { parseExplainPanelMessage } from './webviewMessages';

export const EXPLAIN_PANEL_TYPE = 'instructionLens.explanation';

export class ExplainPanel extends LensPanel<ExplainPanelUpdate> {
  private readonly subscription: { dispose(): void };

  constructor(
    extensionUri: vscode.Uri,
    private readonly state: ExplanationState,
  ) {
    super(extensionUri, { viewType: EXPLAIN_PANEL_TYPE, title: 'Instruction Lens', bundle: 'explain' });
    this.subscription = state.onChange(() => this.showCurrent());
  }

  /** Shows the state's explanation (e.g. again after a cancelled run). */
  showCurrent(): void {
    const e = this.state.current;
    if (e)
      this.post({
        type: 'explanation',
        view: explainView(
          e.json,
          e.modelName,
          this.state.edited,
          demonstratorNotice({ name: e.modelName, embedded: e.embedded }, e.json.model.parameters),
        ),
      });
  }

  protected receive(raw: unknown): void {
    const current = this.state.current;
    const message = parseExplainPanelMessage(raw, current?.json.prompt_tokens.length ?? 0);
    if (!message) return;
    switch (message.type) {
      case 'ready':
        this.replay();
        return;
      case 'setInstruction':
        this.state.setInstruction(message.tokens, message.instruction);
        return;
      case 'resetInstruction':
        this.state.resetInstruction();
        return;
      case 'addModel':
        void vscode.commands.executeCommand(ADD_MODEL_COMMAND);
        return;
      case 'export':
        if (current)
          void saveExport(message.format, fileStem(current.json.prompt), () =>
            message.format === 'json' ? JSON.stringify(current.json, null, 1) : explainHtml(current.json),
          );
        return;
    }
  }

  override dispose(): void {
    this.subscription.dispose();
    super.dispose();
  }
}
