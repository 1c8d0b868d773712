// Every primitive's VJP against float64 central differences (see ../gradcheck.ts), including broadcasting
// and the batch of cotangents.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as G from '../../../src/graph';
import { createSession, f64, ort } from '../../../src/runtime/onnxSession';
import { gradcheck, randomInput, seeded } from '../gradcheck';

const r = seeded(1);

test('add, sub, mul, div with broadcasting', async () => {
  await gradcheck((g) => {
    const a = randomInput(g, 'a', [2, 3, 4], r);
    const b = randomInput(g, 'b', [3, 1], r, 0.5, 3); // kept away from 0 for the division
    const c = randomInput(g, 'c', [4], r);
    const y = G.div(G.mul(G.sub(G.add(a.tensor, c.tensor), b.tensor), c.tensor), b.tensor);
    return { inputs: [a, b, c], y };
  });
});

test('unary: neg exp log sqrt tanh sigmoid sin cos', async () => {
  await gradcheck((g) => {
    const x = randomInput(g, 'x', [3, 4], r, 0.5);
    const p = randomInput(g, 'p', [3, 4], r, 0.3, 2); // positive for log and sqrt
    const parts = [
      G.neg(x.tensor),
      G.exp(x.tensor),
      G.log(p.tensor),
      G.sqrt(p.tensor),
      G.tanh(x.tensor),
      G.sigmoid(x.tensor),
      G.sin(x.tensor),
      G.cos(x.tensor),
    ];
    const y = parts.reduce((acc, t, i) => G.add(acc, G.mul(t, i + 1)));
    return { inputs: [x, p], y };
  });
});

test('reduceSum with and without keepdims', async () => {
  await gradcheck((g) => {
    const x = randomInput(g, 'x', [2, 3, 4], r);
    const y = G.add(G.reduceSum(x.tensor, [0, 2], false), G.reshape(G.reduceSum(x.tensor, [-1], true), [2, 3]));
    return { inputs: [x], y: G.mul(y, y) };
  });
});

test('matmul with batch broadcasting', async () => {
  await gradcheck((g) => {
    const a = randomInput(g, 'a', [2, 1, 3, 4], r);
    const b = randomInput(g, 'b', [3, 4, 5], r);
    return { inputs: [a, b], y: G.matmul(a.tensor, b.tensor) };
  });
});

test('linear with bias, 3-D input (Gemm path)', async () => {
  await gradcheck((g) => {
    const x = randomInput(g, 'x', [1, 3, 4], r);
    const w = randomInput(g, 'w', [5, 4], r);
    const b = randomInput(g, 'b', [5], r);
    const y = G.linear(x.tensor, w.tensor, b.tensor);
    return { inputs: [x, w, b], y: G.mul(y, y) };
  });
});

test('reshape, transpose, slice, pad, concat, expand', async () => {
  await gradcheck((g) => {
    const x = randomInput(g, 'x', [2, 3, 4], r);
    const t = G.transpose(x.tensor, [2, 0, 1]); // (4, 2, 3)
    const halves = G.concat([G.neg(G.slice(t, 0, 2, 4)), G.slice(t, 0, 0, 2)], 0); // rotate_half style
    const padded = G.pad(G.reshape(halves, [8, 3]), 1, 1, 2); // (8, 6)
    const e = G.expand(G.reshape(G.slice(x.tensor, 2, 1, 2), [2, 3, 1]), [2, 3, 6]);
    const y = G.concat([G.reshape(G.mul(padded, padded), [48]), G.reshape(e, [36])], 0);
    return { inputs: [x], y };
  });
});

test('where routes gradients to the chosen branch', async () => {
  await gradcheck((g) => {
    const a = randomInput(g, 'a', [3, 4], r);
    const b = randomInput(g, 'b', [4], r);
    const cond = G.greater(a.tensor, g.scalar(0));
    return { inputs: [a, b], y: G.mul(G.where(cond, a.tensor, b.tensor), a.tensor) };
  });
});

test('cast to float32 and back keeps the gradient path', async () => {
  await gradcheck(
    (g) => {
      const x = randomInput(g, 'x', [3], r);
      const y = G.cast(G.mul(G.cast(x.tensor, 'float32'), G.cast(x.tensor, 'float32')), 'float64');
      return { inputs: [x], y };
    },
    { tol: 1e-3, h: 1e-3 },
  );
});

