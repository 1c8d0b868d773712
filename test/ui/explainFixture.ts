// A small explanation in the JSON contract, written by hand: 5 prompt tokens (BOS special), 3 response
// tokens, a seeded random attribution. Density is computed here the naive way (sparsify, L1/L4).
import type { ExplainJson } from '../../src/methods/attribution/json';
import { mulberry32 } from '../helpers/prng';

export function fixture(seed = 7): ExplainJson {
  const prompt = 'Spell the word apple.';
  const prompt_tokens = [
    { id: 0, text: '<s>', start: 0, end: 0, special: true },
    { id: 11, text: 'Spell', start: 0, end: 5, special: false },
    { id: 12, text: ' the', start: 5, end: 9, special: false },
    { id: 13, text: ' word', start: 9, end: 14, special: false },
    { id: 14, text: ' apple.', start: 14, end: 21, special: false },
  ];
  const response_tokens = [
    { id: 21, text: 'a', special: false },
    { id: 22, text: '-p\n', special: false },
    { id: 1, text: '</s>', special: true },
  ];
  const random = mulberry32(seed);
  const N = prompt_tokens.length;
  const M = response_tokens.length;
  const attribution = Array.from({ length: N }, () => Array.from({ length: M }, () => random() * 2 - 0.5));
  const density = naiveDensity(
    attribution,
    prompt_tokens.map((t) => t.special),
  );
  const instruction_mask = [false, true, true, true, false];
  return {
    format_version: 1,
    model: { path: '/models/x', architecture: 'LlamaForCausalLM', parameters: 1234567 },
    prompt,
    settings: { max_new_tokens: 3, chat: false, response_given: false },
    prompt_tokens,
    response_tokens,
    probabilities: [0.5, 0.25, 0.125],
    attribution,
    density,
    instruction_spans: [{ start: 0, end: 14, text: 'Spell the word', source: 'detected' }],
    instruction_mask,
    instruction_importance: naiveImportance(density, instruction_mask),
    timing: { load: 1, generation: 2, attribution: 3 },
  };
}

/** The paper's sparsification (L = 10, b = 7) and L1/L4 density, in plain loops. */
export function naiveDensity(A: number[][], special: boolean[]): (number | null)[] {
  const N = A.length;
  const M = A[0].length;
  const S = A.map((row) => row.map(() => 0));
  for (let m = 0; m < M; m++) {
    let max = 0;
    for (let n = 0; n < N; n++) if (!special[n]) max = Math.max(max, Math.max(0, A[n][m]));
    for (let n = 0; n < N; n++) {
      if (special[n]) continue;
      const q = Math.ceil((Math.max(0, A[n][m]) / (max + 1e-7)) * 10);
      S[n][m] = q <= 7 ? 0 : q;
    }
  }
  return S.map((row, n) => {
    if (special[n]) return null;
    const l1 = row.reduce((s, x) => s + Math.abs(x), 0);
    const l4 = Math.pow(
      row.reduce((s, x) => s + x ** 4, 0),
      1 / 4,
    );
    return l4 === 0 ? 0 : l1 / l4;
  });
}

export function naiveImportance(density: (number | null)[], mask: boolean[]): number {
  const max = Math.max(0, ...density.filter((d): d is number => d !== null));
  let sum = 0;
  let count = 0;
  density.forEach((d, n) => {
    if (d !== null && mask[n]) {
      count++;
      sum += max > 0 ? d / max : 0;
    }
  });
  return count === 0 ? 0 : sum / Math.log2(2 + count);
}
