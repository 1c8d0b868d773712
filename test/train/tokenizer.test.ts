// train/tokenizer/trainTokenizer.ts on a small corpus slice: the layout (special ids 0..4, the byte alphabet,
// merges), lossless round trips through our own loader (src/model/tokenizer.ts), BOS from the post-processor,
// and the chat template rendered by src/model/chatTemplate.ts (and, where Python's jinja2 is installed, by it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadChatTemplate, renderChat } from '../../src/model/chatTemplate';
import { loadTokenizer, type LensTokenizer } from '../../src/model/tokenizer';
import { buildCorpus } from '../../train/data/corpus';
import { loadWordNet } from '../../train/data/wordnet';
import { CHAT_TEMPLATE, SPECIAL_TOKENS, trainTokenizer } from '../../train/tokenizer/trainTokenizer';

const work = mkdtempSync(join(tmpdir(), 'lens-train-tok-'));
const corpus = buildCorpus(loadWordNet(), { seed: 3, validFraction: 0.01, limit: 800 });
const corpusFile = join(work, 'corpus.txt');
writeFileSync(corpusFile, corpus.train.join('\n') + '\n');
const trained = trainTokenizer([corpusFile], join(work, 'tok'), { vocabSize: 1000, modelMaxLength: 256 });

async function loaded(dir = trained.dir): Promise<LensTokenizer> {
  const r = await loadTokenizer(dir);
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

test('layout: special tokens 0..4, then all 256 byte characters, then one token per merge', async () => {
  assert.equal(trained.vocabSize, 1000);
  assert.equal(trained.merges, 1000 - 5 - 256);
  const tok = await loaded();
  assert.equal(tok.vocabSize, 1000);
  SPECIAL_TOKENS.forEach((t, id) => assert.equal(tok.tokenToId(t), id));
  assert.deepEqual([...tok.specialIds].sort(), [0, 1, 2, 3, 4]);
  const json = JSON.parse(readFileSync(join(trained.dir, 'tokenizer.json'), 'utf8'));
  assert.equal(json.model.type, 'BPE');
  assert.equal(json.pre_tokenizer.type, 'ByteLevel');
  assert.equal(json.decoder.type, 'ByteLevel');
  assert.equal(json.post_processor.type, 'TemplateProcessing');
  // the byte alphabet sorted by code point: the 188 printable characters (from "!"), then U+0100.. for the rest
  assert.deepEqual([json.model.vocab['!'], json.model.vocab['Ā'], json.model.vocab['Ġ']], [5, 5 + 188, 5 + 188 + 32]);
});

test("a smaller vocabulary is a prefix of a larger one: the merges are taken in the trainer's order", () => {
  const small = trainTokenizer([corpusFile], join(work, 'small'), { vocabSize: 600, modelMaxLength: 256 });
  const a = JSON.parse(readFileSync(join(small.dir, 'tokenizer.json'), 'utf8')).model.merges;
  const b = JSON.parse(readFileSync(join(trained.dir, 'tokenizer.json'), 'utf8')).model.merges;
  assert.deepEqual(a, b.slice(0, a.length));
});

test('round trip: decode(encode(text)) is the text, for corpus lines and for text the corpus never had', async () => {
  const tok = await loaded();
  const samples = [
    ...corpus.train.slice(0, 200),
    'Ünïcödé 世界 🙂 tabs\tand  double  spaces',
    '  leading space',
    'x\n\ny',
  ];
  let chars = 0;
  let tokens = 0;
  for (const text of samples) {
    const enc = await tok.encode(text, { addSpecialTokens: false });
    assert.equal(await tok.decode(enc.ids), text);
    chars += text.length;
    tokens += enc.ids.length;
  }
  assert.ok(chars / tokens > 2, `only ${(chars / tokens).toFixed(2)} characters a token`);
});

test('BOS comes from the post-processor; a literal special token in the text is one special id', async () => {
  const tok = await loaded();
  const plain = await tok.encode('The word dog.');
  assert.equal(plain.ids[0], 0);
  assert.equal((await tok.encode('The word dog.', { addSpecialTokens: false })).ids[0] !== 0, true);
  const marked = await tok.encode('<|user|>\nhi', { addSpecialTokens: false });
  assert.equal(marked.ids[0], 2);
  assert.equal(marked.special[0], true);
});

test('chat template through our loaders: text, prompt position, token ids', async () => {
  const config = JSON.parse(readFileSync(join(trained.dir, 'tokenizer_config.json'), 'utf8'));
  assert.equal(config.chat_template, CHAT_TEMPLATE);
  assert.deepEqual(
    [config.bos_token, config.eos_token, config.pad_token, config.model_max_length],
    ['<|bos|>', '<|eos|>', '<|pad|>', 256],
  );
  const chat = loadChatTemplate(trained.dir);
  if (!chat.ok) assert.fail(chat.error.message);
  const r = renderChat(chat.value, 'Spell the word "apple".');
  if (!r.ok) assert.fail(r.error.message);
  assert.equal(r.value.text, '<|bos|><|user|>\nSpell the word "apple".\n<|assistant|>\n');
  assert.equal(r.value.text.slice(r.value.promptStart, r.value.promptEnd), 'Spell the word "apple".');
  const tok = await loaded();
  const ids = (await tok.encode(r.value.text, { addSpecialTokens: false })).ids;
  const nl = tok.tokenToId('Ċ')!;
  assert.deepEqual(ids.slice(0, 3), [0, 2, nl]);
  assert.deepEqual(ids.slice(-3), [nl, 3, nl]);
});

/** Renders CHAT_TEMPLATE with Python's jinja2 as transformers does (trim_blocks, lstrip_blocks); undefined
 *  when python3 or jinja2 is missing. */
function renderWithJinja2(messages: unknown, addGenerationPrompt: boolean): string | undefined {
  const script = [
    'import json, sys, jinja2',
    'args = json.loads(sys.stdin.read())',
    'env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)',
    'def raise_exception(m): raise Exception(m)',
    'env.globals["raise_exception"] = raise_exception',
    't = env.from_string(args["template"])',
    'sys.stdout.write(t.render(messages=args["messages"], bos_token="<|bos|>", eos_token="<|eos|>", ' +
      'add_generation_prompt=args["gen"]))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], {
    input: JSON.stringify({ template: CHAT_TEMPLATE, messages, gen: addGenerationPrompt }),
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout : undefined;
}

test('chat template: a whole exchange, and the same text from Python jinja2', async (t) => {
  const { Template } = await import('@huggingface/jinja');
  const messages = [
    { role: 'user', content: 'Name a kind of dog.' },
    { role: 'assistant', content: 'poodle' },
    { role: 'user', content: 'Spell "cat".' },
  ];
  const ours = new Template(CHAT_TEMPLATE).render({
    messages,
    bos_token: '<|bos|>',
    eos_token: '<|eos|>',
    add_generation_prompt: true,
  });
  assert.equal(
    ours,
    '<|bos|><|user|>\nName a kind of dog.\n<|assistant|>\npoodle<|eos|>\n<|user|>\nSpell "cat".\n<|assistant|>\n',
  );
  const training = new Template(CHAT_TEMPLATE).render({
    messages: messages.slice(0, 2),
    bos_token: '<|bos|>',
    eos_token: '<|eos|>',
    add_generation_prompt: false,
  });
  assert.equal(training, '<|bos|><|user|>\nName a kind of dog.\n<|assistant|>\npoodle<|eos|>\n');
  assert.throws(() =>
    new Template(CHAT_TEMPLATE).render({ messages: [{ role: 'system', content: 'x' }], bos_token: '', eos_token: '' }),
  );
  const python = renderWithJinja2(messages, true);
  if (python === undefined) return t.skip('python3 with jinja2 not installed');
  assert.equal(python, ours);
  assert.equal(renderWithJinja2(messages.slice(0, 2), false), training);
});
