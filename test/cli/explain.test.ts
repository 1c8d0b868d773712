// `explain` end to end through the bundled CLI: the JSON contract, and agreement of its probabilities and
// attribution with the independent float64 finite-difference oracle (test/reference) on random checkpoints.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadTokenizer } from '../../src/model/tokenizer';
import { writeRandomCheckpoint, type RandomCheckpointOptions } from '../helpers/randomCheckpoint';
import { naiveAttributionFD } from '../reference/naiveTransformer';
import { runCli } from './cliRunner';

const root = mkdtempSync(join(tmpdir(), 'lens-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const prompt = 'Define the word apple.';
const response = ' A round fruit.';

const cases: [string, RandomCheckpointOptions][] = [
  ['llama GQA f32', { family: 'llama', numHeads: 4, numKvHeads: 2, dtype: 'F32', seed: 21 }],
  ['qwen2 qkv-bias bf16', { family: 'qwen2', numHeads: 4, numKvHeads: 2, dtype: 'BF16', seed: 22 }],
  ['llama tied-embedding f16', { family: 'llama', tie: true, dtype: 'F16', seed: 23 }],
  [
    'gemma2 soft caps, (1 + w) norms, window on layer 0, f16',
    {
      family: 'gemma2',
      numHeads: 4,
      numKvHeads: 2,
      headDim: 12,
      slidingWindow: 3,
      attnSoftcap: 1.0,
      finalSoftcap: 2.0,
      queryPreAttnScalar: 20,
      dtype: 'F16',
      seed: 26,
    },
  ],
  [
    'gemma3 multimodal layout, q/k norms, two rotations',
    {
      family: 'gemma3',
      multimodal: true,
      numHeads: 4,
      numKvHeads: 2,
      headDim: 12,
      slidingWindow: 3,
      slidingWindowPattern: 2,
      ropeTheta: 1000,
      ropeLocalBaseFreq: 10,
      seed: 27,
    },
  ],
  [
    'phi3 longrope beyond an original context of 8, partial rotary',
    {
      family: 'phi3',
      numHeads: 4,
      numKvHeads: 2,
      partialRotaryFactor: 0.5,
      maxPositions: 128,
      ropeScaling: {
        type: 'longrope',
        shortFactor: [1, 2],
        longFactor: [3, 7],
        originalMaxPositions: 8,
        attentionFactor: 0,
      },
      seed: 29,
    },
  ],
  [
    'phi3 fused projections, partial rotary, bf16',
    { family: 'phi3', numHeads: 4, numKvHeads: 2, partialRotaryFactor: 0.75, dtype: 'BF16', seed: 28 },
  ],
  [
    'olmo2 post-sublayer norms, q/k norm over the projection',
    { family: 'olmo2', numHeads: 4, numKvHeads: 2, seed: 25 },
  ],
  [
    'mixtral 4 experts, 2 a token, window 3',
    { family: 'mixtral', numHeads: 4, numKvHeads: 2, experts: 4, expertsPerToken: 2, slidingWindow: 3, seed: 30 },
  ],
  [
    'qwen3_moe 5 experts, 3 a token, unnormalised, layer 0 dense, f16',
    {
      family: 'qwen3_moe',
      numLayers: 3,
      numHeads: 4,
      numKvHeads: 2,
      headDim: 12,
      experts: 5,
      expertsPerToken: 3,
      moeIntermediateSize: 24,
      normTopkProb: false,
      mlpOnlyLayers: [0],
      dtype: 'F16',
      seed: 31,
    },
  ],
  [
    'qwen3 q/k norm, head_dim 12, window on layer 1, bf16',
    {
      family: 'qwen3',
      numHeads: 4,
      numKvHeads: 2,
      headDim: 12,
      slidingWindow: 3,
      maxWindowLayers: 1,
      dtype: 'BF16',
      seed: 24,
    },
  ],
];

for (const [name, options] of cases) {
  test(`${name}: CLI probabilities and attribution agree with float64 finite differences`, async () => {
    const ck = writeRandomCheckpoint(join(root, name.replace(/\W+/g, '-')), { ...options, maxPositions: 128 });
    const out = join(root, `${name.replace(/\W+/g, '-')}.json`);
    // the plain prompt (the random checkpoints have a chat template, which auto would apply)
    const run = runCli([
      'explain',
      '--model',
      ck.dir,
      '--prompt',
      prompt,
      '--response',
      response,
      '--chat',
      'off',
      '--json',
      out,
    ]);
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(readFileSync(out, 'utf8'));

    // ids exactly as the checkpoint's tokenizer gives them (BOS from the post-processor)
    const tok = await loadTokenizer(ck.dir);
    assert.ok(tok.ok);
    const promptEnc = await tok.value.encode(prompt, { addSpecialTokens: true });
    const responseEnc = await tok.value.encode(response, { addSpecialTokens: false });
    assert.deepEqual(
      json.prompt_tokens.map((t: { id: number }) => t.id),
      promptEnc.ids,
    );
    assert.deepEqual(
      json.response_tokens.map((t: { id: number }) => t.id),
      responseEnc.ids,
    );
    for (const t of json.prompt_tokens)
      if (!t.special) assert.equal(prompt.slice(t.start, t.end).length, t.end - t.start);
    assert.equal(json.prompt_tokens[0].special, true);
    assert.equal(json.density[0], null);

    const ref = naiveAttributionFD(ck.config, ck.weights, promptEnc.ids, responseEnc.ids);
    const M = responseEnc.ids.length;
    let pErr = 0;
    json.probabilities.forEach(
      (p: number, m: number) => (pErr = Math.max(pErr, Math.abs(p - ref.probabilities[m]) / ref.probabilities[m])),
    );
    let aErr = 0;
    let aMax = 0;
    json.attribution.forEach((row: number[], n: number) =>
      row.forEach((a, m) => {
        aErr = Math.max(aErr, Math.abs(a - ref.attribution[n * M + m]));
        aMax = Math.max(aMax, Math.abs(ref.attribution[n * M + m]));
      }),
    );
    console.log(
      `# ${name}: probability rel. error ${pErr.toExponential(2)}, attribution error ` +
        `${(aErr / aMax).toExponential(2)} (of max |A| ${aMax.toExponential(2)})`,
    );
    assert.ok(pErr <= 1e-3, `probability relative error ${pErr}`);
    assert.ok(aErr / aMax <= 1e-2, `attribution error ${aErr / aMax}`);
    for (const key of [
      'model',
      'prompt_tokens',
      'response_tokens',
      'probabilities',
      'attribution',
      'density',
      'timing',
    ])
      assert.ok(key in json, key);
    assert.deepEqual(Object.keys(json.timing).sort(), ['attribution', 'generation', 'load']);
  });
}

test('generation: the response is the greedy continuation and the text output shows it', () => {
  const ck = writeRandomCheckpoint(join(root, 'gen'), { family: 'gpt2', seed: 24 });
  const out = join(root, 'gen.json');
  const run = runCli(['explain', '--model', ck.dir, '--prompt', prompt, '--max-new-tokens', '4', '--json', out]);
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8'));
  assert.ok(json.response_tokens.length >= 1 && json.response_tokens.length <= 4);
  assert.match(run.stdout, /prompt \(shaded by importance density\)/);
  assert.match(run.stdout, /response \(\d+ tokens\)/);
});

test("text beyond ASCII on the embedded pair: every output shows characters, not the tokenizer's alphabet", () => {
  // the embedded pair's small byte-level vocabulary splits é, 🦩 and 龘 over several tokens
  const text = 'Spell the word café, not 龘.';
  const answer = ' café 🦩.';
  const out = join(root, 'beyond-ascii.json');
  const html = join(root, 'beyond-ascii.html');
  const run = runCli(['explain', '--prompt', text, '--response', answer, '--json', out, '--html', html]);
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8'));
  type Token = { text: string; special: boolean; continuation: boolean };
  const own = json.prompt_tokens.filter((t: Token) => !t.special);
  assert.equal(own.map((t: Token) => t.text).join(''), text);
  assert.equal(json.response_tokens.map((t: Token) => t.text).join(''), answer);
  assert.ok(own.some((t: Token) => t.continuation) && json.response_tokens.some((t: Token) => t.continuation));
  for (const t of [...json.prompt_tokens, ...json.response_tokens] as Token[])
    if (t.continuation) assert.equal(t.text, '');
  // bytes of é as byte-level BPE writes them ("Ã©"), of 🦩 ("ðŁ¦©") and a word-start "Ġ"
  const alphabet = /Ã|ð|Ł|Ġ|é¾/;
  assert.doesNotMatch(run.stdout, alphabet);
  assert.match(run.stdout, /café/);
  const report = readFileSync(html, 'utf8');
  assert.doesNotMatch(report, alphabet);
  assert.match(report, /🦩/);
});

test('--prompt-file reads the prompt from a file', () => {
  const ck = writeRandomCheckpoint(join(root, 'file'), { family: 'llama', seed: 25 });
  const file = join(root, 'prompt.txt');
  writeFileSync(file, 'List three fruits.\n');
  const out = join(root, 'file.json');
  const run = runCli(['explain', '--model', ck.dir, '--prompt-file', file, '--max-new-tokens', '2', '--json', out]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).prompt, 'List three fruits.\n');
});

test('instruction spans: given with --instruction, or detected; mask and importance follow the definition', () => {
  const ck = writeRandomCheckpoint(join(root, 'instr'), { family: 'llama', seed: 26 });
  const text = 'Define the word apple. Input: "apple"';
  const run = (extra: string[]) => {
    const out = join(root, `instr-${extra.length}.json`);
    const r = runCli([
      'explain',
      '--model',
      ck.dir,
      '--prompt',
      text,
      '--max-new-tokens',
      '3',
      '--json',
      out,
      ...extra,
    ]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(readFileSync(out, 'utf8'));
  };
  const given = run(['--instruction', 'Define the word']);
  assert.deepEqual(given.instruction_spans, [{ start: 0, end: 15, text: 'Define the word', source: 'user' }]);
  given.prompt_tokens.forEach((t: { start: number; end: number; special: boolean }, n: number) => {
    const inside = !t.special && [...text.slice(t.start, t.end)].some((c, k) => c.trim() !== '' && t.start + k < 15);
    assert.equal(given.instruction_mask[n], inside, `token ${n}`);
  });
  // importance recomputed here from the JSON's own density and mask
  const dens: (number | null)[] = given.density;
  const max = Math.max(...dens.filter((d): d is number => d !== null));
  const idx = dens.map((_, n) => n).filter((n) => given.instruction_mask[n] && dens[n] !== null);
  const want = idx.reduce((s, n) => s + (max > 0 ? dens[n]! / max : 0), 0) / Math.log2(2 + idx.length);
  assert.ok(Math.abs(given.instruction_importance - want) < 1e-12);

  const detected = run([]);
  assert.deepEqual(
    detected.instruction_spans.map((s: { text: string; source: string }) => [s.text, s.source]),
    [['Define the word apple.', 'detected']],
  );
});
