// `heads` end to end through the bundled CLI: the JSON contract, its numbers re-derived in float64 from the
// checkpoint's tensors (activations of the listed top words, pair filters, shares), the text table, the
// default word list, GloVe relatedness, the embedded tuned model when it is built, and bad input.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadTokenizer } from '../../src/model/tokenizer';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';
import { runCli } from './cliRunner';

const root = mkdtempSync(join(tmpdir(), 'lens-cli-heads-'));
after(() => rmSync(root, { recursive: true, force: true }));

const WORDS = [
  'write',
  'writes',
  'list',
  'listed',
  'explain',
  'go',
  'going',
  'see',
  'seen',
  'the',
  'then',
  'there',
  'apple',
  'apples',
  'river',
  'stone',
  'stones',
  'tree',
  'water',
  'sand',
];

function wordsFile(name: string, words: readonly string[]): string {
  const path = join(root, name);
  writeFileSync(path, words.join('\n') + '\n');
  return path;
}

const llama = writeRandomCheckpoint(join(root, 'llama'), {
  family: 'llama',
  hiddenSize: 32,
  numHeads: 4,
  numKvHeads: 2,
  numLayers: 2,
  seed: 51,
});
const words = wordsFile('words.txt', WORDS);

test('llama GQA: JSON contract, and its numbers re-derived from the checkpoint in float64', async () => {
  const out = join(root, 'llama.json');
  const run = runCli(['heads', '--model', llama.dir, '--words', words, '--top', '5', '--dims', '3', '--json', out]);
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8'));
  for (const key of [
    'format_version',
    'method',
    'model',
    'settings',
    'words',
    'relatedness',
    'summary',
    'layers',
    'flops',
    'timing',
  ])
    assert.ok(key in json, key);
  const { hiddenSize: D, numHeads: H, numKvHeads: Hkv, headDim: Dh } = llama.config;
  assert.deepEqual([json.model.layers, json.model.heads, json.model.kv_heads, json.model.head_dim], [2, H, Hkv, Dh]);
  assert.equal(json.settings.top, 5);
  assert.equal(json.settings.dims, 3);
  assert.equal(json.settings.relatedness_source, 'input_embeddings');
  assert.equal(json.words.count, WORDS.length);
  assert.equal(json.words.source, 'file');
  assert.equal(json.flops, 2 * 2 * WORDS.length * (H + Hkv) * Dh * D);

  // word vectors: mean of the " word" tokens' embedding rows (lone "Ġ" dropped), in float64
  const tok = await loadTokenizer(llama.dir);
  assert.ok(tok.ok);
  const E = llama.weights.get('model.embed_tokens.weight')!;
  const vec = new Map<string, number[]>();
  for (const w of WORDS) {
    const ids = (await tok.value.encode(' ' + w, { addSpecialTokens: false })).ids.filter(
      (id) => tok.value.tokenText(id) !== ' ',
    );
    vec.set(
      w,
      Array.from({ length: D }, (_, d) => ids.reduce((s, id) => s + E[id * D + d], 0) / ids.length),
    );
  }
  const cos = (a: number[], b: number[]) => {
    let ab = 0,
      aa = 0,
      bb = 0;
    for (let i = 0; i < a.length; i++) {
      ab += a[i] * b[i];
      aa += a[i] * a[i];
      bb += b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
  };
  const act = (layer: number, proj: 'q' | 'k', head: number, dim: number, word: string) => {
    const W = llama.weights.get(`model.layers.${layer}.self_attn.${proj}_proj.weight`)!;
    const g = llama.weights.get(`model.layers.${layer}.input_layernorm.weight`)!;
    const x = vec.get(word)!;
    let s = 0;
    for (let d = 0; d < D; d++) s += x[d] * g[d] * W[(head * Dh + dim) * D + d];
    return s;
  };

  let pairs = 0;
  for (const layer of json.layers) {
    let layerPairs = 0;
    for (const head of layer.heads) {
      assert.equal(head.kv_head, Math.floor(head.head / (H / Hkv)));
      assert.equal(head.dim_order.length, Dh);
      for (let i = 1; i < Dh; i++) assert.ok(head.dim_energy[i] <= head.dim_energy[i - 1], 'energies descend');
      assert.equal(head.dims.length, 3);
      let headPairs = 0;
      let instruction = 0;
      for (const dim of head.dims) {
        assert.equal(dim.dim, head.dim_order[head.dims.indexOf(dim)]);
        assert.equal(dim.top_query.length, 5);
        for (const a of dim.top_query)
          assert.ok(
            Math.abs(a.activation - act(layer.layer, 'q', head.head, dim.dim, a.word)) < 1e-4,
            'query activation',
          );
        for (const a of dim.top_key)
          assert.ok(
            Math.abs(a.activation - act(layer.layer, 'k', head.kv_head, dim.dim, a.word)) < 1e-4,
            'key activation',
          );
        for (const p of dim.pairs) {
          assert.ok(p.query_activation * p.key_activation > 0, 'same sign');
          assert.notEqual(p.query.toLowerCase(), p.key.toLowerCase());
          assert.ok(Math.abs(p.cosine - cos(vec.get(p.query)!, vec.get(p.key)!)) < 1e-5, 'cosine');
          assert.ok(p.cosine > json.relatedness.threshold, 'related');
          if (
            ['write', 'writes', 'list', 'listed', 'explain'].includes(p.query) ||
            ['write', 'writes', 'list', 'listed', 'explain'].includes(p.key)
          )
            instruction++;
        }
        headPairs += dim.pairs.length;
      }
      assert.equal(head.pairs, headPairs);
      assert.equal(head.instruction_verb_pairs, instruction);
      assert.equal(head.instruction_verb_share, headPairs === 0 ? null : instruction / headPairs);
      layerPairs += headPairs;
    }
    assert.equal(layer.pairs, layerPairs);
    pairs += layerPairs;
  }
  assert.equal(json.summary.pairs, pairs);
  assert.ok(pairs > 0, 'the case has pairs');
  assert.match(run.stdout, /layer +pairs +instruction verbs +general verbs/);
  assert.match(run.stdout, new RegExp(`\\n +all +${pairs} `));
  assert.match(run.stdout, /wrote .*llama\.json/);
});

test('gpt2, default word list from the vocabulary (plus the verbs), text output only', () => {
  const ck = writeRandomCheckpoint(join(root, 'gpt2'), {
    family: 'gpt2',
    hiddenSize: 32,
    numHeads: 4,
    numLayers: 2,
    seed: 52,
  });
  const run = runCli(['heads', '--model', ck.dir, '--top', '3']);
  assert.equal(run.status, 0, run.stderr);
  // the test tokenizer's whole words are "the", "an", "and"; the 80 default verbs come on top
  assert.match(run.stdout, /words +83 from the vocabulary/);
  assert.match(run.stdout, /\n +0 +\d+ +(-|\d+\.\d%) +(-|\d+\.\d%)\n +1 /);
  assert.match(run.stdout, /L1\.H3 +\d+ pairs/);
});

test('GloVe relatedness and user verb lists', () => {
  const glove = join(root, 'glove.txt');
  // a small GloVe file: upper-case words match case-insensitively, "sand" has no vector
  const lines = WORDS.filter((w) => w !== 'sand').map(
    (w, i) =>
      `${i % 2 ? w.toUpperCase() : w} ` +
      `${[1, 2, 3].map((r) => Math.sin(3 * i + r + (w.startsWith('w') ? 0 : 1)).toFixed(4)).join(' ')}`,
  );
  writeFileSync(glove, lines.join('\n') + '\n');
  const instr = wordsFile('instr.txt', ['go']);
  const general = wordsFile('general.txt', ['see', 'list']);
  const out = join(root, 'glove.json');
  const run = runCli([
    'heads',
    '--model',
    llama.dir,
    '--words',
    words,
    '--glove',
    glove,
    '--instruction-verbs',
    instr,
    '--general-verbs',
    general,
    '--json',
    out,
  ]);
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(json.settings.relatedness_source, 'glove');
  assert.equal(json.words.with_relatedness_vector, WORDS.length - 1);
  assert.deepEqual(json.settings.instruction_verbs, ['go']);
  assert.deepEqual(json.settings.general_verbs, ['see', 'list']);
  const goForms = ['go', 'going'];
  let instruction = 0;
  for (const l of json.layers)
    for (const h of l.heads)
      for (const d of h.dims)
        for (const p of d.pairs) {
          assert.notEqual(p.query, 'sand');
          assert.notEqual(p.key, 'sand');
          if (goForms.includes(p.query) || goForms.includes(p.key)) instruction++;
        }
  assert.equal(json.summary.instruction_verb_pairs, instruction);
  assert.match(run.stdout, /cosine in GloVe/);
});

const tuned = join(__dirname, '..', '..', 'models', 'wordnet-tuned');
test(
  'the embedded tuned model: default words, every layer and head',
  { skip: !existsSync(join(tuned, 'config.json')) && 'models/wordnet-tuned is not built' },
  () => {
    const out = join(root, 'tuned.json');
    const run = runCli(['heads', '--model', tuned, '--json', out], 120_000);
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(json.layers.length, json.model.layers);
    for (const l of json.layers) assert.equal(l.heads.length, json.model.heads);
    assert.ok(json.words.count > 1000, `${json.words.count} words`);
    assert.ok(json.words.multi_token > 0, 'verbs the vocabulary splits are encoded');
    assert.ok(json.summary.pairs > 0);
  },
);

// ---------------------------------------------------------------------------------------------------
// bad input: one error/hint pair on stderr, status 1, no stack trace

function expectError(args: string[], what: RegExp): void {
  const run = runCli(['heads', ...args], 30_000);
  assert.equal(run.status, 1, `expected failure, got ${run.status}: ${run.stdout}${run.stderr}`);
  assert.match(run.stderr, /^error: .+\nhint: .+\n$/, `stderr: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'a stack trace leaked');
  assert.match(run.stderr, what);
}

const m = () => ['--model', llama.dir];

test('bad word lists: missing file, empty list, words with no tokens', () => {
  expectError(
    [...m(), '--words', join(root, 'nope.txt')],
    /nope\.txt: no such file\nhint: Check the path given to --words/,
  );
  expectError(
    [...m(), '--words', wordsFile('empty.txt', ['', '# nothing but a comment', '  '])],
    /empty\.txt: the word list is empty/,
  );
  expectError(
    [...m(), '--words', wordsFile('verbs-empty.txt', ['write']), '--instruction-verbs', wordsFile('iv.txt', [])],
    /iv\.txt: the instruction verb list is empty/,
  );
  expectError([...m(), '--general-verbs', join(root, 'gv-missing.txt')], /gv-missing\.txt: no such file/);
});

test('words with no tokens are named', () => {
  const ck = writeRandomCheckpoint(join(root, 'holes'), { family: 'llama', numLayers: 1, seed: 53 });
  const path = join(ck.dir, 'tokenizer.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  for (const k of Object.keys(json.model.vocab))
    if (k.length === 1 && k.codePointAt(0)! >= 0xa1 && k !== 'Ġ') delete json.model.vocab[k];
  writeFileSync(path, JSON.stringify(json));
  expectError(
    ['--model', ck.dir, '--words', wordsFile('accents.txt', ['apple', 'café', 'ÿ'])],
    /accents\.txt: 1 word encode to no tokens with this tokenizer: "ÿ"/,
  );
});

test('bad --top, --dims, --seed', () => {
  for (const v of ['0', '-1', 'abc', '1.5', ''])
    expectError([...m(), '--words', words, '--top', v], /--top must be an integer >= 1/);
  expectError([...m(), '--words', words, '--top', '21'], /--top 21 is more than the 20 words of the list/);
  expectError([...m(), '--words', words, '--dims', '9'], /--dims must be an integer from 1 to the head size 8, got 9/);
  expectError([...m(), '--words', words, '--seed', '-3'], /--seed must be an integer >= 0/);
});

test('bad GloVe files: missing, malformed line, dimension mismatch, no vector for the words', () => {
  const g = (name: string, text: string) => {
    const path = join(root, name);
    writeFileSync(path, text);
    return path;
  };
  expectError([...m(), '--words', words, '--glove', join(root, 'no-glove.txt')], /no-glove\.txt: no such file/);
  expectError(
    [...m(), '--words', words, '--glove', g('bad-value.txt', 'the 1 2 3\nwrite 1 two 3\n')],
    /bad-value\.txt, line 2: value 2 of "write" is not a number: "two"/,
  );
  expectError(
    [...m(), '--words', words, '--glove', g('mismatch.txt', 'the 1 2 3\nwrite 1 2\n')],
    /mismatch\.txt, line 2: 2 values where the file's first vector has 3\nhint: .*mixes two dimensions/,
  );
  expectError(
    [...m(), '--words', words, '--glove', g('not-glove.txt', 'hello world\n')],
    /not-glove\.txt, line 1: expected a word followed by numbers/,
  );
  expectError(
    [...m(), '--words', words, '--glove', g('other-words.txt', 'zebra 1 2 3\nthe 1 2 3\n')],
    /only 1 of the 20 words have a vector in the GloVe file/,
  );
});

test('missing model and unwritable --json folder', () => {
  expectError(['--model', join(root, 'no-model')], /no such directory/);
  expectError([...m(), '--json', join(root, 'no-dir', 'out.json')], /--json .*: the folder .* does not exist/);
});
