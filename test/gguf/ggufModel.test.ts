// GGUF files explained end to end: random llama, qwen2 and qwen3 models written as llama.cpp lays them out, in
// every type we read (weights quantized by ggml itself), opened as checkpoints and run by the engine (weights
// widened block by block inside the graph); probabilities and gradient x input against the float64 reference
// by finite differences on the very values the file holds (dequantized by ggml, in Hugging Face's row order).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LensModel } from '../../src/runtime/lensModel';
import { openCheckpoint } from '../../src/runtime/openCheckpoint';
import { naiveAttributionFD } from '../reference/naiveTransformer';
import { writeRandomGguf, type RandomGgufOptions } from '../helpers/randomGguf';
import { relErr } from '../helpers/relativeError';

const root = mkdtempSync(join(tmpdir(), 'lens-gguf-model-'));
after(() => rmSync(root, { recursive: true, force: true }));

const cases: [string, RandomGgufOptions][] = [
  // q/k rows interleaved by the converter; every K-quant and legacy type on some matrix; Q6_K head
  [
    'llama, K-quants and legacy types, untied',
    {
      arch: 'llama',
      seed: 21,
      types: {
        'q_proj.weight': 'Q4_K',
        'k_proj.weight': 'Q5_K',
        'v_proj.weight': 'Q6_K',
        'o_proj.weight': 'Q4_0',
        'gate_proj.weight': 'Q4_1',
        'up_proj.weight': 'Q5_0',
        'down_proj.weight': 'Q5_1',
        'embed_tokens.weight': 'Q8_0',
        'lm_head.weight': 'Q6_K',
      },
    },
  ],
  // q/k/v biases (F32), F16 and BF16 matrices, a Q4_K embedding that is also the head (tied)
  [
    'qwen2, biases, F16 and BF16, tied',
    {
      arch: 'qwen2',
      seed: 22,
      tie: true,
      types: { 'down_proj.weight': 'F16', 'up_proj.weight': 'BF16', 'embed_tokens.weight': 'Q4_K' },
    },
  ],
  // Llama 3.1's rope scaling as the converter writes it: a divisor per frequency (1 for short wavelengths, 8 for long)
  [
    'llama, rope_freqs.weight (Llama 3.1)',
    {
      arch: 'llama',
      seed: 24,
      ropeFactors: Array.from({ length: 32 }, (_, i) =>
        i < 8 ? 1 : i >= 24 ? 8 : 1 / ((1 - (i - 8) / 16) / 8 + (i - 8) / 16),
      ),
      types: { 'proj.weight': 'Q8_0' },
    },
  ],
  // per-head q/k norms, an explicit head size (32, not 256 / 4), F32 and Q6_K matrices
  [
    'qwen3, q/k norms, head size 32',
    {
      arch: 'qwen3',
      seed: 23,
      headDim: 32,
      types: {
        'q_proj.weight': 'Q6_K',
        'k_proj.weight': 'F32',
        'gate_proj.weight': 'Q4_K',
        'embed_tokens.weight': 'Q5_K',
        'lm_head.weight': 'Q8_0',
      },
    },
  ],
];

for (const [name, options] of cases) {
  test(`${name}: as a checkpoint: probabilities, attribution match finite differences on its values`, async () => {
    const path = join(root, `${options.arch}-${options.seed}.gguf`);
    const written = writeRandomGguf(path, options);
    const ckpt = await openCheckpoint(path);
    assert.ok(ckpt.ok, ckpt.ok ? '' : `${ckpt.error.message} (${ckpt.error.hint})`);
    assert.deepEqual(ckpt.value.config, written.config);
    const model = await LensModel.load(ckpt.value, { threads: 1 });
    assert.ok(model.ok, model.ok ? '' : model.error.message);
    after(() => model.value.dispose());
    const prompt = await ckpt.value.tokenizer.encode('the heat in the tea');
    const promptIds = prompt.ids;
    const responseIds = [7, 70, 101, 262];
    const ref = naiveAttributionFD(written.config, written.weights, promptIds, responseIds);
    const got = await model.value.attribute(promptIds, responseIds);
    const pErr = relErr(got.probabilities, ref.probabilities);
    const aErr = relErr(got.attribution, ref.attribution);
    assert.ok(pErr <= 1e-3, `probabilities: relative error ${pErr}`);
    assert.ok(aErr <= 1e-2, `attribution: error ${aErr} of max |A|`);
    process.stdout.write(
      `# ${name}: probability rel. error ${pErr.toExponential(2)}, attribution error ${aErr.toExponential(2)}\n`,
    );
  });
}

test('one part of a split GGUF model is refused by name, with how to merge the parts', async () => {
  const { writeGguf, gv, f32Bytes } = await import('../helpers/ggufWriter');
  const path = join(root, 'model-00001-of-00002.gguf');
  writeGguf(
    path,
    {
      'general.architecture': gv.str('llama'),
      'split.no': { type: 'u16', value: 0 },
      'split.count': { type: 'u16', value: 2 },
      'split.tensors.count': { type: 'i32', value: 20 },
    },
    [{ name: 'token_embd.weight', ne: [4, 2], type: 0, data: f32Bytes(new Float32Array(8)) }],
  );
  const ck = await openCheckpoint(path);
  assert.ok(!ck.ok);
  assert.match(ck.error.message, /one part \(1 of 2\) of a split GGUF model/);
  assert.match(ck.error.hint, /llama-gguf-split --merge/);
});
