// The worker's attention job as the heads view uses it: after an explanation, the summary per head and one
// head's map, for the same token ids.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EngineClient } from '../../src/engine/client';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';

const WORKER = join(__dirname, '..', '..', 'dist', 'worker.js');
const root = mkdtempSync(join(tmpdir(), 'lens-attn-job-'));
const ck = writeRandomCheckpoint(join(root, 'ck'), { family: 'llama', numKvHeads: 2, seed: 5 });
const client = new EngineClient(WORKER);
after(async () => {
  await client.dispose();
  rmSync(root, { recursive: true, force: true });
});

test('summary and single-head map of an explained prompt', async () => {
  const explained = await client.explain({ modelDir: ck.dir, prompt: 'Name a fruit.', maxNewTokens: 3, chat: 'auto' });
  assert.ok(explained.ok, explained.ok ? '' : explained.error.message);
  const json = explained.value.json;
  const config = join(ck.dir, 'tokenizer_config.json');
  const hasTemplate = existsSync(config) && typeof JSON.parse(readFileSync(config, 'utf8')).chat_template === 'string';
  assert.equal(json.settings.chat, hasTemplate, "'auto' is on exactly when the checkpoint has a chat template");
  const ids = [...json.prompt_tokens.map((t) => t.id), ...json.response_tokens.map((t) => t.id)];
  const N = json.prompt_tokens.length;
  const T = ids.length;
  const r = await client.run({
    kind: 'attention',
    request: { modelDir: ck.dir, ids, promptLength: N },
    head: { layer: 1, head: 3 },
  });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const { layers, heads, toPrompt, map } = r.value;
  assert.equal(layers, ck.config.numLayers);
  assert.equal(heads, ck.config.numHeads);
  assert.equal(toPrompt.length, layers * heads * N);
  for (let lh = 0; lh < layers * heads; lh++) {
    const sum = toPrompt.slice(lh * N, (lh + 1) * N).reduce((a, b) => a + b, 0);
    assert.ok(sum > 0 && sum <= 1 + 1e-5, `head ${lh}: attention to the prompt ${sum}`);
  }
  assert.equal(map!.length, T * T);
  for (let q = 0; q < T; q++) {
    const row = map!.slice(q * T, (q + 1) * T);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    for (let k = q + 1; k < T; k++) assert.equal(row[k], 0, 'causal');
  }
  // the head's map agrees with the summary: mean over the response-producing rows of its prompt columns
  const s = (1 * heads + 3) * N;
  for (let n = 0; n < N; n++) {
    let mean = 0;
    for (let q = N - 1; q <= T - 2; q++) mean += map![q * T + n] / (T - N);
    assert.ok(Math.abs(mean - toPrompt[s + n]) < 1e-6);
  }
  const bad = await client.run({
    kind: 'attention',
    request: { modelDir: ck.dir, ids, promptLength: N },
    head: { layer: 99, head: 0 },
  });
  assert.equal(!bad.ok && bad.error.code, 'bad-argument');
});
