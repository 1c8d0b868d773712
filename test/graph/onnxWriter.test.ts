// One ONNX writer and one session cache: the DSL's models and the kernels' node lists come out with the same
// wrapper, nothing else in src/ encodes a ModelProto or opens a session, and the cache hands back one session
// per graph and options.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { emitModel, Graph, linear } from '../../src/graph';
import { modelBytes, node, OPSET, T, value } from '../../src/graph/onnxWriter';
import { cachedSession, f32, kernelSession } from '../../src/runtime/onnxSession';

const ROOT = join(__dirname, '..', '..');

function wrapper(bytes: Uint8Array) {
  const m = onnx.ModelProto.decode(bytes);
  return {
    irVersion: Number(m.irVersion),
    producerName: m.producerName,
    opsetImport: m.opsetImport.map((o) => ({ domain: o.domain, version: Number(o.version) })),
  };
}

const identity = () =>
  modelBytes({
    name: 'identity',
    input: [value('x', T.FLOAT, ['n'])],
    output: [value('y', T.FLOAT, ['n'])],
    node: [node('Identity', ['x'], ['y'])],
  });

test('the DSL and a node list get the same model wrapper', () => {
  const g = new Graph('float32');
  const dsl = emitModel(g, [{ name: 'y', tensor: linear(g.input('x', ['n', 4]), g.input('w', ['m', 4])) }]);
  assert.deepEqual(wrapper(dsl), wrapper(identity()));
  assert.deepEqual(wrapper(dsl).opsetImport, [{ domain: '', version: OPSET }]);
  assert.equal(onnx.ModelProto.decode(identity()).graph!.node![0].opType, 'Identity');
});

test('only the writer encodes a ModelProto and only onnxSession.ts opens sessions', () => {
  const where = (pattern: string) =>
    execFileSync('git', ['grep', '-l', '-F', pattern, '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(where('ModelProto.encode'), ['src/graph/onnxWriter.ts']);
  assert.deepEqual(where('InferenceSession.create'), ['src/runtime/onnxSession.ts']);
  assert.deepEqual(where('Promise<ort.InferenceSession>>'), ['src/runtime/onnxSession.ts']);
});

test('the session cache: one session per graph and options', async () => {
  let builds = 0;
  const build = () => {
    builds++;
    return identity();
  };
  const a = cachedSession('test-identity', build, { threads: 1 });
  assert.equal(cachedSession('test-identity', build, { threads: 1 }), a);
  assert.notEqual(cachedSession('test-identity', build, { threads: 2 }), a);
  assert.notEqual(kernelSession('test-identity', build, 1), a, 'a kernel session does not spin: other options');
  assert.equal(builds, 3);
  const out = await (await a).run({ x: f32([1, 2, 3], [3]) });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [1, 2, 3]);
});
