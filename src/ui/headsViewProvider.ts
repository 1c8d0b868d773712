// The side panel (its own activity-bar container): the active model's layers x heads grid, shaded by the
// share of each head's word pairs that involve an instruction verb (global, from the heads method) or by the
// attention the current explanation's response pays to its instruction tokens (local, one forward pass).
// Selecting a head shows its word pairs and its attention map; a layer's feed-forward concepts are one
// click away. All model work runs in the engine worker; the numbers are shaped by viewModel/headsView.ts.
import * as vscode from 'vscode';
import type { EngineClient } from '../engine/client';
import type { ConceptsJson } from '../methods/concepts/json';
import type { HeadsJson } from '../methods/heads/json';
import type { AttentionPayload, EngineJob, EngineResults, HeadsViewUpdate } from '../protocol';
import type { Explanation, ExplanationState } from './explanationState';
import { progressMessage, reportFailure } from './progress';
import { ADD_MODEL_COMMAND } from './modelPicker';
import { readSettings } from './settings';
import { demonstratorNotice } from './viewModel/demonstrator';
import {
  attentionMap,
  conceptsView,
  headDetail,
  headsGrid,
  headsShape,
  instructionAttention,
  instructionVerbSet,
} from './viewModel/headsView';
import { visibleText } from './viewModel/explainView';
import { cleanConceptName, conceptNamePrompt } from './viewModel/conceptNames';
import { parseHeadsViewMessage } from './webviewMessages';
import { setWebviewPage } from './webviewSetup';
import type { Result } from '../lensError';

export const HEADS_VIEW_ID = 'instructionLens.heads';

interface LocalAttention {
  readonly original: Explanation['original'];
  readonly ids: readonly number[];
  readonly tokens: readonly string[];
  readonly payload: AttentionPayload;
}

