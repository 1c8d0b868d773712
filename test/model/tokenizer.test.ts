// src/model/tokenizer.ts on the two tokenizers of test/helpers/tokenizerJson.ts, against ids worked out by hand
// from their merge lists (see the comments there for the id layout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codePointToUtf16, loadTokenizer, type LensTokenizer } from '../../src/model/tokenizer';
import { writeByteFallbackTokenizer, writeByteLevelBpeTokenizer } from '../helpers/tokenizerJson';

const tmp = () => mkdtempSync(join(tmpdir(), 'lens-tok-'));

async function load(write: (dir: string) => unknown): Promise<LensTokenizer> {
  const dir = tmp();
  write(dir);
  const r = await loadTokenizer(dir);
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

const EMOJI_CJK = 'Hi 😀 世界 ok'; // UTF-16: H0 i1 _2 😀3-4 _5 世6 界7 _8 o9 k10

test('byte-level BPE: ids, UTF-16 offsets, BOS from the post-processor', async () => {
  const tok = await load(writeByteLevelBpeTokenizer);
  // "the" -> t he; " cat" -> Ġ c at; " and" -> Ġa n d -> Ġan d -> Ġand; " the" -> Ġthe; " dog" -> Ġ d o g
  const e = await tok.encode('the cat and the dog');
  assert.deepEqual(e.ids, [276, 116, 257, 32, 99, 271, 273, 258, 32, 100, 111, 103]);
  assert.deepEqual(e.offsets, [
    [0, 0],
    [0, 1],
    [1, 3],
    [3, 4],
    [4, 5],
    [5, 7],
    [7, 11],
    [11, 15],
    [15, 16],
    [16, 17],
    [17, 18],
    [18, 19],
  ]);
  assert.deepEqual(e.special, [true, ...new Array(11).fill(false)]);
  assert.equal(tok.vocabSize, 278);
  assert.deepEqual([...tok.specialIds].sort(), [276, 277]);
});

test("byte-level BPE: emoji and CJK bytes carry their character's UTF-16 span", async () => {
  const tok = await load(writeByteLevelBpeTokenizer);
  const e = await tok.encode(EMOJI_CJK);
  // bytes are their own ids: 😀 = F0 9F 98 80, 世 = E4 B8 96, 界 = E7 95 8C; " o" merges to Ġo = 274
  assert.deepEqual(e.ids, [276, 72, 105, 32, 240, 159, 152, 128, 32, 228, 184, 150, 231, 149, 140, 274, 107]);
  assert.deepEqual(e.offsets, [
    [0, 0],
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 5],
    [3, 5],
    [3, 5],
    [3, 5],
    [5, 6],
    [6, 7],
    [6, 7],
    [6, 7],
    [7, 8],
    [7, 8],
    [7, 8],
    [8, 10],
    [10, 11],
  ]);
  for (const [s, end] of e.offsets.slice(1)) assert.ok(EMOJI_CJK.slice(s, end).length > 0);
  assert.equal(await tok.decode(e.ids, true), EMOJI_CJK);
  assert.equal(await tok.decode(e.ids), '<|bos|>' + EMOJI_CJK);
});

test('byte-level BPE: addSpecialTokens false, literal special tokens, tokenText, tokenToId', async () => {
  const tok = await load(writeByteLevelBpeTokenizer);
  assert.deepEqual((await tok.encode('the', { addSpecialTokens: false })).ids, [116, 257]);
  const lit = await tok.encode('a<|eos|>', { addSpecialTokens: false });
  assert.deepEqual(lit.ids, [97, 277]);
  assert.deepEqual(lit.special, [false, true]);
  assert.deepEqual(lit.offsets, [
    [0, 1],
    [1, 8],
  ]);
  assert.equal(tok.tokenText(258), ' the');
  assert.equal(tok.tokenText(72), 'H');
  assert.equal(tok.tokenText(276), '<|bos|>');
  assert.equal(tok.tokenText(240), '\\xF0'); // a lone byte of a multibyte character: an escape, not the alphabet
  assert.equal(tok.rawToken(258), 'Ġthe');
  assert.equal(tok.tokenToId('Ġthe'), 258);
  assert.equal(tok.tokenToId('<|eos|>'), 277);
  assert.equal(tok.tokenToId('no such token'), undefined);
});

