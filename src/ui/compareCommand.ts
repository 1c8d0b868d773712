// "Compare Models…": asks for a base and a tuned model (the embedded pair by default), explains the selected
// prompt with both, and opens the compare panel; the global comparisons (head word pairs and feed-forward
// concepts of both models) follow in the same panel when they are computed. All of it is cached.
import * as vscode from 'vscode';
import type { EngineJob, GlobalJson } from '../protocol';
import type { ComparePanel } from './comparePanel';
import { explainPrompt, selectedPrompt, type ExplainDeps } from './explainCommand';
import { EMBEDDED_BASE, EMBEDDED_TUNED, type ModelEntry } from './models';
import { pickModel } from './modelPicker';
import { reportFailure, withEngineProgress } from './progress';
import { readSettings } from './settings';

/** The pair to compare: the embedded pair (first, the default) or two picks. */
async function pickPair(extensionPath: string): Promise<{ base: ModelEntry; tuned: ModelEntry } | undefined> {
  const { models } = readSettings(extensionPath);
  const base = models.find((m) => m.name === EMBEDDED_BASE)!;
  const tuned = models.find((m) => m.name === EMBEDDED_TUNED)!;
  const choice = await vscode.window.showQuickPick(
    [
      { label: `$(star) ${base.name} → ${tuned.name}`, description: 'the embedded pair', pair: true },
      { label: '$(list-selection) Choose a base and a tuned model…', pair: false },
    ],
    { title: 'Instruction Lens: compare which models?' },
  );
  if (!choice) return undefined;
  if (choice.pair) return { base, tuned };
  const pickedBase = await pickModel(extensionPath, 'The base (pre-trained) model', base);
  if (!pickedBase) return undefined;
  const pickedTuned = await pickModel(extensionPath, 'The instruction-tuned model', tuned);
  return pickedTuned ? { base: pickedBase, tuned: pickedTuned } : undefined;
}

export function registerCompareCommand(deps: ExplainDeps, panel: ComparePanel): vscode.Disposable {
  const globals = new Map<string, GlobalJson>(); // `${kind}:${path}`

  async function global(kind: 'heads' | 'concepts', model: ModelEntry): Promise<GlobalJson | undefined> {
    const key = `${kind}:${model.path}`;
    const cached = globals.get(key);
    if (cached) return cached;
    const job: EngineJob = { kind, modelDir: model.path };
    const settings = readSettings(deps.extensionPath);
    const result = await withEngineProgress(`Instruction Lens: ${kind === 'heads' ? 'head patterns' : 'concepts'} of ${model.name}`, (signal, onProgress) => deps.engine.run(job, { signal, onProgress, threads: settings.threads }));
    if (reportFailure(result)) return undefined;
    globals.set(key, result.value as GlobalJson);
    return result.value as GlobalJson;
  }

  return vscode.commands.registerCommand('instructionLens.compare', async () => {
    const prompt = selectedPrompt();
    if (prompt === undefined) return;
    const pair = await pickPair(deps.extensionPath);
    if (!pair) return;
    const settings = readSettings(deps.extensionPath);
    panel.busy(`Explaining with ${pair.base.name} and ${pair.tuned.name}…`);
    const base = await explainPrompt(deps, pair.base, prompt, settings);
    const tuned = base.ok ? await explainPrompt(deps, pair.tuned, prompt, settings) : base;
    if (!base.ok || !tuned.ok) {
      const error = !base.ok ? base.error : !tuned.ok ? tuned.error : undefined;
      if (error) panel.failed(error.code === 'cancelled' ? 'The comparison was cancelled.' : error.message, error.code === 'cancelled' ? 'Run Compare Models… again when you are ready.' : error.hint);
      return;
    }
    const sides = { base: { name: pair.base.name, explanation: base.value.json }, tuned: { name: pair.tuned.name, explanation: tuned.value.json } };
    panel.show(sides.base, sides.tuned, true);
    const baseHeads = await global('heads', pair.base);
    const tunedHeads = baseHeads && (await global('heads', pair.tuned));
    const baseConcepts = await global('concepts', pair.base);
    const tunedConcepts = baseConcepts && (await global('concepts', pair.tuned));
    panel.show({ ...sides.base, heads: baseHeads, concepts: baseConcepts }, { ...sides.tuned, heads: tunedHeads, concepts: tunedConcepts }, false);
  });
}
