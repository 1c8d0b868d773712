// The vocabulary's strings (tokenizer.ggml.tokens) as the file's bytes spell them. The header parser decodes
// strings with a default TextDecoder, which drops a leading U+FEFF: Gemma 3's "\uFEFF#" came back as "#", a
// second "#" whose lower id then stood for the character, so "#", "//" and "<?" were given other tokens
// than llama.cpp gives them. Here the array is found in the header's bytes and decoded again, marks kept.
import { closeSync, openSync, readSync } from 'node:fs';

const KEY = 'tokenizer.ggml.tokens';
const ARRAY = 9; // gguf_type
const STRING = 8;
const BYTE_ORDER_MARK = '\uFEFF';

/**
 * `parsed` (the parser's token strings) with each string that lost a leading U+FEFF given it back, read from
 * the header (bytes [0, headerEnd) of `file`). `parsed` itself when no string lost one, or when the array is not
 * where its key says: a string of it that is not the parsed one but for marks means the reading went wrong.
 */
export function tokenStringsWithMarks(file: string, headerEnd: number, parsed: readonly string[]): readonly string[] {
  const header = readHeader(file, headerEnd);
  const key = Buffer.from(KEY, 'utf8');
  const needle = Buffer.alloc(8 + key.length + 8);
  needle.writeBigUInt64LE(BigInt(key.length), 0);
  key.copy(needle, 8);
  needle.writeUInt32LE(ARRAY, 8 + key.length);
  needle.writeUInt32LE(STRING, 12 + key.length);
  const at = header.indexOf(needle);
  if (at < 0 || at + needle.length + 8 > header.length) return parsed;
  let p = at + needle.length;
  const count = header.readBigUInt64LE(p);
  p += 8;
  if (count !== BigInt(parsed.length)) return parsed;
  // only a string whose bytes open with the mark (EF BB BF) can have lost it: those alone are decoded again
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let strings: string[] | undefined;
  for (let i = 0; i < parsed.length; i++) {
    if (p + 8 > header.length) return parsed;
    const length = Number(header.readBigUInt64LE(p));
    p += 8;
    if (p + length > header.length) return parsed;
    if (length >= 3 && header[p] === 0xef && header[p + 1] === 0xbb && header[p + 2] === 0xbf) {
      const s = decoder.decode(header.subarray(p, p + length));
      if (s !== parsed[i] && s !== BYTE_ORDER_MARK + parsed[i]) return parsed;
      if (s !== parsed[i]) (strings ??= [...parsed])[i] = s;
    }
    p += length;
  }
  return strings ?? parsed;
}

function readHeader(file: string, headerEnd: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(headerEnd);
    const n = readSync(fd, header, 0, headerEnd, 0);
    return header.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
