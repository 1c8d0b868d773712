import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attentionToPrompt } from '../../src/engine/attentionToPrompt';
import { mulberry32 } from '../helpers/prng';

test('mean attention to each prompt token over the positions that produce the response', () => {
  const random = mulberry32(3);
  const H = 2;
  const T = 6;
  const N = 3; // response of 3 tokens, produced at positions 2, 3, 4
  const maps = [0, 1].map(() => Float32Array.from({ length: H * T * T }, () => random()));
  const out = attentionToPrompt(maps, H, T, N);
  for (let l = 0; l < 2; l++)
    for (let h = 0; h < H; h++)
      for (let n = 0; n < N; n++) {
        const expected = [2, 3, 4].reduce((s, q) => s + maps[l][h * T * T + q * T + n], 0) / 3;
        assert.ok(Math.abs(out[(l * H + h) * N + n] - expected) < 1e-6);
      }
  // no response: every position counts
  const all = attentionToPrompt([maps[0]], H, N, N);
  const small = maps[0];
  const expected = [0, 1, 2].reduce((s, q) => s + small[1 * N * N + q * N + 2], 0) / 3;
  assert.ok(Math.abs(all[1 * N + 2] - expected) < 1e-6);
});
