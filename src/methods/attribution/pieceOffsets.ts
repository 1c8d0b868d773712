// Character offsets of SentencePiece pieces ("▁The", "<0x0A>") in the text they encode, as the paper's
// saved attributions store prompts: pieces with "▁" for spaces and byte pieces, BOS already dropped.
// Offsets are JS string indices into the text; a leading "▁" that SentencePiece adds is not part of it.

function pieceBytes(piece: string): number[] {
  const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
  if (byte) return [parseInt(byte[1], 16)];
  return [...Buffer.from(piece.replace(/\u2581/g, ' '), 'utf8')];
}

/** [start, end) per piece; a byte piece inside a multibyte character gets that character's span. */
export function pieceOffsets(pieces: readonly string[], text: string): [number, number][] {
  const bytes: number[] = [];
  const byteRanges: [number, number][] = [];
  for (const p of pieces) {
    const b = pieceBytes(p);
    byteRanges.push([bytes.length, bytes.length + b.length]);
    bytes.push(...b);
  }
  // UTF-16 length of the decoded prefix ending at each character boundary
  const charIndex = new Int32Array(bytes.length + 1);
  let chars = 0;
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    for (let k = 0; k < size && i + k <= bytes.length; k++) charIndex[i + k] = chars;
    chars += size === 4 ? 2 : 1; // astral characters are two UTF-16 units
    i += size;
    charIndex[Math.min(i, bytes.length)] = chars;
  }
  const decoded = Buffer.from(bytes).toString('utf8');
  const shift = decoded.startsWith(' ') && !text.startsWith(' ') ? 1 : 0;
  const clamp = (x: number) => Math.min(text.length, Math.max(0, x - shift));
  return byteRanges.map(([s, e]) => {
    const start = charIndex[s];
    // a range ending inside a character extends to the character's end
    let end = charIndex[e];
    if (e < bytes.length && e > s && charIndex[e] === charIndex[e - 1]) end = charIndex[e] + 1;
    return [clamp(start), clamp(Math.max(end, start))];
  });
}
