// LensModel.attention: every layer's attention probabilities over a sequence, against the naive float64
// reference's own (test/reference), with grouped-query attention so the head order is checked too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCheckpoint } from '../../src/runtime/checkpoint';
import { LensModel } from '../../src/runtime/lensModel';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';
import { naiveEmbed, naiveLogits, type NaiveTrace } from '../reference/naiveTransformer';

const root = mkdtempSync(join(tmpdir(), 'lens-attention-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('attention probabilities match the naive reference (llama, 4 heads over 2 key/value heads)', async () => {
  const written = writeRandomCheckpoint(join(root, 'gqa'), { family: 'llama', numKvHeads: 2, seed: 12 });
  const ckpt = await loadCheckpoint(written.dir);
  assert.ok(ckpt.ok);
  const loaded = await LensModel.load(ckpt.value, { computeDtype: 'float64', threads: 1 });
  assert.ok(loaded.ok);
  const model = loaded.value;
  const ids = [1, 40, 41, 200, 7, 99, 12];
  const T = ids.length;
  const trace: NaiveTrace = { attentions: [] };
  naiveLogits(written.config, written.weights, naiveEmbed(written.config, written.weights, ids), T, trace);
  const maps = await model.attention(ids);
  assert.equal(maps.length, written.config.numLayers);
  assert.ok(written.config.numHeads > written.config.numKvHeads);
  let worst = 0;
  maps.forEach((map, layer) => {
    assert.equal(map.length, written.config.numHeads * T * T);
    for (let i = 0; i < map.length; i++) worst = Math.max(worst, Math.abs(map[i] - trace.attentions[layer][i]));
  });
  assert.ok(worst < 1e-6, `max difference ${worst}`);
  // generation still works with the extra outputs (it fetches logits and cache only)
  assert.equal((await model.generate(ids, 2)).length, 2);
  model.dispose();
});