test('composites: softmax, rmsNorm, layerNorm, silu, gelu', async () => {
  await gradcheck((g) => {
    const x = randomInput(g, 'x', [2, 5], r);
    const w = randomInput(g, 'w', [5], r, 0.1, 1);
    const b = randomInput(g, 'b', [5], r, 0.1);
    const y = G.add(
      G.add(G.softmax(G.mul(x.tensor, 2)), G.rmsNorm(x.tensor, w.tensor, 1e-5)),
      G.add(G.layerNorm(x.tensor, w.tensor, b.tensor, 1e-5), G.add(G.silu(x.tensor), G.geluTanh(x.tensor))),
    );
    return { inputs: [x, w, b], y };
  });
});

// onnxruntime has no float64 Erf kernel: checked in float32 with a step and tolerance to match
test('erf and exact gelu (float32)', async () => {
  await gradcheck(
    (g) => {
      const x = randomInput(g, 'x', [2, 5], r);
      const x32 = G.cast(x.tensor, 'float32');
      return { inputs: [x], y: G.cast(G.add(G.erf(x32), G.geluErf(x32)), 'float64') };
    },
    { tol: 2e-3, h: 1e-2 },
  );
});

test('swiglu: g σ(g) u, the backward recomputing σ', async () => {
  await gradcheck((g) => {
    const a = randomInput(g, 'a', [2, 5], r, 2);
    const u = randomInput(g, 'u', [2, 5], r);
    return { inputs: [a, u], y: G.swiglu(a.tensor, u.tensor) };
  });
});

test('attend with a soft cap: its VJP against finite differences', async () => {
  await gradcheck((g) => {
    const q = randomInput(g, 'q', [1, 1, 2, 3, 4], r, 2);
    const kT = randomInput(g, 'kT', [1, 1, 1, 4, 3], r, 2);
    const v = randomInput(g, 'v', [1, 1, 1, 3, 4], r);
    const mask = G.lessOrEqual(g.constant([0, 1, 2], [1, 3], 'int64'), g.constant([0, 1, 2], [3, 1], 'int64'));
    return { inputs: [q, kT, v], y: G.attend(q.tensor, kT.tensor, v.tensor, mask, 0.5, -1e9, 0.7).out };
  });
});

test('attend: masked attention with grouped heads, the backward recomputing the probabilities', async () => {
  await gradcheck((g) => {
    // (1, Hkv 2, G 2, S 3, Dh 4) queries against K = 5 keys, key/values broadcast over G
    const q = randomInput(g, 'q', [1, 2, 2, 3, 4], r);
    const kT = randomInput(g, 'kT', [1, 2, 1, 4, 5], r);
    const v = randomInput(g, 'v', [1, 2, 1, 5, 4], r);
    const keyPos = g.constant([0, 1, 2, 3, 4], [1, 5], 'int64');
    const queryPos = g.constant([2, 3, 4], [3, 1], 'int64');
    const { probs, out } = G.attend(q.tensor, kT.tensor, v.tensor, G.lessOrEqual(keyPos, queryPos), 0.5, -1e9);
    // the probabilities output is the forward pass's own (no gradient of its own): use only `out` for y
    assert.deepEqual(probs.shape, [1, 2, 2, 3, 5]);
    return { inputs: [q, kT, v], y: out };
  });
});

