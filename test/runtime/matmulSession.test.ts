import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmulTransposed } from '../../src/runtime/matmulSession';
import { mulberry32 } from '../helpers/prng';

test('matmulTransposed equals a naive triple loop', async () => {
  const rand = mulberry32(5);
  for (const [n, m, k] of [
    [3, 4, 5],
    [17, 1, 8],
    [1, 33, 64],
  ]) {
    const x = Float32Array.from({ length: n * k }, () => rand() - 0.5);
    const w = Float32Array.from({ length: m * k }, () => rand() - 0.5);
    const y = await matmulTransposed(x, n, w, m, k);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += x[i * k + t] * w[j * k + t];
        assert.ok(Math.abs(y[i * m + j] - s) < 1e-5, `[${i},${j}] ${y[i * m + j]} vs ${s}`);
      }
  }
});

test('matmulTransposed rejects mismatched sizes and handles empty products', async () => {
  await assert.rejects(matmulTransposed(new Float32Array(5), 2, new Float32Array(4), 2, 2), /has 5 values/);
  assert.equal((await matmulTransposed(new Float32Array(0), 0, new Float32Array(6), 3, 2)).length, 0);
});
