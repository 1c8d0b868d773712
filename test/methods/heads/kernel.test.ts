// The heads kernel (src/methods/heads/kernel.ts) against the loops of src/methods/heads/headPatterns.ts on the same
// products: each column's sum of squares, and its top words by |activation| in the same order, ties (equal
// magnitudes of either sign) keeping the lower word index first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnStatsOf } from '../../../src/methods/heads/headPatterns';
import { headColumns } from '../../../src/methods/heads/kernel';
import { matmulTransposed } from '../../../src/runtime/matmulSession';
import { mulberry32 } from '../../helpers/prng';

test('headColumns: energies and top words as the reference computes them from X W^T, ties included', async () => {
  const W = 300;
  const D = 16;
  const C = 24;
  const random = mulberry32(5);
  // values on a coarse grid, so that many activations tie in magnitude (and some in sign)
  const x = Float32Array.from({ length: W * D }, () => Math.round((random() * 2 - 1) * 4) / 4);
  const rows = Float32Array.from({ length: C * D }, () => Math.round((random() * 2 - 1) * 2) / 2);
  const qk = await matmulTransposed(x, W, rows, C, D, 1); // [W, C]
  const reference = columnStatsOf(qk, W, C);
  const got = await headColumns(x, W, rows, C, D, 7, 1);
  for (let c = 0; c < C; c++)
    assert.ok(Math.abs(got.squares[c] - reference.squares[c]) <= 1e-5 * reference.squares[c], `column ${c} energy`);
  const all = Array.from({ length: C }, (_, c) => c);
  const want = reference.tops(all, 7);
  let ties = 0;
  for (let c = 0; c < C; c++) {
    const ids = Array.from(got.ids.subarray(c * 7, c * 7 + 7), Number);
    assert.deepEqual(
      ids,
      want[c].map((w) => w.word),
      `column ${c} top words`,
    );
    assert.deepEqual(
      Array.from(got.activations.subarray(c * 7, c * 7 + 7)),
      want[c].map((w) => w.activation),
      `column ${c} activations`,
    );
    for (let i = 1; i < 7; i++) if (Math.abs(want[c][i].activation) === Math.abs(want[c][i - 1].activation)) ties++;
  }
  assert.ok(ties > 10, `the case has ties (${ties})`);
  // fewer words than asked: all of them
  const few = await headColumns(x.subarray(0, 3 * D), 3, rows, C, D, 7, 1);
  assert.equal(few.top, 3);
});
