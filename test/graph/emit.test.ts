// emitModel's node order (sorted by depth, which steers onnxruntime's execution order) and the nodes that
// must stay apart in onnxruntime's common-subexpression elimination (recasts of one weight per salt).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import * as G from '../../src/graph';
import { createSession, f32 } from '../../src/runtime/onnxSession';

function decode(bytes: Uint8Array): onnx.IGraphProto {
  return onnx.ModelProto.decode(bytes).graph!;
}

test('nodes are listed in a topological order by depth: a side branch before the long chain it meets', async () => {
  const g = new G.Graph('float32');
  const x = g.input('x', [2, 3]);
  const w = g.input('w', [2, 3]);
  const chain = G.tanh(G.tanh(G.tanh(G.tanh(x))));
  // a plain post-order names the chain (the Add's last input) first and the Exp after it
  const y = G.add(G.exp(w), G.mul(chain, chain));
  const bytes = G.emitModel(g, [{ name: 'y', tensor: y }]);
  const nodes = decode(bytes).node!;
  const produced = new Map<string, number>();
  nodes.forEach((n, i) => n.output!.forEach((o) => produced.set(o, i)));
  nodes.forEach((n, i) =>
    n.input!.forEach((inp) =>
      assert.ok((produced.get(inp) ?? -1) < i, `${n.opType} at ${i} reads ${inp} produced later`),
    ),
  );
  // at the Add, the side branch's producer comes before the chain's, so the runtime's walk (inputs entered
  // from the highest index down) runs the chain first and the Exp right before the Add
  const at = (op: string) => nodes.findIndex((n) => n.opType === op);
  assert.ok(at('Exp') < at('Mul'), `Exp at ${at('Exp')}, Mul at ${at('Mul')}`);
  // and the runtime takes it
  const session = await createSession(bytes, { threads: 1 });
  const out = await session.run({ x: f32([0, 1, 2, 3, 4, 5], [2, 3]), w: f32([0, 0, 0, 1, 1, 1], [2, 3]) });
  const t = (v: number) => Math.tanh(Math.tanh(Math.tanh(Math.tanh(v))));
  Array.from(out.y.data as Float32Array).forEach((v, i) =>
    assert.ok(Math.abs(v - (t(i) ** 2 + Math.exp(i < 3 ? 0 : 1))) < 1e-6),
  );
});

test('recasts of one weight with different salts are different nodes (never merged), same value', async () => {
  const g = new G.Graph('float32');
  const data = new Uint16Array([0x3f80, 0x4000, 0xc040, 0x3e80, 0x0000, 0x4120]); // bf16 1, 2, -3, 0.25, 0, 10
  const w = g.weight('w', [2, 3], 'bfloat16', { data });
  const recasts = [0, 1, 2, 3, 4, 5].map((salt) => G.recast(w, 'float32', salt));
  const outputs = recasts.map((t, k) => ({ name: `r${k}`, tensor: t }));
  const bytes = G.emitModel(g, outputs);
  const nodes = decode(bytes).node!;
  // each recast is Reshape -> Cast; the Reshapes differ in their shape input or allowzero
  const reshapes = nodes
    .filter((n) => n.opType === 'Reshape')
    .map((n) => `${n.input![1]}|${(n.attribute ?? []).map((a) => `${a.name}=${a.i}`).join()}`);
  assert.equal(reshapes.length, 6);
  assert.equal(new Set(reshapes).size, 6, reshapes.join(' '));
  const session = await createSession(bytes, { threads: 1 });
  const out = await session.run({});
  for (let k = 0; k < 6; k++) assert.deepEqual(Array.from(out[`r${k}`].data as Float32Array), [1, 2, -3, 0.25, 0, 10]);
});
