// "Compare Models…": asks for a base and a tuned model (the embedded pair by default), explains the selected
// prompt with both (each with its own response, as the paper does), and opens the compare panel; the global
// comparison (head word pairs and feed-forward concepts of both models, the engine's compare job) follows in
// the same panel. Explanations are cached per (model, prompt, settings), global comparisons per pair.
import * as vscode from 'vscode';
import type { GlobalComparisonJson } from '../methods/compare/json';
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
  const globals = new Map<string, GlobalComparisonJson>(); // by JSON.stringify([baseDir, tunedDir])

  async function globalComparison(base: ModelEntry, tuned: ModelEntry): Promise<GlobalComparisonJson | null> {
    const key = JSON.stringify([base.path, tuned.path]);
    const cached = globals.get(key);
    if (cached) return cached;
    const { threads } = readSettings(deps.extensionPath);
    const result = await withEngineProgress(
      `Instruction Lens: comparing ${base.name} and ${tuned.name}`,
      (signal, onProgress) =>
        deps.engine.run({ kind: 'compare', baseDir: base.path, tunedDir: tuned.path }, { signal, onProgress, threads }),
    );
    if (reportFailure(result)) return null;
    globals.set(key, result.value);
    return result.value;
  }

  return vscode.commands.registerCommand('instructionLens.compare', async () => {
    const prompt = selectedPrompt();
    if (prompt === undefined) return;
    const pair = await pickPair(deps.extensionPath);
    if (!pair) return;
    const settings = readSettings(deps.extensionPath);
    panel.busy(`Explaining with ${pair.base.name} and ${pair.tuned.name}…`);
    let base = await explainPrompt(deps, pair.base, prompt, settings);
    let tuned = base.ok ? await explainPrompt(deps, pair.tuned, prompt, settings) : base;
    if (
      settings.chat === 'auto' &&
      base.ok &&
      tuned.ok &&
      base.value.json.settings.chat !== tuned.value.json.settings.chat
    ) {
      // as `compare` on the command line: the chat template only when both models have one, so both read the same text
      const plain = { ...settings, chat: false };
      if (base.value.json.settings.chat) base = await explainPrompt(deps, pair.base, prompt, plain);
      else tuned = await explainPrompt(deps, pair.tuned, prompt, plain);
    }
    if (!base.ok || !tuned.ok) {
      const error = !base.ok ? base.error : !tuned.ok ? tuned.error : undefined;
      if (error)
        panel.failed(
          error.code === 'cancelled' ? 'The comparison was cancelled.' : error.message,
          error.code === 'cancelled' ? 'Run Compare Models… again when you are ready.' : error.hint,
        );
      return;
    }
    const sides = {
      base: { name: pair.base.name, explanation: base.value.json, embedded: pair.base.embedded },
      tuned: { name: pair.tuned.name, explanation: tuned.value.json, embedded: pair.tuned.embedded },
    };
    panel.show(sides.base, sides.tuned, null, true);
    panel.show(sides.base, sides.tuned, await globalComparison(pair.base, pair.tuned), false);
  });
}
