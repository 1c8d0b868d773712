// What a user sees of a token: never the tokenizer's internal alphabet (byte-level BPE's "Ġé¾", SentencePiece's
// "▁" and "<0xE9>"). In a sequence, a character split over several tokens is shown once, on its first token, and
// its other tokens are marked as its continuation, so that the tokens' texts joined give back the decoded text.
// Out of context (a vocabulary entry in a concept's word list) the bytes that do not form a whole character are
// written as \xNN escapes.

export interface TokenText {
  readonly text: string;
  /** The token only continues the character that an earlier token's text shows; its own text is "". */
  readonly continuation: boolean;
}

const REPLACEMENT = '\uFFFD';

/** GPT-2's byte-to-character table, inverted: which byte each character of a byte-level BPE token stands for. */
const BYTE_OF_CHAR: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    map.set(String.fromCodePoint(printable ? b : next++), b);
  }
  return map;
})();

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/** A SentencePiece byte-fallback piece, "<0xE9>". */
export const isBytePiece = (raw: string): boolean => BYTE_PIECE.test(raw);

/**
 * The bytes a vocabulary entry stands for, when its decoder works on bytes: every character through GPT-2's
 * table for byte-level BPE, "<0xNN>" for SentencePiece's byte fallback; null when the entry is plain text.
 */
export function tokenBytes(raw: string, byteLevel: boolean): number[] | null {
  const piece = BYTE_PIECE.exec(raw);
  if (piece) return [parseInt(piece[1], 16)];
  if (!byteLevel) return null;
  const bytes: number[] = [];
  for (const ch of raw) {
    const b = BYTE_OF_CHAR.get(ch);
    if (b === undefined) return null;
    bytes.push(b);
  }
  return bytes;
}

/** UTF-8 bytes as text; a byte that is not part of a whole, valid character becomes "\xNN". */
export function bytesText(bytes: readonly number[]): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const size = utf8Length(bytes, i);
    if (size === 0) {
      out += `\\x${bytes[i].toString(16).toUpperCase().padStart(2, '0')}`;
      i += 1;
    } else {
      out += Buffer.from(bytes.slice(i, i + size)).toString('utf8');
      i += size;
    }
  }
  return out;
}

