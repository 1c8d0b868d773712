// The extension's host side end to end in plain Node: src/extension.ts bundled with `vscode` replaced by
// test/helpers/fakeVscode.ts, activated on this repository (the embedded models, dist/worker.js). Explain on a
// selection fills the panel; the panel's messages are validated and instruction edits rescore on the host;
// results are cached; the heads view gets local attention, a head's map and the global patterns; workspace
// trust keeps workspace model paths out.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import type { InstructionLensApi } from '../../src/extension';
import type { ExplainView, HeadsGridView, HeadDetailView } from '../../src/protocol';
import { FakeWebview, type FakeHost } from '../helpers/fakeVscode';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';
import { writeRandomGguf } from '../helpers/randomGguf';
import { naiveImportance } from './explainFixture';

const ROOT = join(__dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'lens-host-'));
// an Ollama store with one GGUF model, in place before the extension (and its engine worker) starts
const ollamaStore = join(out, 'ollama');
process.env.OLLAMA_MODELS = ollamaStore;
{
  const gguf = join(out, 'tiny.gguf');
  writeRandomGguf(gguf, {
    arch: 'llama',
    seed: 71,
    types: { 'proj.weight': 'Q4_K', 'embed_tokens.weight': 'Q8_0', 'lm_head.weight': 'Q6_K' },
  });
  const bytes = readFileSync(gguf);
  const digest = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(join(ollamaStore, 'blobs'), { recursive: true });
  writeFileSync(join(ollamaStore, 'blobs', `sha256-${digest}`), bytes);
  mkdirSync(join(ollamaStore, 'manifests', 'registry.ollama.ai', 'library', 'tiny'), { recursive: true });
  writeFileSync(
    join(ollamaStore, 'manifests', 'registry.ollama.ai', 'library', 'tiny', 'latest'),
    JSON.stringify({
      schemaVersion: 2,
      layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}`, size: bytes.length }],
    }),
  );
}
let host: FakeHost;
let lens: InstructionLensApi;
const subscriptions: { dispose(): unknown }[] = [];

before(async () => {
  const bundle = join(out, 'extension.js');
  await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'extension.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['onnxruntime-node', 'tokenizers'],
    alias: { vscode: join(ROOT, 'test', 'helpers', 'fakeVscode.ts') },
    logLevel: 'error',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(bundle) as { activate(context: unknown): InstructionLensApi };
  lens = extension.activate({ extensionPath: ROOT, extensionUri: { fsPath: ROOT }, subscriptions });
  host = (globalThis as unknown as { fakeVscode: FakeHost }).fakeVscode;
});

after(async () => {
  for (const s of subscriptions) s.dispose();
  await new Promise((r) => setTimeout(r, 500)); // the engine worker stops
  rmSync(out, { recursive: true, force: true });
});

const last = <T>(webview: FakeWebview, type: string): T | undefined =>
  webview.posted.filter((m) => m.type === type).at(-1) as T | undefined;

async function until<T>(what: string, get: () => T | undefined, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('status bar and default model', () => {
  assert.equal(host.statusText.at(-1), '$(telescope) wordnet-tuned');
  assert.equal(lens.activeModel().path, join(ROOT, 'models', 'wordnet-tuned'));
});

test('Explain without a selection says so', async () => {
  host.selection = '';
  await host.commands.get('instructionLens.explain')!();
  assert.match(host.errors.at(-1)!, /select the prompt/);
});

test('Explain fills the panel; edits rescore on the host; bad messages are dropped; results are cached', async () => {
  host.selection = 'Spell the word apple.';
  await host.commands.get('instructionLens.explain')!();
  const panel = host.panels.find((p) => p.viewType === 'instructionLens.explanation')!;
  assert.ok(panel);
  const { webview } = panel;
  assert.match(
    webview.html.replace(/&#39;/g, "'"),
    /Content-Security-Policy" content="default-src 'none'; script-src 'nonce-/,
  );
  assert.deepEqual(
    webview.options.localResourceRoots.map((u: { fsPath: string }) => u.fsPath),
    [`${ROOT}/dist/webview`, `${ROOT}/media`],
  );
  assert.equal(webview.posted[0].type, 'busy');
  const view = last<{ view: ExplainView }>(webview, 'explanation')!.view;
  const json = lens.currentExplanation()!;
  assert.equal(view.modelName, 'wordnet-tuned');
  assert.equal(view.chat, true, "chatTemplate 'auto' is on for the embedded pair");
  assert.equal(view.promptTokens.length, json.prompt_tokens.length);
  assert.equal(view.instructionImportance, json.instruction_importance);

  // unmark the first instruction token: the host recomputes, the panel gets the new score
  const first = json.instruction_mask.indexOf(true);
  webview.received.fire({ type: 'setInstruction', tokens: [first], instruction: false });
  const edited = last<{ view: ExplainView }>(webview, 'explanation')!.view;
  const mask = json.instruction_mask.map((m, n) => m && n !== first);
  assert.equal(edited.instructionImportance, naiveImportance(json.density as (number | null)[], mask));
  assert.equal(edited.edited, true);
  assert.deepEqual(lens.currentExplanation()!.instruction_mask, mask);

  const count = webview.posted.length;
  // out of range
  webview.received.fire({ type: 'setInstruction', tokens: [json.prompt_tokens.length], instruction: true });
  webview.received.fire({ type: 'export', format: 'exe' });
  webview.received.fire({ type: 'eval', code: 'x' });
  assert.equal(webview.posted.length, count, 'invalid messages change nothing');
  webview.received.fire({ type: 'ready' }); // a reloaded page gets the last update again
  assert.deepEqual(webview.posted.at(-1), webview.posted.at(-2));
  webview.received.fire({ type: 'resetInstruction' });
  assert.equal(
    last<{ view: ExplainView }>(webview, 'explanation')!.view.instructionImportance,
    json.instruction_importance,
  );

  const started = performance.now();
  await host.commands.get('instructionLens.explain')!();
  assert.ok(performance.now() - started < 500, 'the same prompt and settings come from the cache');
  assert.deepEqual(lens.currentExplanation(), json);
});

test("heads view: local attention of the explained prompt, a head's map, then the global patterns", async () => {
  const provider = host.views.get('instructionLens.heads');
  const webview = new FakeWebview();
  provider.resolveWebviewView({ webview, onDidDispose: () => ({ dispose() {} }) });
  assert.match(webview.html, /dist\/webview\/heads\.js/);
  webview.received.fire({ type: 'ready' });
  const json = lens.currentExplanation()!;
  const grid = await until('a grid with local shading', () => last<{ view: HeadsGridView }>(webview, 'grid')?.view);
  assert.equal(grid.layers * grid.heads, grid.cells.length);
  assert.ok(
    grid.cells.every(
      (c) =>
        c.instructionAttention !== null &&
        c.instructionAttention >= 0 &&
        c.instructionAttention <= 1 + 1e-6 &&
        c.verbShare === null,
    ),
  );
  webview.received.fire({ type: 'selectHead', layer: 1, head: 2 });
  const head = await until('a head', () => last<{ view: HeadDetailView }>(webview, 'head')?.view);
  const T = json.prompt_tokens.length + json.response_tokens.length;
  assert.equal(head.attention!.rows.length, T);
  for (const row of head.attention!.rows) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  webview.received.fire({ type: 'selectHead', layer: 99, head: 0 }); // outside the grid: dropped
  webview.received.fire({ type: 'load' });
  const global = await until(
    'verb shares',
    () => last<{ view: HeadsGridView }>(webview, 'grid')?.view.cells.some((c) => c.verbShare !== null) || undefined,
  );
  assert.equal(global, true);
});

test('untrusted workspace: model paths from workspace settings are not loaded', async () => {
  host.trusted = false;
  host.settings['instructionLens.models'] = { workspaceValue: [{ name: 'theirs', path: '/somewhere' }] };
  host.settings['instructionLens.activeModel'] = { globalValue: 'theirs' };
  assert.equal(lens.activeModel().name, 'wordnet-tuned');
  host.trusted = true;
  assert.equal(lens.activeModel().name, 'theirs');
  host.settings = {};
});

// the panels read every family through the same engine jobs: explain, the heads view's attention and head map,
// and a layer's concepts (pooled over the experts for a mixture)
for (const [name, options] of [
  ['qwen3', { family: 'qwen3', numKvHeads: 2, headDim: 12 }],
  [
    'gemma3 multimodal',
    { family: 'gemma3', multimodal: true, numKvHeads: 2, slidingWindow: 4, slidingWindowPattern: 2 },
  ],
  ['phi3', { family: 'phi3', numKvHeads: 2, partialRotaryFactor: 0.5 }],
  ['olmo2', { family: 'olmo2', numKvHeads: 2 }],
  ['qwen3_moe', { family: 'qwen3_moe', numKvHeads: 2, experts: 4, mlpOnlyLayers: [0] }],
] as [string, RandomCheckpointOptions][]) {
  test(`${name}: the explain panel, the heads view and its concepts`, async () => {
    const ck = writeRandomCheckpoint(join(out, name.replace(/\W+/g, '-')), { ...options, seed: 61 });
    host.settings['instructionLens.models'] = { globalValue: [{ name, path: ck.dir }] };
    host.settings['instructionLens.activeModel'] = { globalValue: name };
    try {
      assert.equal(lens.activeModel().path, ck.dir);
      const provider = host.views.get('instructionLens.heads');
      const heads = new FakeWebview();
      provider.resolveWebviewView({ webview: heads, onDidDispose: () => ({ dispose() {} }) });
      heads.received.fire({ type: 'ready' });
      host.selection = 'Name a colour of the sea.';
      const errors = host.errors.length;
      await host.commands.get('instructionLens.explain')!();
      const panel = host.panels.filter((p) => p.viewType === 'instructionLens.explanation').at(-1)!;
      const view = await until(
        'an explanation',
        () => {
          if (host.errors.length > errors) throw new Error(host.errors.slice(errors).join('; '));
          return last<{ view: ExplainView }>(panel.webview, 'explanation')?.view;
        },
        60_000,
      );
      assert.equal(view.modelName, name);
      assert.equal(view.architecture, ck.config.architecture);
      assert.ok(view.responseTokens.length > 0);
      const json = lens.currentExplanation()!;
      assert.equal(
        json.prompt_tokens
          .filter((t) => !t.special)
          .map((t) => t.text)
          .join(''),
        'Name a colour of the sea.',
      );
      const grid = await until('a grid with local shading', () => {
        const g = last<{ view: HeadsGridView }>(heads, 'grid')?.view;
        return g && g.layers === ck.config.numLayers && g.cells.every((c) => c.instructionAttention !== null)
          ? g
          : undefined;
      });
      assert.equal(grid.heads, ck.config.numHeads);
      heads.received.fire({ type: 'selectHead', layer: 1, head: 1 });
      const head = await until('a head', () => last<{ view: HeadDetailView }>(heads, 'head')?.view);
      assert.equal(head.attention!.rows.length, json.prompt_tokens.length + json.response_tokens.length);
      heads.received.fire({ type: 'showConcepts', layer: 1 });
      const concepts = await until(
        'concepts',
        () => last<{ view: { layer: number; components: unknown[] } }>(heads, 'concepts')?.view,
      );
      assert.equal(concepts.layer, 1);
      assert.ok(concepts.components.length > 0);
    } finally {
      host.settings = {};
    }
  });
}

test(
  'an Ollama model: listed by the model picker beside the GGUF file entry, picked, explained, its ' +
    'heads and concepts',
  async () => {
    host.pick = (items) => items.find((i: { label: string }) => i.label === 'ollama:tiny:latest');
    try {
      await host.commands.get('instructionLens.selectModel')!();
      const items = host.quickPicks.at(-1)!;
      const entry = items.find((i: { label: string }) => i.label === 'ollama:tiny:latest');
      assert.equal(entry?.description, 'Ollama');
      assert.ok(items.some((i: { label: string }) => /Add a GGUF file/.test(i.label)));
      assert.equal(lens.activeModel().path, 'ollama:tiny:latest');
      const provider = host.views.get('instructionLens.heads');
      const heads = new FakeWebview();
      provider.resolveWebviewView({ webview: heads, onDidDispose: () => ({ dispose() {} }) });
      heads.received.fire({ type: 'ready' });
      host.selection = 'Name the heat of the tea.';
      const errors = host.errors.length;
      await host.commands.get('instructionLens.explain')!();
      const panel = host.panels.filter((p) => p.viewType === 'instructionLens.explanation').at(-1)!;
      const view = await until(
        'an explanation',
        () => {
          if (host.errors.length > errors) throw new Error(host.errors.slice(errors).join('; '));
          return last<{ view: ExplainView }>(panel.webview, 'explanation')?.view;
        },
        60_000,
      );
      assert.equal(view.modelName, 'ollama:tiny:latest');
      assert.equal(view.architecture, 'llama (GGUF)');
      const json = lens.currentExplanation()!;
      assert.equal(
        json.prompt_tokens
          .filter((t) => !t.special)
          .map((t) => t.text)
          .join(''),
        'Name the heat of the tea.',
      );
      await until(
        'a grid with local shading',
        () =>
          last<{ view: HeadsGridView }>(heads, 'grid')?.view.cells.every((c) => c.instructionAttention !== null) ||
          undefined,
      );
      heads.received.fire({ type: 'showConcepts', layer: 1 });
      const concepts = await until(
        'concepts',
        () => last<{ view: { layer: number; components: unknown[] } }>(heads, 'concepts')?.view,
      );
      assert.ok(concepts.components.length > 0);
    } finally {
      host.pick = undefined;
      host.settings = {};
    }
  },
);
