// The models the user can pick: the embedded pair, then the entries of the `instructionLens.models` setting,
// then the models installed with Ollama (src/gguf/ollamaStore.ts).
// Workspace trust: in an untrusted workspace, entries from workspace (folder) settings are not loaded, since
// a model path there would make the extension read and run files a stranger chose. Pure (no vscode).
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { OLLAMA_PREFIX, type OllamaModel } from '../gguf/ollamaStore';

export interface ModelEntry {
  readonly name: string;
  readonly path: string; // a checkpoint folder, a GGUF file, or "ollama:NAME:TAG"
  readonly embedded: boolean;
  /** Found in Ollama's model store rather than listed by the user. */
  readonly ollama?: boolean;
}

/** The embedded pair, trained with the chat template (see models/*\/README.md). */
export const EMBEDDED_BASE = 'wordnet-base';
export const EMBEDDED_TUNED = 'wordnet-tuned';

export function embeddedModels(extensionPath: string): ModelEntry[] {
  return [EMBEDDED_TUNED, EMBEDDED_BASE].map((name) => ({
    name,
    path: join(extensionPath, 'models', name),
    embedded: true,
  }));
}

/** The values of the setting at each level, as `WorkspaceConfiguration.inspect` gives them. */
export interface InspectedSetting {
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
}

export interface UserModels {
  readonly models: ModelEntry[];
  /** Entries left out: malformed, or from workspace settings of an untrusted workspace. */
  readonly ignored: { readonly malformed: number; readonly untrusted: number };
}

/**
 * User entries, workspace ones first (they are the more specific), a name used twice keeping its first entry.
 * A relative path is taken from `workspaceRoot` (or the home folder); `~/` is the home folder.
 */
export function userModels(setting: InspectedSetting, trusted: boolean, workspaceRoot: string | undefined): UserModels {
  const levels = [setting.workspaceFolderValue, setting.workspaceValue];
  let untrusted = 0;
  let malformed = 0;
  const raw: unknown[] = [];
  for (const level of levels) {
    if (!Array.isArray(level)) continue;
    if (trusted) raw.push(...level);
    else untrusted += level.length;
  }
  if (Array.isArray(setting.globalValue)) raw.push(...setting.globalValue);
  const models: ModelEntry[] = [];
  const names = new Set([EMBEDDED_BASE, EMBEDDED_TUNED]);
  for (const entry of raw) {
    const e = entry as { name?: unknown; path?: unknown } | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.name !== 'string' ||
      typeof e.path !== 'string' ||
      e.name.trim() === '' ||
      e.path.trim() === ''
    ) {
      malformed++;
      continue;
    }
    if (names.has(e.name)) continue;
    names.add(e.name);
    models.push({ name: e.name, path: expandPath(e.path, workspaceRoot), embedded: false });
  }
  return { models, ignored: { malformed, untrusted } };
}

export function expandPath(path: string, workspaceRoot: string | undefined): string {
  if (path.startsWith(OLLAMA_PREFIX)) return path;
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(workspaceRoot ?? homedir(), path);
}

/** The models of Ollama's store, as entries named and pathed "ollama:NAME:TAG", but those whose name is taken. */
export function ollamaModels(installed: readonly OllamaModel[], taken: readonly ModelEntry[]): ModelEntry[] {
  const names = new Set(taken.map((m) => m.name));
  return installed
    .map((m) => `${OLLAMA_PREFIX}${m.name}`)
    .filter((n) => !names.has(n))
    .map((name) => ({ name, path: name, embedded: false, ollama: true }));
}

/** The model named `active`, else the embedded tuned model. */
export function activeModel(models: readonly ModelEntry[], active: unknown): ModelEntry {
  return models.find((m) => m.name === active) ?? models.find((m) => m.name === EMBEDDED_TUNED) ?? models[0];
}

/** A name for a new entry from its folder, made unique among the existing names. */
export function nameForFolder(folder: string, taken: readonly string[]): string {
  const base = folder.split(/[\\/]/).filter(Boolean).pop() ?? 'model';
  let name = base;
  for (let i = 2; taken.includes(name); i++) name = `${base} (${i})`;
  return name;
}
