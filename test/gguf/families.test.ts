// Every family we read from GGUF, converted from a random Hugging Face checkpoint as llama.cpp's converter
// lays it out (test/helpers/hfToGguf.ts): the checkpoint the file implies; probabilities and gradient x input
// against the float64 reference on the file's values (quantized matrices); and the next-token probabilities
// llama.cpp itself gives for the same file (F32, so within its f16 KV cache: see llamaCpp.test.ts), which
// checks that we read the layout as llama.cpp does: names, norms, windows, rotations, experts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LensModel } from '../../src/runtime/lensModel';
import { openCheckpoint } from '../../src/runtime/openCheckpoint';
import { naiveAttributionFD } from '../reference/naiveTransformer';
import { convertToGguf } from '../helpers/hfToGguf';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';
import { llamaCppProbabilities, useLlamaCpp } from '../helpers/llamaCppReference';
import { relErr } from '../helpers/relativeError';

const root = mkdtempSync(join(tmpdir(), 'lens-gguf-families-'));
after(() => rmSync(root, { recursive: true, force: true }));

const llama = useLlamaCpp();

const base = { hiddenSize: 64, numHeads: 4, numKvHeads: 2, intermediateSize: 128 } as const;
const cases: [string, RandomCheckpointOptions][] = [
  [
    'gemma2: (1 + w) norms, four a layer, soft caps, a window of 3 on even layers',
    { family: 'gemma2', ...base, headDim: 32, slidingWindow: 3, attnSoftcap: 1.0, finalSoftcap: 2.0, seed: 31 },
  ],
  [
    'gemma3: q/k norms, pattern 2, two rotation bases, the global one scaled',
    {
      family: 'gemma3',
      ...base,
      numLayers: 4,
      headDim: 32,
      slidingWindow: 3,
      slidingWindowPattern: 2,
      ropeTheta: 1e6,
      ropeLocalBaseFreq: 10000,
      ropeScaling: { type: 'linear', factor: 2 },
      seed: 32,
    },
  ],
  [
    'phi3: fused q/k/v and gate/up, half of each head rotated, LongRoPE, its window ignored as llama.cpp does',
    {
      family: 'phi3',
      ...base,
      partialRotaryFactor: 0.5,
      slidingWindow: 3,
      maxPositions: 512,
      ropeScaling: {
        type: 'longrope',
        shortFactor: [1, 1.5, 2, 4],
        longFactor: [2, 3, 4, 8],
        originalMaxPositions: 256,
        attentionFactor: 0,
      },
      seed: 33,
    },
  ],
  ['olmo2: norms after each sublayer, q/k norms over the projection', { family: 'olmo2', ...base, seed: 34 }],
  [
    'qwen3moe: 4 experts, 2 a token, stacked, head size 32',
    { family: 'qwen3_moe', ...base, headDim: 32, experts: 4, expertsPerToken: 2, moeIntermediateSize: 64, seed: 35 },
  ],
  [
    'mixtral (llama with experts): q/k rows interleaved, stacked experts',
    { family: 'mixtral', ...base, experts: 4, expertsPerToken: 2, seed: 36 },
  ],
];

// a quantized file: every matrix in a block type whose rows fit 64- and 128-wide inputs
const QUANTIZED = {
  'embed_tokens.weight': 'Q8_0',
  'lm_head.weight': 'Q8_0',
  'proj.weight': 'Q8_0',
  'gate.weight': 'Q8_0',
  'w1.weight': 'Q4_1',
  'w2.weight': 'Q5_0',
  'w3.weight': 'Q5_1',
  'q_proj.weight': 'Q4_0',
  'down_proj.weight': 'Q5_0',
};

const response = [104, 101, 97, 116, 32, 116];

for (const [name, options] of cases) {
  test(`${name}: the checkpoint the file implies; probabilities, attribution match the float64 reference`, async () => {
    const ck = writeRandomCheckpoint(join(root, `${options.family}-${options.seed}`), options);
    const path = join(root, `${options.family}-${options.seed}-q.gguf`);
    const file = convertToGguf(ck, path, { types: QUANTIZED });
    const opened = await openCheckpoint(path);
    assert.ok(opened.ok, opened.ok ? '' : `${opened.error.message} (${opened.error.hint})`);
    assert.deepEqual(opened.value.config, file.config);
    const model = await LensModel.load(opened.value, { threads: 1 });
    assert.ok(model.ok, model.ok ? '' : model.error.message);
    after(() => model.value.dispose());
    const prompt = (await opened.value.tokenizer.encode('the heat in the tea')).ids;
    const ref = naiveAttributionFD(file.config, file.weights, prompt, response.slice(0, 4));
    const got = await model.value.attribute(prompt, response.slice(0, 4));
    const pErr = relErr(got.probabilities, ref.probabilities);
    const aErr = relErr(got.attribution, ref.attribution);
    assert.ok(pErr <= 1e-3, `probabilities: relative error ${pErr}`);
    assert.ok(aErr <= 1e-2, `attribution: error ${aErr} of max |A|`);
    process.stdout.write(
      `# ${file.arch} (${options.family}): probability rel. error ${pErr.toExponential(2)}, ` +
        `attribution error ${aErr.toExponential(2)}\n`,
    );
  });

  test(`${name}: next-token probabilities as llama.cpp gives them for the same F32 file, within 1e-2`, async () => {
    const ck = writeRandomCheckpoint(join(root, `${options.family}-${options.seed}-f`), options);
    const path = join(root, `${options.family}-${options.seed}-f32.gguf`);
    convertToGguf(ck, path);
    const opened = await openCheckpoint(path);
    assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
    const lens = await LensModel.load(opened.value, { threads: 1 });
    assert.ok(lens.ok, lens.ok ? '' : lens.error.message);
    const prompt = (await opened.value.tokenizer.encode('the heat in the tea')).ids;
    const ours = (await lens.value.attribute(prompt, response)).probabilities;
    lens.value.dispose();
    const theirs = await llamaCppProbabilities(llama(), path, prompt, response);
    const worst = Math.max(...response.map((_, m) => Math.abs(ours[m] - theirs[m]) / theirs[m]));
    assert.ok(worst <= 1e-2, `relative difference ${worst} (ours ${[...ours]}, llama.cpp ${theirs})`);
    process.stdout.write(`# ${options.family}: largest relative difference from llama.cpp ${worst.toExponential(2)}\n`);
  });
}