for (const cap of [null, 0.3]) {
  test(
    `attend equals the composed softmax(where(mask, softcap(q kT · scale), fill)) v, in value and ` +
      `gradient (cap ${cap})`,
    async () => {
      // cap · tanh(x / cap): 0.3 is below the scores' size, so the capping bends them
      const softcap = (x: G.Tensor) => (cap === null ? x : G.mul(G.tanh(G.mul(x, 1 / cap)), cap));
      const build = (composed: boolean) => (g: G.Graph) => {
        const q = randomInput(g, 'q', [1, 1, 2, 3, 4], seeded(5));
        const kT = randomInput(g, 'kT', [1, 1, 1, 4, 3], seeded(6));
        const v = randomInput(g, 'v', [1, 1, 1, 3, 4], seeded(7));
        const mask = G.lessOrEqual(g.constant([0, 1, 2], [1, 3], 'int64'), g.constant([0, 1, 2], [3, 1], 'int64'));
        const fill = g.scalar(-1e9);
        const y = composed
          ? G.matmul(G.softmax(G.where(mask, softcap(G.mul(G.matmul(q.tensor, kT.tensor), 0.25)), fill)), v.tensor)
          : G.attend(q.tensor, kT.tensor, v.tensor, mask, 0.25, -1e9, cap).out;
        return { inputs: [q, kT, v], y };
      };
      const run = async (composed: boolean) => {
        const g = new G.Graph('float64');
        const { inputs, y } = build(composed)(g);
        const seed = g.input('seed', [1, ...(y.shape as number[])]);
        const grads = G.grad(
          y,
          inputs.map((i) => i.tensor),
          seed,
        );
        const session = await createSession(
          G.emitModel(g, [{ name: 'y', tensor: y }, ...grads.map((d, k) => ({ name: `d${k}`, tensor: d! }))]),
          { threads: 1, optimization: 'basic' },
        );
        const feeds: Record<string, ort.Tensor> = {
          seed: f64(
            Float64Array.from({ length: 24 }, (_, i) => Math.cos(i)),
            [1, 1, 1, 2, 3, 4],
          ),
        };
        inputs.forEach(
          (i) => (feeds[(i.tensor.attrs as { name: string }).name] = f64(i.values, i.tensor.shape as number[])),
        );
        const out = await session.run(feeds);
        return ['y', 'd0', 'd1', 'd2'].map((n) => Array.from(out[n].data as Float64Array));
      };
      const [a, b] = [await run(false), await run(true)];
      a.forEach((xs, k) =>
        xs.forEach((x, i) => assert.ok(Math.abs(x - b[k][i]) < 1e-12, `output ${k}[${i}]: ${x} vs ${b[k][i]}`)),
      );
    },
  );
}

test('linearRowBlocks: x W^T over row blocks equals the unblocked product, and its gradients check', async () => {
  await gradcheck((g) => {
    const x = randomInput(g, 'x', [1, 3, 4], r);
    const w0 = randomInput(g, 'w0', [2, 4], r);
    const w1 = randomInput(g, 'w1', [3, 4], r);
    const blocked = G.linearRowBlocks(x.tensor, [w0.tensor, w1.tensor]);
    assert.deepEqual(blocked.shape, [1, 3, 5]);
    // blocked minus unblocked is 0 in value: y = blocked + (blocked - unblocked)²
    const diff = G.sub(blocked, G.linear(x.tensor, G.concat([w0.tensor, w1.tensor], 0)));
    return { inputs: [x, w0, w1], y: G.add(blocked, G.mul(diff, diff)) };
  });
});

test('apart: the value itself, gradient passed through, for every salt', async () => {
  await gradcheck((g) => {
    const x = randomInput(g, 'x', [2, 3], r);
    const parts = [0, 1, 2, 3, 4, 5].map((salt) => G.mul(G.apart(x.tensor, salt), salt + 1));
    return {
      inputs: [x],
      y: G.mul(
        parts.reduce((a, b) => G.add(a, b)),
        x.tensor,
      ),
    };
  });
  const g = new G.Graph('float64');
  assert.throws(() => G.apart(g.input('x', [2, 3]), 6), /salt 6/);
});

test('argMax: the first index of the maximum, as int64 without the axis', async () => {
  const g = new G.Graph('float32');
  const x = g.input('x', [3, 5]);
  const session = await createSession(G.emitModel(g, [{ name: 'i', tensor: G.argMax(x, -1) }]), { threads: 1 });
  const values = [1, 7, 3, 7, 0, -2, -1, -5, -1, -3, 0, 0, 0, 0, 0]; // ties: first one wins
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(values), [3, 5]) });
  assert.deepEqual(out.i.dims, [3]);
  assert.deepEqual(Array.from(out.i.data as BigInt64Array, Number), [1, 1, 0]);
});

