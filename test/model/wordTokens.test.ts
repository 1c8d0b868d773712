// Words as tokens: the default list read off the vocabulary (a space then two or more letters, one token),
// and a user's words encoded after a space, for a byte-level BPE and a SentencePiece-style tokenizer.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadTokenizer, type LensTokenizer } from '../../src/model/tokenizer';
import { encodeWordList, encodeWords, vocabularyWords } from '../../src/model/wordTokens';
import { writeByteFallbackTokenizer, writeByteLevelBpeTokenizer } from '../helpers/tokenizerJson';

const root = mkdtempSync(join(tmpdir(), 'lens-words-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function tokenizer(
  name: string,
  write: (dir: string) => unknown,
  edit?: (json: any) => void,
): Promise<LensTokenizer> {
  const dir = join(root, name);
  mkdirSync(dir);
  write(dir);
  if (edit) {
    const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    edit(json);
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  }
  const t = await loadTokenizer(dir);
  assert.ok(t.ok);
  return t.value;
}

test('byte-level BPE: vocabulary words are the Ġ-letter tokens of 2+ letters; encoding drops the lone Ġ', async () => {
  const t = await tokenizer('bl', writeByteLevelBpeTokenizer);
  // merges of the test tokenizer with Ġ and 2+ letters: "Ġthe", "Ġan", "Ġand" ("Ġt", "Ġa", ... have one)
  assert.deepEqual(
    vocabularyWords(t).map((w) => w.word),
    ['the', 'an', 'and'],
  );
  assert.deepEqual(
    vocabularyWords(t).map((w) => w.ids.length),
    [1, 1, 1],
  );
  const { encoded, empty } = await encodeWords(t, ['cat', 'the', 'write']);
  assert.deepEqual(empty, []);
  assert.deepEqual(
    encoded.map((w) => w.ids.map((id) => t.tokenText(id)).join('|')),
    ['c|at', ' the', ' w|r|i|t|e'],
  );
});

test('SentencePiece-style (Metaspace, byte fallback): ▁ words, and the same mid-sentence encoding', async () => {
  const t = await tokenizer('bf', writeByteFallbackTokenizer);
  assert.deepEqual(
    vocabularyWords(t).map((w) => w.word),
    ['the', 'an', 'and'],
  );
  const { encoded } = await encodeWords(t, ['cat', 'the']);
  assert.deepEqual(
    encoded.map((w) => w.ids.map((id) => t.rawToken(id)).join('|')),
    ['<0x63>|at', '▁the'],
  );
});

test('a word the vocabulary has nothing for is named in a clear error', async () => {
  // the byte-level tokenizer without its bytes >= 0x80: "é" encodes to nothing but the space
  const t = await tokenizer('holes', writeByteLevelBpeTokenizer, (json) => {
    for (const k of Object.keys(json.model.vocab))
      if (k.length === 1 && k.codePointAt(0)! >= 0xa1 && k !== 'Ġ') delete json.model.vocab[k];
  });
  const r = await encodeWordList(t, ['cat', 'é', 'ü', 'dog'], 'words.txt');
  assert.ok(!r.ok);
  assert.match(r.error.message, /^words\.txt: 2 words encode to no tokens with this tokenizer: "é", "ü"$/);
  assert.match(r.error.hint, /Remove them/);
});
