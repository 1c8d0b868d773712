// How much each head attends to each prompt token while it produces the response: for the heads view's
// local shading (attention to the instruction tokens = the sum of this over them). The response token y_m
// is produced at the position before it, so the query positions are N-1 .. N+M-2; with no response (M = 0)
// every position counts. Pure loops over typed arrays.
// T = N + M tokens, N prompt tokens, H heads.

/** `maps`: per layer (H, T, T) attention probabilities, row = query. Returns (layers, H, N) row-major means. */
export function attentionToPrompt(
  maps: readonly Readonly<Float32Array>[],
  H: number,
  T: number,
  N: number,
): Float32Array {
  const first = N < T ? N - 1 : 0;
  const last = N < T ? T - 2 : T - 1;
  const queries = last - first + 1;
  const out = new Float32Array(maps.length * H * N);
  maps.forEach((map, layer) => {
    for (let h = 0; h < H; h++) {
      const o = (layer * H + h) * N;
      for (let q = first; q <= last; q++) {
        const row = (h * T + q) * T;
        for (let n = 0; n < N; n++) out[o + n] += map[row + n] / queries;
      }
    }
  });
  return out;
}
