// Ollama's model store, built in a temporary folder as Ollama lays it out (manifests/<host>/<namespace>/<name>/<tag>,
// blobs/sha256-<hex>): names with and without tag, namespace and host; the store's location from OLLAMA_MODELS or
// the home folder; the listing; and each way a model can fail to be found, with its own message. Then a model
// opened and explained through `--model ollama:NAME`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { findOllamaModel, listOllamaModels, ollamaStore } from '../../src/gguf/ollamaStore';
import { openCheckpoint } from '../../src/runtime/openCheckpoint';
import { writeRandomGguf } from '../helpers/randomGguf';
import { runCli } from '../cli/cliRunner';

const root = mkdtempSync(join(tmpdir(), 'lens-ollama-'));
after(() => rmSync(root, { recursive: true, force: true }));
const store = join(root, 'models');
const gguf = join(root, 'model.gguf');
writeRandomGguf(gguf, { arch: 'qwen3', seed: 61, headDim: 32 });

/** Puts `bytes` in the store as a blob; its digest. */
function blob(bytes: Buffer): string {
  const hex = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(join(store, 'blobs'), { recursive: true });
  writeFileSync(join(store, 'blobs', `sha256-${hex}`), bytes);
  return `sha256:${hex}`;
}

function manifest(path: string, layers: { mediaType: string; digest: string }[]): void {
  const file = join(store, 'manifests', path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { digest: blob(Buffer.from('{}')), mediaType: 'application/vnd.docker.container.image.v1+json' },
      layers: layers.map((l) => ({ ...l, size: 1 })),
    }),
  );
}

const modelDigest = blob(readFileSync(gguf));
const template = { mediaType: 'application/vnd.ollama.image.template', digest: blob(Buffer.from('{{ .Prompt }}')) };
manifest('registry.ollama.ai/library/tiny/latest', [
  { mediaType: 'application/vnd.ollama.image.model', digest: modelDigest },
  template,
]);
manifest('registry.ollama.ai/library/tiny/q8', [
  template,
  { mediaType: 'application/vnd.ollama.image.model', digest: modelDigest },
]);
manifest('registry.ollama.ai/someone/tiny/latest', [
  { mediaType: 'application/vnd.ollama.image.model', digest: modelDigest },
]);
manifest('example.com/team/tiny/v1', [{ mediaType: 'application/vnd.ollama.image.model', digest: modelDigest }]);
manifest('registry.ollama.ai/library/adapter-only/latest', [
  { mediaType: 'application/vnd.ollama.image.adapter', digest: modelDigest },
]);
manifest('registry.ollama.ai/library/not-gguf/latest', [
  { mediaType: 'application/vnd.ollama.image.model', digest: blob(Buffer.from('not a model at all, just text')) },
]);
const env = { OLLAMA_MODELS: store };

test('names with and without tag, namespace and host find the model blob', () => {
  const file = join(store, 'blobs', modelDigest.replace(':', '-'));
  for (const [spec, name] of [
    ['tiny', 'tiny:latest'],
    ['tiny:latest', 'tiny:latest'],
    ['tiny:q8', 'tiny:q8'],
    ['someone/tiny', 'someone/tiny:latest'],
    ['example.com/team/tiny:v1', 'example.com/team/tiny:v1'],
  ]) {
    const found = findOllamaModel(spec, env);
    assert.ok(found.ok, found.ok ? '' : found.error.message);
    assert.deepEqual(found.value, { name, file });
  }
  assert.deepEqual(
    listOllamaModels(store).map((m) => m.name),
    ['example.com/team/tiny:v1', 'not-gguf:latest', 'someone/tiny:latest', 'tiny:latest', 'tiny:q8'],
  );
});

test("the store: OLLAMA_MODELS, else ~/.ollama/models, else the Linux service's folder", () => {
  assert.equal(ollamaStore(env).root, store);
  const home = join(root, 'home');
  mkdirSync(join(home, '.ollama', 'models', 'manifests'), { recursive: true });
  assert.equal(ollamaStore({}, home).root, join(home, '.ollama', 'models'));
  assert.deepEqual(ollamaStore({}, join(root, 'nobody')).tried, [
    join(root, 'nobody', '.ollama', 'models'),
    '/usr/share/ollama/.ollama/models',
  ]);
});

test('each way of not finding a model has its own message', async () => {
  const missingStore = findOllamaModel('tiny', { OLLAMA_MODELS: join(root, 'absent') });
  assert.ok(!missingStore.ok);
  assert.match(missingStore.error.message, /no Ollama model store \(looked in .*absent\)/);
  const unknown = findOllamaModel('llama3.2', env);
  assert.ok(!unknown.ok);
  assert.match(unknown.error.message, /ollama:llama3.2: not in the Ollama store/);
  assert.match(
    unknown.error.hint,
    /Installed: example.com\/team\/tiny:v1, not-gguf:latest, someone\/tiny:latest, tiny:latest, tiny:q8/,
  );
  const badName = findOllamaModel('../etc/passwd', env);
  assert.ok(!badName.ok);
  assert.match(badName.error.message, /not a model name/);
  const adapter = findOllamaModel('adapter-only', env);
  assert.ok(!adapter.ok);
  assert.match(adapter.error.message, /has no model layer \(application\/vnd.ollama.image.model\)/);
  process.env.OLLAMA_MODELS = store;
  try {
    const notGguf = await openCheckpoint('ollama:not-gguf');
    assert.ok(!notGguf.ok);
    assert.match(notGguf.error.message, /^ollama:not-gguf:latest \(.*sha256-[0-9a-f]{64}\): not a GGUF file/);
    const opened = await openCheckpoint('ollama:tiny');
    assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
    assert.equal(opened.value.dir, 'ollama:tiny:latest');
    assert.equal(opened.value.config.modelType, 'qwen3');
  } finally {
    delete process.env.OLLAMA_MODELS;
  }
});

test('explain --model ollama:NAME through the CLI', () => {
  const out = join(root, 'explain.json');
  const run = runCli(
    [
      'explain',
      '--model',
      'ollama:someone/tiny',
      '--prompt',
      'Name a fruit.',
      '--response',
      ' A pear.',
      '--chat',
      'off',
      '--json',
      out,
    ],
    60_000,
    { OLLAMA_MODELS: store },
  );
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(json.model.path, 'ollama:someone/tiny:latest');
  assert.equal(json.probabilities.length, json.response_tokens.length);
});
