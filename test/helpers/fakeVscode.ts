// A stand-in for the `vscode` module, just large enough to run the extension's activate() and its commands
// in plain Node (tests bundle src/extension.ts with esbuild, aliasing `vscode` to this file). The test
// drives it through globalThis.fakeVscode: settings, the active editor's selection, answers to pickers,
// and it records what the extension does (webviews and the messages they were sent, notifications).
type Listener<T> = (e: T) => unknown;

class Emitter<T> {
  private listeners: Listener<T>[] = [];
  event = (l: Listener<T>) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T) {
    for (const l of this.listeners) l(e);
  }
}

export class FakeWebview {
  options: any = {};
  html = '';
  readonly cspSource = 'https://fake.vscode-cdn.net';
  readonly posted: any[] = [];
  readonly received = new Emitter<unknown>();
  onDidReceiveMessage = this.received.event;
  asWebviewUri(uri: Uri) {
    return { toString: () => `https://fake.vscode-cdn.net${uri.fsPath}` };
  }
  async postMessage(m: unknown) {
    this.posted.push(JSON.parse(JSON.stringify(m, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v))));
    return true;
  }
}

export class Uri {
  private constructor(readonly fsPath: string) {}
  static file(path: string) {
    return new Uri(path);
  }
  static joinPath(base: Uri, ...parts: string[]) {
    return new Uri([base.fsPath, ...parts].join('/'));
  }
  toString() {
    return `file://${this.fsPath}`;
  }
}

export interface FakeHost {
  settings: Record<string, any>; // 'instructionLens.x' -> { globalValue, workspaceValue }
  trusted: boolean;
  selection: string;
  panels: { viewType: string; title: string; webview: FakeWebview; disposed: boolean }[];
  views: Map<string, any>;
  errors: string[];
  warnings: string[];
  statusText: string[];
  configChanged: Emitter<{ affectsConfiguration(s: string): boolean }>;
  commands: Map<string, (...a: any[]) => any>;
  /** The items of each QuickPick shown; `pick` chooses from them (default: none, as a cancel). */
  quickPicks: any[][];
  pick?: (items: any[]) => any;
}

const host: FakeHost = ((globalThis as any).fakeVscode ??= {
  settings: {},
  trusted: true,
  selection: '',
  panels: [],
  views: new Map(),
  errors: [],
  warnings: [],
  statusText: [],
  configChanged: new Emitter(),
  commands: new Map(),
  quickPicks: [],
});

export const ViewColumn = { Beside: -2, One: 1 };
export const ProgressLocation = { Notification: 15, Window: 10 };
export const StatusBarAlignment = { Left: 1, Right: 2 };
export const ConfigurationTarget = { Global: 1, Workspace: 2, WorkspaceFolder: 3 };
export const QuickPickItemKind = { Separator: -1, Default: 0 };

export class Disposable {
  constructor(private readonly fn: () => void) {}
  static from(...items: { dispose(): unknown }[]) {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose() {
    this.fn();
  }
}

export const window = {
  get activeTextEditor() {
    return host.selection === '' ? undefined : { document: { getText: () => host.selection }, selection: {} };
  },
  showErrorMessage: async (m: string) => void host.errors.push(m),
  showWarningMessage: async (m: string) => void host.warnings.push(m),
  showInformationMessage: async () => undefined,
  showQuickPick: async (items: any[]) => {
    host.quickPicks.push(items);
    return host.pick?.(items);
  },
  showInputBox: async () => undefined,
  showOpenDialog: async () => undefined,
  showSaveDialog: async () => undefined,
  withProgress: async (
    _o: unknown,
    task: (
      p: { report(x: unknown): void },
      token: { onCancellationRequested(l: () => void): void },
    ) => Promise<unknown>,
  ) => task({ report: () => {} }, { onCancellationRequested: () => {} }),
  createWebviewPanel(viewType: string, title: string) {
    const panel = {
      viewType,
      title,
      webview: new FakeWebview(),
      disposed: false,
      iconPath: undefined as unknown,
      disposeEmitter: new Emitter<void>(),
    };
    host.panels.push(panel);
    return {
      webview: panel.webview,
      set iconPath(v: unknown) {
        panel.iconPath = v;
      },
      reveal: () => {},
      onDidDispose: panel.disposeEmitter.event,
      dispose: () => {
        panel.disposed = true;
        panel.disposeEmitter.fire();
      },
    };
  },
  createStatusBarItem() {
    const item = { text: '', tooltip: '', name: '', command: '', show: () => {}, dispose: () => {} };
    return new Proxy(item, {
      set(target: any, key, value) {
        target[key] = value;
        if (key === 'text') host.statusText.push(value);
        return true;
      },
    });
  },
  registerWebviewViewProvider(id: string, provider: unknown) {
    host.views.set(id, provider);
    return new Disposable(() => host.views.delete(id));
  },
};

export const commands = {
  registerCommand(id: string, fn: (...a: any[]) => any) {
    host.commands.set(id, fn);
    return new Disposable(() => host.commands.delete(id));
  },
  executeCommand: async (id: string, ...args: any[]) => host.commands.get(id)?.(...args),
};

export const workspace = {
  get isTrusted() {
    return host.trusted;
  },
  workspaceFolders: undefined,
  getConfiguration(section: string) {
    const key = (k: string) => `${section}.${k}`;
    return {
      get: (k: string, fallback?: unknown) => {
        const s = host.settings[key(k)];
        return s?.workspaceValue ?? s?.globalValue ?? fallback;
      },
      inspect: (k: string) => host.settings[key(k)] ?? {},
      update: async (k: string, value: unknown) => {
        host.settings[key(k)] = { ...host.settings[key(k)], globalValue: value };
        host.configChanged.fire({ affectsConfiguration: (s: string) => key(k).startsWith(s) });
      },
    };
  },
  onDidChangeConfiguration: host.configChanged.event,
  onDidGrantWorkspaceTrust: () => new Disposable(() => {}),
  asRelativePath: (u: Uri) => u.fsPath,
  fs: { writeFile: async () => {} },
};
