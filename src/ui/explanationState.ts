// The explanation the user is looking at: the engine's result, and the instruction as the user has edited it.
// The explain panel renders it, the heads view shades its grid by it. Marking tokens recomputes the
// instruction importance here, on the host (src/methods/attribution/instructionEdit.ts): the webview never computes.
// Pure (no vscode): listeners are plain callbacks.
import type { ExplainJson } from '../methods/attribution/json';
import { editInstruction } from '../methods/attribution/instructionEdit';

export interface Explanation {
  readonly modelName: string;
  /** The model is one of the embedded pair (the views say it is a demonstrator). */
  readonly embedded: boolean;
  /** As the engine computed it. */
  readonly original: ExplainJson;
  /** With the user's instruction edits (the same object as `original` before any). */
  readonly json: ExplainJson;
}

export class ExplanationState {
  private value: Explanation | undefined;
  private readonly listeners = new Set<(e: Explanation | undefined) => void>();

  get current(): Explanation | undefined {
    return this.value;
  }

  get edited(): boolean {
    return this.value !== undefined && this.value.json !== this.value.original;
  }

  onChange(listener: (e: Explanation | undefined) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  show(modelName: string, json: ExplainJson, embedded = false): void {
    this.set({ modelName, embedded, original: json, json });
  }

  /** Marks (instruction = true) or unmarks prompt tokens; false when there is nothing to edit. */
  setInstruction(tokens: readonly number[], instruction: boolean): boolean {
    if (!this.value) return false;
    this.set({ ...this.value, json: editInstruction(this.value.json, tokens, instruction) });
    return true;
  }

  resetInstruction(): void {
    if (this.value) this.set({ ...this.value, json: this.value.original });
  }

  clear(): void {
    this.set(undefined);
  }

  private set(value: Explanation | undefined): void {
    this.value = value;
    for (const listener of this.listeners) listener(value);
  }
}
