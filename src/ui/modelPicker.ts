// "Select Model…": a QuickPick of the embedded pair, the user's models (instructionLens.models) and the models
// installed with Ollama, with entries that add a checkpoint folder or a GGUF file through a file picker. The choice is
// stored in
// instructionLens.activeModel (user settings); the status bar shows it.
import * as vscode from 'vscode';
import { nameForFolder, type ModelEntry } from './models';
import { readSettings, SECTION } from './settings';

interface ModelItem extends vscode.QuickPickItem {
  readonly model?: ModelEntry;
  readonly action?: 'add' | 'addGguf' | 'settings';
}

export function modelItems(models: readonly ModelEntry[], active: ModelEntry | undefined): ModelItem[] {
  return models.map((m) => ({
    // by name (unique in the list): `active` comes from another readSettings call, so never the same object
    label: `${m.name === active?.name ? '$(check) ' : ''}${m.name}`,
    description: m.embedded ? 'embedded' : m.ollama ? 'Ollama' : undefined,
    detail: m.path,
    model: m,
  }));
}

/** Asks for a model among the known ones (plus "add a folder"); undefined when the user cancels. */
export async function pickModel(
  extensionPath: string,
  title: string,
  preselect?: ModelEntry,
): Promise<ModelEntry | undefined> {
  const settings = readSettings(extensionPath);
  const items: ModelItem[] = [
    ...modelItems(settings.models, preselect),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(folder-opened) Add a model folder…', description: 'a Hugging Face checkpoint', action: 'add' },
    {
      label: '$(file-binary) Add a GGUF file…',
      description: 'a model file of llama.cpp, LM Studio or Ollama',
      action: 'addGguf',
    },
    { label: '$(gear) Edit the model list in settings', action: 'settings' },
  ];
  if (settings.ignored.untrusted > 0) {
    items.push({
      label: '$(shield) Workspace models are not loaded',
      description: `${settings.ignored.untrusted} from this untrusted workspace's settings`,
      action: 'settings',
    });
  }
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: preselect ? `current: ${preselect.name}` : undefined,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  if (picked.action === 'settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.models`);
    return undefined;
  }
  return picked.action === 'add'
    ? addModelFolder(extensionPath)
    : picked.action === 'addGguf'
      ? addModelFolder(extensionPath, 'gguf')
      : picked.model;
}

/**
 * Folder picker (or, for `gguf`, a picker of .gguf files: the platforms' dialogs cannot offer both), then a
 * name; the entry is appended to the user's instructionLens.models.
 */
export async function addModelFolder(
  extensionPath: string,
  kind: 'folder' | 'gguf' = 'folder',
): Promise<ModelEntry | undefined> {
  const folders = await vscode.window.showOpenDialog(
    kind === 'gguf'
      ? {
          canSelectFolders: false,
          canSelectFiles: true,
          canSelectMany: false,
          filters: { 'GGUF model': ['gguf'] },
          openLabel: 'Add model',
          title: 'A GGUF model file (llama, mistral, mixtral, qwen2, qwen3, qwen3moe, gemma2, gemma3, phi3, olmo2)',
        }
      : {
          canSelectFolders: true,
          canSelectFiles: false,
          canSelectMany: false,
          openLabel: 'Add model',
          title: 'A Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json)',
        },
  );
  const folder = folders?.[0];
  if (!folder) return undefined;
  const settings = readSettings(extensionPath);
  const name = await vscode.window.showInputBox({
    title: 'Name of the model',
    value: nameForFolder(
      folder.fsPath.replace(/\.gguf$/i, ''),
      settings.models.map((m) => m.name),
    ),
    validateInput: (v) =>
      v.trim() === ''
        ? 'Give it a name.'
        : settings.models.some((m) => m.name === v.trim())
          ? 'That name is taken.'
          : undefined,
  });
  if (name === undefined) return undefined;
  const config = vscode.workspace.getConfiguration(SECTION);
  const existing = config.inspect<unknown[]>('models')?.globalValue ?? [];
  await config.update(
    'models',
    [...existing, { name: name.trim(), path: folder.fsPath }],
    vscode.ConfigurationTarget.Global,
  );
  return { name: name.trim(), path: folder.fsPath, embedded: false };
}

/** Adds a model folder to instructionLens.models and makes it the active model (the views' Add Model action). */
export const ADD_MODEL_COMMAND = 'instructionLens.addModelFolder';

const makeActive = (model: ModelEntry) =>
  vscode.workspace.getConfiguration(SECTION).update('activeModel', model.name, vscode.ConfigurationTarget.Global);

export function registerSelectModel(extensionPath: string): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('instructionLens.selectModel', async () => {
      const model = await pickModel(
        extensionPath,
        'Instruction Lens: the model to explain with',
        readSettings(extensionPath).active,
      );
      if (model) await makeActive(model);
    }),
    vscode.commands.registerCommand(ADD_MODEL_COMMAND, async () => {
      const model = await addModelFolder(extensionPath);
      if (model) await makeActive(model);
    }),
  );
}