test('byte fallback (Llama-2 style): ids and offsets', async () => {
  const tok = await load(writeByteFallbackTokenizer);
  // one "word" ▁the▁cat▁and▁the▁dog; "c" is not a piece -> <0x63> = 3 + 99
  const e = await tok.encode('the cat and the dog');
  assert.deepEqual(e.ids, [1, 275, 259, 102, 288, 290, 275, 259, 261, 268, 263]);
  assert.deepEqual(e.offsets, [
    [0, 0],
    [0, 3],
    [3, 4],
    [4, 5],
    [5, 7],
    [7, 11],
    [11, 15],
    [15, 16],
    [16, 17],
    [17, 18],
    [18, 19],
  ]);
  assert.equal(tok.vocabSize, 293);
  assert.deepEqual([...tok.specialIds].sort(), [0, 1, 2]);
});

test('byte fallback: emoji and CJK fall back to <0xNN> bytes with UTF-16 spans', async () => {
  const tok = await load(writeByteFallbackTokenizer);
  const e = await tok.encode(EMOJI_CJK);
  // the prepended ▁ shares H's span; H and k are not pieces: <0x48> = 75, <0x6B> = 110
  assert.deepEqual(e.ids, [1, 259, 75, 265, 259, 243, 162, 155, 131, 259, 231, 187, 153, 234, 152, 143, 291, 110]);
  assert.deepEqual(e.offsets, [
    [0, 0],
    [0, 1],
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 5],
    [3, 5],
    [3, 5],
    [3, 5],
    [5, 6],
    [6, 7],
    [6, 7],
    [6, 7],
    [7, 8],
    [7, 8],
    [7, 8],
    [8, 10],
    [10, 11],
  ]);
  assert.equal(await tok.decode(e.ids, true), EMOJI_CJK);
  assert.deepEqual((await tok.encode('the', { addSpecialTokens: false })).ids, [275]);
});

test('byte fallback: tokenText keeps the word-start space and escapes lone bytes', async () => {
  const tok = await load(writeByteFallbackTokenizer);
  assert.equal(tok.tokenText(275), ' the');
  assert.equal(tok.tokenText(274), 'he');
  assert.equal(tok.tokenText(102), 'c');
  assert.equal(tok.tokenText(243), '\\xF0');
  assert.equal(tok.tokenText(1), '<s>');
  assert.equal(tok.tokenToId('<0x63>'), 102);
});

test('missing and unparsable tokenizer.json', async () => {
  const dir = tmp();
  let r = await loadTokenizer(dir);
  assert.ok(!r.ok && r.error.code === 'missing-file' && r.error.message.includes('tokenizer.json'));
  writeFileSync(join(dir, 'tokenizer.json'), '{"model": ');
  r = await loadTokenizer(dir);
  assert.ok(!r.ok && r.error.code === 'bad-tokenizer', JSON.stringify(r));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'NoSuchModel' } }));
  r = await loadTokenizer(dir);
  assert.ok(!r.ok && r.error.code === 'bad-tokenizer', JSON.stringify(r));
  writeFileSync(join(dir, 'tokenizer.json'), '[]');
  r = await loadTokenizer(dir);
  assert.ok(!r.ok && r.error.code === 'bad-tokenizer', JSON.stringify(r));
});

test('codePointToUtf16', () => {
  assert.deepEqual(Array.from(codePointToUtf16('a😀b')), [0, 1, 3, 4]);
  assert.deepEqual(Array.from(codePointToUtf16('')), [0]);
});

test('knownIds: the ids with a vocabulary entry, as rawToken finds them one by one', async () => {
  for (const write of [writeByteLevelBpeTokenizer, writeByteFallbackTokenizer]) {
    const tok = await load(write);
    const known = tok.knownIds();
    assert.equal(known.length, tok.vocabSize);
    for (let id = 0; id < tok.vocabSize; id++)
      assert.equal(known[id], tok.rawToken(id) === undefined ? 0 : 1, `id ${id}`);
    assert.equal(tok.knownIds(), known, 'computed once');
  }
});
