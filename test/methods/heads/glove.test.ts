// The GloVe reader: vectors for the list's words only, exact before case-insensitive matches, word2vec's
// header, words with spaces (glove.840B), and a clear error naming the line for each kind of bad file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readGloveFor } from '../../../src/methods/heads/glove';

const root = mkdtempSync(join(tmpdir(), 'lens-glove-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function file(text: string): string {
  const path = join(root, `g${n++}.txt`);
  writeFileSync(path, text);
  return path;
}

test('reads the vectors of the listed words: exact match wins over case, others skipped', async () => {
  const path = file('The 9 9 9\nthe 1 2 3\ncat 4 5 6.5\nunused 7 8 9\nDOG -1 -2 -3\n');
  const r = await readGloveFor(path, ['the', 'The', 'dog', 'cat', 'bird']);
  assert.ok(r.ok);
  assert.equal(r.value.width, 3);
  assert.equal(r.value.lines, 5);
  assert.equal(r.value.found, 4);
  assert.deepEqual([...r.value.present], [1, 1, 1, 1, 0]);
  assert.deepEqual([...r.value.vectors], [1, 2, 3, 9, 9, 9, -1, -2, -3, 4, 5, 6.5, 0, 0, 0]);
});

test('word2vec header line, blank lines, CRLF, a word with spaces', async () => {
  const r = await readGloveFor(file('3 2\r\nice cream 0.5 0.25\r\n\r\nsun 1 1\r\n. . . 3 3\r\n'), [
    'ice cream',
    'sun',
    '. . .',
  ]);
  assert.ok(r.ok);
  assert.equal(r.value.width, 2);
  assert.deepEqual([...r.value.vectors], [0.5, 0.25, 1, 1, 3, 3]);
});

async function expectError(text: string | null, words: string[], pattern: RegExp): Promise<void> {
  const path = text === null ? join(root, 'missing.txt') : file(text);
  const r = await readGloveFor(path, words);
  assert.ok(!r.ok, 'expected an error');
  assert.match(`${r.error.message}\n${r.error.hint}`, pattern);
}

test('bad files: missing, empty, malformed values, dimension mismatch either way', async () => {
  await expectError(null, ['a'], /missing\.txt: no such file/);
  await expectError('', ['a'], /no word vectors/);
  await expectError('\n\n', ['a'], /no word vectors/);
  await expectError('cat dog\n', ['cat'], /line 1: expected a word followed by numbers/);
  await expectError('cat 1 2 3\ndog 1 x 3\n', ['dog'], /line 2: value 2 of "dog" is not a number: "x"/);
  await expectError('cat 1 2 3\ndog 1 2\n', ['dog'], /line 2: 2 values where the file's first vector has 3/);
  await expectError('cat 1 2 3\ndog 1 2 3 4\n', ['dog'], /line 2: 4 values where the file's first vector has 3/);
  // the field count is checked on every line, not only on the list's words
  await expectError('cat 1 2 3\nother 1 2\n', ['cat'], /line 2: 2 values .*\n.*truncated or mixes two dimensions/);
});

test('a directory is refused', async () => {
  const r = await readGloveFor(root, ['a']);
  assert.ok(!r.ok);
  assert.match(r.error.message, /is a directory/);
});
