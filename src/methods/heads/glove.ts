// A GloVe-format text file of word vectors (`word v1 v2 … vD` a line, as glove.6B.100d.txt), read as a
// stream for the words of one list only: files run to gigabytes and hundreds of thousands of words, of which
// a word list needs a few thousand. Also reads word2vec's text format (a first line "count dim").
// A word matches a line with the same text; failing that, one that differs only in case (GloVe's common
// files are lower-cased). Every line's field count is checked; values are parsed on the lines that are used.
// W words of the list, R vector width.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fail, ok, type Result } from '../../lensError';

export interface GloveVectors {
  readonly width: number; // R
  readonly vectors: Float32Array; // [W, R]; zero rows for words without a vector
  readonly present: Uint8Array; // [W]
  readonly found: number; // words with a vector
  readonly lines: number; // vector lines read
}

const HINT =
  'Pass a GloVe text file: one word a line followed by its vector, values separated by spaces ' +
  '(e.g. glove.6B.100d.txt).';
const isNumber = (s: string) => s !== '' && Number.isFinite(Number(s));

export async function readGloveFor(
  path: string,
  words: readonly string[],
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<Result<GloveVectors>> {
  if (!existsSync(path)) return fail('missing-file', `${path}: no such file`, 'Check the path given to --glove.');
  if (statSync(path).isDirectory()) return fail('missing-file', `${path}: is a directory, not a GloVe file`, HINT);
  const totalBytes = statSync(path).size;

  // list words by lower-cased text, for the exact and the case-insensitive match
  const byLower = new Map<string, number[]>();
  words.forEach((w, i) => {
    const key = w.toLowerCase();
    const list = byLower.get(key);
    if (list) list.push(i);
    else byLower.set(key, [i]);
  });

  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let width = 0;
  let vectors = new Float32Array(0);
  const present = new Uint8Array(words.length);
  const exact = new Uint8Array(words.length);
  let lineNo = 0;
  let vectorLines = 0;
  let bytesRead = 0;
  const bad = (what: string, hint = HINT): Result<never> => {
    lines.close();
    stream.destroy();
    return fail('bad-argument', `${path}, line ${lineNo}: ${what}`, hint);
  };
  try {
    for await (const line of lines) {
      lineNo++;
      bytesRead += Buffer.byteLength(line, 'utf8') + 1;
      if (onProgress && lineNo % 20000 === 0) onProgress(bytesRead, totalBytes);
      const fields = line.trim().split(/[ \t]+/);
      if (fields.length === 1 && fields[0] === '') continue; // blank line
      if (width === 0) {
        // the first line fixes the width; word2vec's header "count dim" gives it outright
        if (fields.length === 2 && /^\d+$/.test(fields[0]) && /^\d+$/.test(fields[1])) {
          width = Number(fields[1]);
          if (width < 1) return bad(`the header says vectors of ${width} values`);
          vectors = new Float32Array(words.length * width);
          continue;
        }
        width = fields.length - 1;
        if (width < 1 || !isNumber(fields[fields.length - 1]))
          return bad('expected a word followed by numbers, separated by spaces');
        vectors = new Float32Array(words.length * width);
      }
      if (fields.length < width + 1) {
        return bad(
          `${fields.length - 1} values where the file's first vector has ${width}`,
          'Every line must hold a word and as many values as the first one: the file is truncated or ' +
            'mixes two dimensions.',
        );
      }
      // a word may hold spaces (glove.840B has a few): the last `width` fields are the vector
      const wordFields = fields.slice(0, fields.length - width);
      if (wordFields.length > 1 && wordFields.slice(1).some(isNumber)) {
        return bad(
          `${fields.length - 1} values where the file's first vector has ${width}`,
          'Every line must hold a word and as many values as the first one: the file is truncated or ' +
            'mixes two dimensions.',
        );
      }
      vectorLines++;
      const token = wordFields.join(' ');
      const targets = byLower.get(token.toLowerCase());
      if (!targets) continue;
      let values: Float32Array | undefined;
      for (const i of targets) {
        const isExact = words[i] === token;
        // an exact match stays; the first case-insensitive one stays
        if (exact[i] || (present[i] && !isExact)) continue;
        if (!values) {
          values = new Float32Array(width);
          for (let r = 0; r < width; r++) {
            const v = Number(fields[wordFields.length + r]);
            if (!isNumber(fields[wordFields.length + r]))
              return bad(
                `value ${r + 1} of "${token}" is not a number: ${JSON.stringify(fields[wordFields.length + r])}`,
              );
            values[r] = v;
          }
        }
        vectors.set(values, i * width);
        present[i] = 1;
        if (isExact) exact[i] = 1;
      }
    }
  } catch (e) {
    return fail('missing-file', `${path}: cannot be read (${(e as Error).message})`, HINT);
  }
  if (vectorLines === 0) return fail('bad-argument', `${path}: no word vectors in the file`, HINT);
  let found = 0;
  for (const p of present) found += p;
  onProgress?.(totalBytes, totalBytes);
  return ok({ width, vectors, present, found, lines: vectorLines });
}
