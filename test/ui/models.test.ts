// The model list: the embedded pair first, user entries after; workspace entries only in a trusted workspace.
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { activeModel, embeddedModels, expandPath, nameForFolder, ollamaModels, userModels } from '../../src/ui/models';

test('embedded pair under the extension, tuned first', () => {
  const models = embeddedModels('/ext');
  assert.deepEqual(
    models.map((m) => [m.name, m.path]),
    [
      ['wordnet-tuned', join('/ext', 'models', 'wordnet-tuned')],
      ['wordnet-base', join('/ext', 'models', 'wordnet-base')],
    ],
  );
});

test('untrusted workspace: workspace entries are not loaded and are counted', () => {
  const setting = {
    globalValue: [{ name: 'mine', path: '/m/mine' }],
    workspaceValue: [{ name: 'theirs', path: '/evil' }],
    workspaceFolderValue: [{ name: 'x', path: 'y' }],
  };
  const untrusted = userModels(setting, false, '/ws');
  assert.deepEqual(
    untrusted.models.map((m) => m.name),
    ['mine'],
  );
  assert.equal(untrusted.ignored.untrusted, 2);
  const trusted = userModels(setting, true, '/ws');
  assert.deepEqual(
    trusted.models.map((m) => [m.name, m.path]),
    [
      ['x', join('/ws', 'y')],
      ['theirs', '/evil'],
      ['mine', '/m/mine'],
    ],
  );
});

test('malformed entries, duplicates and the embedded names are skipped; ~ expands', () => {
  const r = userModels(
    {
      globalValue: [
        { name: 'a', path: '~/ck' },
        { name: 'a', path: '/other' },
        { name: 'wordnet-base', path: '/x' },
        { name: '', path: '/x' },
        'nope',
        { name: 'b' },
      ],
    },
    true,
    undefined,
  );
  assert.deepEqual(
    r.models.map((m) => [m.name, m.path]),
    [['a', join(homedir(), 'ck')]],
  );
  assert.equal(r.ignored.malformed, 3);
});

test('active model: the named one, else the embedded tuned model', () => {
  const models = [...embeddedModels('/ext'), { name: 'a', path: '/a', embedded: false }];
  assert.equal(activeModel(models, 'a').path, '/a');
  assert.equal(activeModel(models, 'gone').name, 'wordnet-tuned');
  assert.equal(activeModel(models, undefined).name, 'wordnet-tuned');
});

test('a new entry is named after its folder, uniquely', () => {
  assert.equal(nameForFolder('/home/me/Llama-3-8B/', []), 'Llama-3-8B');
  assert.equal(nameForFolder('C:\\models\\qwen', ['qwen', 'qwen (2)']), 'qwen (3)');
});

test(
  "Ollama models: listed as ollama:NAME:TAG entries after the user's, a name already taken left " +
    'out; such paths are kept as they are',
  () => {
    const taken = [{ name: 'ollama:qwen3:8b', path: '/somewhere/else', embedded: false }];
    assert.deepEqual(
      ollamaModels(
        [
          { name: 'llama3.2:latest', file: '/s/blobs/sha256-a' },
          { name: 'qwen3:8b', file: '/s/blobs/sha256-b' },
        ],
        taken,
      ),
      [{ name: 'ollama:llama3.2:latest', path: 'ollama:llama3.2:latest', embedded: false, ollama: true }],
    );
    assert.equal(expandPath('ollama:llama3.2', '/work'), 'ollama:llama3.2');
  },
);
