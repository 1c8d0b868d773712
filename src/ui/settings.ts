// The extension's settings (package.json, contributes.configuration), read in one place.
import * as vscode from 'vscode';
import { listOllamaModels, ollamaStore } from '../gguf/ollamaStore';
import { activeModel, embeddedModels, ollamaModels, userModels, type ModelEntry } from './models';
import { DEFAULT_MAX_NEW_TOKENS } from '../methods/attribution/defaults';

export const SECTION = 'instructionLens';

export interface LensSettings {
  readonly models: readonly ModelEntry[];
  readonly active: ModelEntry;
  readonly maxNewTokens: number;
  /** 'auto': the chat template when the checkpoint has one. */
  readonly chat: boolean | 'auto';
  /** onnxruntime threads; undefined = all cores. */
  readonly threads: number | undefined;
  /** Entries of instructionLens.models left out, and why. */
  readonly ignored: { readonly malformed: number; readonly untrusted: number };
}

export function chatSetting(value: unknown): boolean | 'auto' {
  if (value === 'on' || value === true) return true;
  if (value === 'off' || value === false) return false;
  return 'auto';
}

export function readSettings(extensionPath: string): LensSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const user = userModels(config.inspect('models') ?? {}, vscode.workspace.isTrusted, root);
  const listed = [...embeddedModels(extensionPath), ...user.models];
  const store = ollamaStore().root;
  const models = [...listed, ...(store ? ollamaModels(listOllamaModels(store), listed) : [])];
  const maxNewTokens = config.get<number>('maxNewTokens', DEFAULT_MAX_NEW_TOKENS);
  const threads = config.get<number>('threads', 0);
  return {
    models,
    active: activeModel(models, config.get<string>('activeModel')),
    maxNewTokens: Number.isInteger(maxNewTokens) && maxNewTokens >= 1 ? maxNewTokens : DEFAULT_MAX_NEW_TOKENS,
    chat: chatSetting(config.get('chatTemplate')),
    threads: Number.isInteger(threads) && threads > 0 ? threads : undefined,
    ignored: user.ignored,
  };
}
