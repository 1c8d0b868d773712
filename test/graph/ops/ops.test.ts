// Every primitive's VJP against float64 central differences (see ../gradcheck.ts), including broadcasting
// and the batch of cotangents.
import { test } from 'node:test';
import * as G from '../../../src/graph';
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
    const parts = [G.neg(x.tensor), G.exp(x.tensor), G.log(p.tensor), G.sqrt(p.tensor), G.tanh(x.tensor), G.sigmoid(x.tensor), G.sin(x.tensor), G.cos(x.tensor)];
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