test('topKMask: exactly k per row at the largest entries; nonZeroIndices: where a vector is true', async () => {
  const g = new G.Graph('float32');
  const x = g.input('x', [3, 5]);
  const mask = G.topKMask(x, 2);
  const column = G.nonZeroIndices(G.reshape(G.slice(mask, -1, 1, 2), [3]), 2 / 5);
  const session = await createSession(
    G.emitModel(g, [
      { name: 'm', tensor: G.cast(mask, 'int64') },
      { name: 'i', tensor: column },
    ]),
    { threads: 1 },
  );
  const values = [1, 7, 3, 6, 0, -2, -1, -5, -1.5, -3, 0.5, 0.2, 0.9, 0.1, 0.4];
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(values), [3, 5]) });
  assert.deepEqual(Array.from(out.m.data as BigInt64Array, Number), [0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0]);
  assert.deepEqual(Array.from(out.i.data as BigInt64Array, Number), [0, 1]); // column 1 is chosen in rows 0 and 1
  // no rows at all (the idle part of a graph is fed empty tensors): an empty mask, no crash
  const g2 = new G.Graph('float32');
  const rows = g2.input('x', [1, 'S', 5]);
  const empty = await createSession(G.emitModel(g2, [{ name: 'm', tensor: G.cast(G.topKMask(rows, 2), 'int64') }]), {
    threads: 1,
  });
  assert.deepEqual(
    (await empty.run({ x: new ort.Tensor('float32', new Float32Array(0), [1, 0, 5]) })).m.dims,
    [1, 0, 5],
  );
});

test('a routed mixture: gradients through takeRows, putRows and the routing weights, not the choice', async () => {
  const E = 3;
  await gradcheck(
    (g) => {
      const x = randomInput(g, 'x', [1, 6, 4], r);
      const router = randomInput(g, 'router', [E, 4], r);
      const experts = [0, 1, 2].map((e) => randomInput(g, `w${e}`, [5, 4], r, 0.5));
      const logits = G.linear(x.tensor, router.tensor); // (1, 6, E)
      const chosen = G.topKMask(logits, 2);
      const masked = G.where(chosen, G.softmax(logits), g.scalar(0));
      const weights = G.div(masked, G.reduceSum(masked, [-1], true));
      let y: G.Tensor | null = null;
      for (let e = 0; e < E; e++) {
        const idx = G.nonZeroIndices(G.reshape(G.slice(chosen, -1, e, e + 1), [6]), 2 / 3);
        const out = G.tanh(G.linear(G.takeRows(x.tensor, idx, 1), experts[e].tensor)); // (1, n, 5)
        const part = G.putRows(G.mul(out, G.takeRows(G.slice(weights, -1, e, e + 1), idx, 1)), idx, 1, [1, 6, 5]);
        y = y ? G.add(y, part) : part;
      }
      return { inputs: [x, router, ...experts], y: y! };
    },
    { batch: 3, h: 1e-6, tol: 1e-6 },
  );
});

test('putRows: rows put along the first, a middle and the last axis, none at all, symbolic dims', async () => {
  const shape = [2, 5, 3];
  for (const axis of [0, 1, 2]) {
    for (const at of [[1], [0, 3, 4].filter((i) => i < shape[axis]), []]) {
      const g = new G.Graph('float32');
      const rowsShape = shape.map((d, i) => (i === axis ? 'n' : d));
      const u = g.input('u', rowsShape);
      const idx = g.input('idx', ['n'], 'int64');
      const out = G.putRows(u, idx, axis, shape);
      const session = await createSession(G.emitModel(g, [{ name: 'y', tensor: out }]), { threads: 1 });
      const dims = shape.map((d, i) => (i === axis ? at.length : d));
      const values = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i + 1);
      const y = await session.run({
        u: new ort.Tensor('float32', values, dims),
        idx: new ort.Tensor('int64', BigInt64Array.from(at.map(BigInt)), [at.length]),
      });
      assert.deepEqual(y.y.dims, shape);
      // reference: every position of the output, from the row of u it came from or 0
      const want = new Float32Array(shape[0] * shape[1] * shape[2]);
      for (let a = 0; a < shape[0]; a++)
        for (let b = 0; b < shape[1]; b++)
          for (let c = 0; c < shape[2]; c++) {
            const pos = [a, b, c];
            const row = at.indexOf(pos[axis]);
            if (row < 0) continue;
            pos[axis] = row;
            want[(a * shape[1] + b) * shape[2] + c] = values[(pos[0] * dims[1] + pos[1]) * dims[2] + pos[2]];
          }
      assert.deepEqual(Array.from(y.y.data as Float32Array), Array.from(want), `axis ${axis}, rows ${at}`);
    }
  }
});
