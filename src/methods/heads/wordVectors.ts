// A word's vector in a token embedding table: the mean of its tokens' rows (docs/ARCHITECTURE.md, method 2: a word
// split into several tokens is the mean of its token embeddings). W words, V vocab, D width.

/** [W, D]: row w = mean over tokens[w] of table[id] ([V, D] row-major). Every word needs one token at least. */
export function meanTokenRows(
  table: Readonly<Float32Array>,
  width: number,
  tokens: readonly (readonly number[])[],
): Float32Array {
  const D = width;
  const out = new Float32Array(tokens.length * D);
  tokens.forEach((ids, w) => {
    if (ids.length === 0) throw new Error(`meanTokenRows: word ${w} has no tokens`);
    const row = out.subarray(w * D, (w + 1) * D);
    if (ids.length === 1 && Number.isInteger(ids[0]) && ids[0] >= 0 && (ids[0] + 1) * D <= table.length) {
      row.set(table.subarray(ids[0] * D, (ids[0] + 1) * D)); // one token: its row as it is
      return;
    }
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || (id + 1) * D > table.length)
        throw new Error(`meanTokenRows: token id ${id} outside the table`);
      for (let d = 0; d < D; d++) row[d] += table[id * D + d];
    }
    if (ids.length > 1) for (let d = 0; d < D; d++) row[d] /= ids.length;
  });
  return out;
}
