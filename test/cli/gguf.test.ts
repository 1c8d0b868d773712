// Every command on GGUF files through the bundled CLI: explain (agreeing with the float64 reference on the
// values the file holds), explain with the file's chat template, heads, concepts, compare of two GGUF files,
// and batch.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openCheckpoint } from '../../src/runtime/openCheckpoint';
import { writeRandomGguf } from '../helpers/randomGguf';
import { naiveAttributionFD } from '../reference/naiveTransformer';
import { runCli } from './cliRunner';

const root = mkdtempSync(join(tmpdir(), 'lens-cli-gguf-'));
after(() => rmSync(root, { recursive: true, force: true }));

const TEMPLATE =
  "{% for m in messages %}<|user|>{{ m['content'] }}<|eot|>{% endfor %}{% if " +
  'add_generation_prompt %}<|user|>{% endif %}';
const llamaPath = join(root, 'llama-q4k.gguf');
const llama = writeRandomGguf(llamaPath, {
  arch: 'llama',
  seed: 41,
  chatTemplate: TEMPLATE,
  types: {
    'q_proj.weight': 'Q4_K',
    'k_proj.weight': 'Q4_K',
    'v_proj.weight': 'Q6_K',
    'down_proj.weight': 'Q6_K',
    'gate_proj.weight': 'Q4_K',
    'up_proj.weight': 'Q4_K',
    'embed_tokens.weight': 'Q4_K',
    'lm_head.weight': 'Q6_K',
  },
});
const prompt = 'Define the word apple.';
const response = ' A round fruit.';

test('explain --model FILE.gguf: probabilities and attribution agree with float64 finite differences', async () => {
  const out = join(root, 'explain.json');
  const run = runCli([
    'explain',
    '--model',
    llamaPath,
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
  const ck = await openCheckpoint(llamaPath);
  assert.ok(ck.ok);
  const promptIds = (await ck.value.tokenizer.encode(prompt)).ids;
  const responseIds = (await ck.value.tokenizer.encode(response, { addSpecialTokens: false })).ids;
  assert.deepEqual(
    json.prompt_tokens.map((t: { id: number }) => t.id),
    promptIds,
  );
  assert.equal(json.prompt_tokens[0].special, true); // BOS, as add_bos_token says
  assert.equal(
    json.prompt_tokens
      .filter((t: { special: boolean }) => !t.special)
      .map((t: { text: string }) => t.text)
      .join(''),
    prompt,
  );
  const ref = naiveAttributionFD(llama.config, llama.weights, promptIds, responseIds);
  json.probabilities.forEach((p: number, m: number) =>
    assert.ok(
      Math.abs(p - ref.probabilities[m]) <= 1e-3 * ref.probabilities[m],
      `p[${m}] ${p} against ${ref.probabilities[m]}`,
    ),
  );
  let aMax = 0;
  let aErr = 0;
  json.attribution.forEach((row: number[], n: number) =>
    row.forEach((a, m) => {
      aMax = Math.max(aMax, Math.abs(ref.attribution[n * responseIds.length + m]));
      aErr = Math.max(aErr, Math.abs(a - ref.attribution[n * responseIds.length + m]));
    }),
  );
  assert.ok(aErr <= 1e-2 * aMax, `attribution error ${aErr} of ${aMax}`);
  assert.equal(json.model.path, llamaPath);
});

test('explain --estimate on a GGUF file says what its figures leave out', () => {
  const run = runCli([
    'explain',
    '--model',
    llamaPath,
    '--prompt',
    prompt,
    '--response',
    response,
    '--chat',
    'off',
    '--estimate',
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(
    run.stdout,
    /note {6}a GGUF file's weights are widened from their blocks at each use, which these figures do not count/,
  );
});

test('explain with the chat template the file carries', () => {
  const out = join(root, 'chat.json');
  const run = runCli([
    'explain',
    '--model',
    llamaPath,
    '--prompt',
    prompt,
    '--response',
    response,
    '--chat',
    'on',
    '--json',
    out,
  ]);
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8'));
  const specials = json.prompt_tokens
    .filter((t: { special: boolean }) => t.special)
    .map((t: { text: string }) => t.text);
  // as transformers' apply_chat_template: the template writes the specials (this one no BOS), the tokenizer adds none
  assert.deepEqual(specials, ['<|user|>', '<|eot|>', '<|user|>']);
});

test('heads and concepts on a GGUF file', () => {
  const headsOut = join(root, 'heads.json');
  const heads = runCli(['heads', '--model', llamaPath, '--top', '3', '--json', headsOut]);
  assert.equal(heads.status, 0, heads.stderr);
  const h = JSON.parse(readFileSync(headsOut, 'utf8'));
  assert.equal(h.model.architecture, 'llama (GGUF)');
  assert.deepEqual(
    h.layers.map((l: { heads: unknown[] }) => l.heads.length),
    [4, 4],
  );
  const conceptsOut = join(root, 'concepts.json');
  const concepts = runCli(['concepts', '--model', llamaPath, '--components', '3', '--top', '4', '--json', conceptsOut]);
  assert.equal(concepts.status, 0, concepts.stderr);
  const c = JSON.parse(readFileSync(conceptsOut, 'utf8'));
  assert.equal(c.layers.length, 2);
  assert.ok(
    c.layers.every((l: { converged: boolean; components: unknown[] }) => l.converged && l.components.length === 3),
  );
});

test('compare two GGUF files, and batch over a GGUF file', () => {
  const other = join(root, 'llama-q8.gguf');
  writeRandomGguf(other, { arch: 'llama', seed: 42, chatTemplate: TEMPLATE });
  const out = join(root, 'compare.json');
  const run = runCli(
    [
      'compare',
      '--base',
      other,
      '--tuned',
      llamaPath,
      '--prompt',
      prompt,
      '--max-new-tokens',
      '3',
      '--components',
      '3',
      '--no-chat',
      '--json',
      out,
    ],
    120_000,
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /difference \(tuned - base\)/);
  const dataset = join(root, 'd.tsv');
  writeFileSync(
    dataset,
    'ID\tPrompt\tResponse\tInstruct&Context\na1\tDefine the word apple.\t\tDefine the word ' +
      'apple.\na2\tName two fruits.\tApple, pear.\t\n',
  );
  const batchOut = join(root, 'batch');
  const batch = runCli(
    ['batch', '--model', llamaPath, '--dataset', dataset, '--out', batchOut, '--max-new-tokens', '3', '--chat', 'off'],
    120_000,
  );
  assert.equal(batch.status, 0, batch.stderr);
  assert.deepEqual(readdirSync(batchOut).sort(), ['a1.json', 'a2.json', 'summary.csv']);
});