/** Length of the valid UTF-8 character starting at bytes[i], or 0 when there is none (stray or cut-off bytes). */
function utf8Length(bytes: readonly number[], i: number): number {
  const lead = bytes[i];
  const size =
    lead < 0x80
      ? 1
      : lead >= 0xc2 && lead < 0xe0
        ? 2
        : lead >= 0xe0 && lead < 0xf0
          ? 3
          : lead >= 0xf0 && lead < 0xf5
            ? 4
            : 0;
  if (size === 0 || i + size > bytes.length) return 0;
  for (let k = 1; k < size; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return 0;
  // overlong forms, surrogates and code points above U+10FFFF are not valid either
  return Buffer.from(bytes.slice(i, i + size))
    .toString('utf8')
    .includes(REPLACEMENT)
    ? 0
    : size;
}

/**
 * Texts of a token sequence as the tokenizer's decoder writes them. Special tokens show their own content and
 * split the sequence into runs of ordinary tokens. Within a run, each character goes to the token that holds
 * its first byte: token i's text is what decoding it adds to the text before it, less a character it leaves
 * unfinished, which joins it once a later token completes it. Decoding starts one whole character-aligned
 * stretch back, so that decoders which strip a sequence's first space treat every token alike. `bytePiece`
 * says which ids are SentencePiece byte-fallback pieces ("<0xE9>").
 */
export async function sequenceTexts(
  ids: readonly number[],
  special: readonly boolean[],
  specialText: (id: number) => string,
  decode: (ids: number[]) => Promise<string>,
  bytePiece: (id: number) => boolean = () => false,
): Promise<TokenText[]> {
  const texts: TokenText[] = new Array(ids.length);
  let i = 0;
  while (i < ids.length) {
    if (special[i]) {
      texts[i] = { text: specialText(ids[i]), continuation: false };
      i++;
      continue;
    }
    let end = i;
    while (end < ids.length && !special[end]) end++;
    const run = await runTexts(ids.slice(i, end), decode, bytePiece);
    run.forEach((t, k) => (texts[i + k] = t));
    i = end;
  }
  return texts;
}

async function runTexts(
  ids: readonly number[],
  decode: (ids: number[]) => Promise<string>,
  bytePiece: (id: number) => boolean,
): Promise<TokenText[]> {
  const own: string[] = [];
  const continuation: boolean[] = [];
  let context = 0; // decoding starts here: a token that begins on a character boundary
  let boundary = 0; // the latest token that begins on a character boundary
  let before = ''; // finished text of decode(ids[context, i))
  let pending: number | null = null; // the token holding the first bytes of an unfinished character
  const replaced = await replacedBytePieces(ids, decode, bytePiece);
  for (let i = 0; i < ids.length; i++) {
    if (replaced.has(i)) {
      // each shows its own U+FFFD; decoding goes on after the whole stretch
      own.push(REPLACEMENT);
      continuation.push(false);
      if (!replaced.has(i + 1)) {
        before = await decode(ids.slice(context, i + 1));
        boundary = i + 1;
      }
      continue;
    }
    const decoded = await decode(ids.slice(context, i + 1));
    const finished = i === ids.length - 1 ? decoded : decoded.replace(/\uFFFD+$/, '');
    const unfinished = finished.length < decoded.length;
    const added = finished.startsWith(before)
      ? finished.slice(before.length)
      : finished.slice(commonPrefix(finished, before));
    let text = added;
    const wasPending = pending;
    if (pending !== null && added.length > 0) {
      const first = String.fromCodePoint(added.codePointAt(0)!);
      own[pending] += first;
      text = added.slice(first.length);
      pending = null;
    }
    own.push(text);
    if (unfinished && pending === null) pending = i;
    continuation.push(text === '' && wasPending !== null && pending !== i);
    before = finished;
    if (pending === null) {
      // token i + 1 starts on a character boundary; the previous such token becomes the context
      const previous = boundary;
      boundary = i + 1;
      if (i + 1 < ids.length && bytePiece(ids[i]) && bytePiece(ids[i + 1])) {
        // byte fallback decodes a stretch of byte pieces as a whole, all of it replaced when its end is
        // unfinished: the next character is read on its own (a byte piece has no word-start space to strip)
        context = i + 1;
        before = '';
      } else if (previous !== context) {
        context = previous;
        before = await decode(ids.slice(context, i + 1));
      }
    }
  }
  return own.map((text, i) => ({ text, continuation: continuation[i] }));
}

/**
 * The byte pieces that byte fallback replaces: it decodes each stretch of consecutive byte pieces as one, and
 * when the stretch's bytes are not valid UTF-8 as a whole, every byte of it becomes U+FFFD, even those that
 * would form a character on their own (a ";" beside a stray continuation byte).
 */
async function replacedBytePieces(
  ids: readonly number[],
  decode: (ids: number[]) => Promise<string>,
  bytePiece: (id: number) => boolean,
): Promise<Set<number>> {
  const replaced = new Set<number>();
  for (let i = 0; i < ids.length;) {
    let end = i;
    while (end < ids.length && bytePiece(ids[end])) end++;
    if (end > i && (await decode(ids.slice(i, end))) === REPLACEMENT.repeat(end - i))
      for (let k = i; k < end; k++) replaced.add(k);
    i = Math.max(end, i + 1);
  }
  return replaced;
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** How a ranked token is named: its text, or for a continuation the character it continues and which part. */
export function tokenLabel(
  tokens: readonly { readonly text: string; readonly continuation?: boolean }[],
  n: number,
): string {
  if (tokens[n].continuation !== true) return JSON.stringify(tokens[n].text);
  let head = n;
  while (head > 0 && tokens[head].continuation === true) head--;
  return `${JSON.stringify(tokens[head].text)} (part ${n - head + 1})`;
}