export class HeadsViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly heads = new Map<string, HeadsJson>(); // by model path
  private readonly concepts = new Map<string, ConceptsJson>();
  /** Language-model names of concepts, by model path and layer. */
  private readonly conceptNames = new Map<string, { names: (string | null)[]; namedBy: string }>();
  private local: LocalAttention | undefined;
  private grid: { layers: number; heads: number } | null = null;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
    private readonly state: ExplanationState,
  ) {
    this.subscription = state.onChange(() => void this.explanationChanged());
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    setWebviewPage(view.webview, this.extensionUri, 'heads', 'Attention heads');
    view.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw));
    view.onDidDispose(() => (this.view = undefined));
    void this.explanationChanged(); // an explanation may have come before the view was opened
  }

  settingsChanged(): void {
    void this.explanationChanged();
  }

  private get model() {
    return readSettings(this.extensionUri.fsPath).active;
  }

  private post(update: HeadsViewUpdate): void {
    void this.view?.webview.postMessage(update);
  }

  /** Runs a job with a progress bar on the view (Cancel stays with the notifications of the commands). */
  private job<K extends EngineJob['kind']>(
    job: Extract<EngineJob, { kind: K }>,
    busy: string,
  ): Promise<Result<EngineResults[K]>> {
    this.post({ type: 'busy', message: busy });
    const threads = readSettings(this.extensionUri.fsPath).threads;
    return Promise.resolve(
      vscode.window.withProgress({ location: { viewId: HEADS_VIEW_ID }, title: busy }, (progress) =>
        this.engine.run(job, { threads, onProgress: (p) => progress.report({ message: progressMessage(p) }) }),
      ),
    );
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseHeadsViewMessage(raw, this.grid);
    if (!message) return;
    switch (message.type) {
      case 'ready':
        return this.refresh();
      case 'load': {
        const model = this.model;
        const result = await this.job({ kind: 'heads', modelDir: model.path }, `Head patterns of ${model.name}…`);
        if (reportFailure(result))
          return this.post({ type: 'failed', message: result.error.message, hint: result.error.hint });
        this.heads.set(model.path, result.value);
        return this.refresh();
      }
      case 'selectHead':
        return this.selectHead(message.layer, message.head);
      case 'showConcepts':
        return this.showConcepts(message.layer);
      case 'nameConcepts':
        return this.nameConcepts(message.layer);
      case 'addModel':
        return void vscode.commands.executeCommand(ADD_MODEL_COMMAND);
    }
  }

  /** The explanation changed: new attention for a new explanation of the active model; new shares for an edit. */
  private async explanationChanged(): Promise<void> {
    const e = this.state.current;
    const model = this.model;
    if (!e || e.original.model.path !== model.path) {
      this.local = undefined;
      return this.refresh();
    }
    if (this.local?.original !== e.original && this.view) {
      const ids = [...e.original.prompt_tokens.map((t) => t.id), ...e.original.response_tokens.map((t) => t.id)];
      const result = await this.job(
        { kind: 'attention', request: { modelDir: model.path, ids, promptLength: e.original.prompt_tokens.length } },
        'Attention over the prompt…',
      );
      if (!result.ok) {
        this.local = undefined;
        if (result.error.code !== 'cancelled')
          this.post({ type: 'failed', message: result.error.message, hint: result.error.hint });
        return;
      }
      // a continuation token's row is marked, the character itself labels the token before it
      const tokens = [...e.original.prompt_tokens, ...e.original.response_tokens].map((t) =>
        t.continuation ? '↳' : visibleText(t.text),
      );
      this.local = { original: e.original, ids, tokens, payload: result.value };
    }
    this.refresh();
  }

  private refresh(): void {
    const model = this.model;
    const headsJson = this.heads.get(model.path) ?? null;
    const e = this.state.current;
    const local = this.local && e && e.original === this.local.original ? this.local : undefined;
    this.grid = headsShape(headsJson) ?? (local ? { layers: local.payload.layers, heads: local.payload.heads } : null);
    const notice = demonstratorNotice(model, headsJson?.model.parameters);
    if (!this.grid) return this.post({ type: 'empty', modelName: model.name, demonstrator: notice });
    const shares = local && e ? instructionAttention(local.payload, e.json.instruction_mask) : null;
    const excerpt = local && e ? e.json.prompt.replace(/\s+/g, ' ').slice(0, 80) : null;
    this.post({ type: 'grid', view: headsGrid(model.name, this.grid, headsJson, shares, excerpt, notice) });
  }

  private async selectHead(layer: number, head: number): Promise<void> {
    const headsJson = this.heads.get(this.model.path) ?? null;
    let attention = null;
    if (this.local) {
      const { original, ids, tokens } = this.local;
      const result = await this.job(
        {
          kind: 'attention',
          request: { modelDir: this.model.path, ids, promptLength: original.prompt_tokens.length },
          head: { layer, head },
        },
        `Attention of layer ${layer}, head ${head}…`,
      );
      if (result.ok && result.value.map)
        attention = attentionMap(tokens, original.prompt_tokens.length, result.value.map);
    }
    this.post({ type: 'head', view: headDetail(headsJson, instructionVerbSet(headsJson), layer, head, attention) });
  }

  private async conceptsJson(): Promise<ConceptsJson | undefined> {
    const model = this.model;
    const cached = this.concepts.get(model.path);
    if (cached) return cached;
    const result = await this.job(
      { kind: 'concepts', modelDir: model.path },
      `Feed-forward concepts of ${model.name}…`,
    );
    if (reportFailure(result)) {
      this.post({ type: 'failed', message: result.error.message, hint: result.error.hint });
      return undefined;
    }
    this.concepts.set(model.path, result.value);
    return result.value;
  }

  private async showConcepts(layer: number): Promise<void> {
    const json = await this.conceptsJson();
    const named = this.conceptNames.get(`${this.model.path}\u0000${layer}`);
    if (json) this.post({ type: 'concepts', view: conceptsView(json, layer, named?.names, named?.namedBy ?? null) });
  }

  /** Names the layer's concepts with a language model the user has in VS Code (sends their top words to it). */
  private async nameConcepts(layer: number): Promise<void> {
    const json = await this.conceptsJson();
    if (!json) return;
    const [chat] = await vscode.lm.selectChatModels();
    if (!chat) {
      return this.post({
        type: 'failed',
        message: 'no language model is available in VS Code',
        hint:
          'Install and sign in to an extension that provides one (for example GitHub Copilot Chat), then ' +
          'try again. The offline labels need none.',
      });
    }
    const components = conceptsView(json, layer).components;
    this.post({ type: 'busy', message: `Naming ${components.length} concepts with ${chat.name}…` });
    const names: (string | null)[] = [];
    try {
      for (const c of components) {
        const response = await chat.sendRequest([vscode.LanguageModelChatMessage.User(conceptNamePrompt(c.words))], {
          justification: 'Instruction Lens names feed-forward concepts from their top words.',
        });
        let answer = '';
        for await (const part of response.text) answer += part;
        names.push(cleanConceptName(answer));
      }
    } catch (e) {
      return this.post({
        type: 'failed',
        message: `${chat.name} did not answer: ${(e as Error).message}`,
        hint: 'The offline labels are still shown; try again later.',
      });
    }
    this.conceptNames.set(`${this.model.path}\u0000${layer}`, { names, namedBy: chat.name });
    this.post({ type: 'concepts', view: conceptsView(json, layer, names, chat.name) });
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
