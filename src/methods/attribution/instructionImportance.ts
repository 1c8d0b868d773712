// Instruction importance of a prompt (Wu et al., arXiv 2310.00492, section 4.1): how much of the prompt's
// importance density sits on the instruction. With density normalised by its maximum over the prompt,
//   importance = Σ_{n ∈ instruction} (density_n / max density) / log2(2 + |instruction|)
// The log term keeps long instructions from scoring high by length alone.

/** Special tokens (null density) are never instruction tokens and do not set the maximum. */
export function instructionImportance(
  density: readonly (number | null)[],
  instructionMask: readonly boolean[],
): number {
  let max = 0;
  for (const d of density) if (d !== null && d > max) max = d;
  let sum = 0;
  let count = 0;
  density.forEach((d, n) => {
    if (d === null || !instructionMask[n]) return;
    count++;
    if (max > 0) sum += d / max;
  });
  return count === 0 ? 0 : sum / Math.log2(2 + count);
}

/** Character spans [start, end) of each instruction text in the prompt (its first occurrence); null if absent. */
export function locateSpans(prompt: string, spans: readonly string[]): ([number, number] | null)[] {
  return spans.map((s) => {
    const at = prompt.indexOf(s);
    return s.length === 0 || at < 0 ? null : [at, at + s.length];
  });
}

/**
 * A token is an instruction token when one of its non-whitespace characters falls inside a span.
 * `tokens` are [start, end) character ranges in the prompt; special tokens are never instruction tokens.
 */
export function instructionMask(
  prompt: string,
  tokens: readonly { start: number; end: number; special?: boolean }[],
  spans: readonly (readonly [number, number])[],
): boolean[] {
  return tokens.map((t) => {
    if (t.special) return false;
    for (let i = t.start; i < t.end; i++) {
      if (/\s/.test(prompt[i])) continue;
      if (spans.some(([s, e]) => i >= s && i < e)) return true;
    }
    return false;
  });
}
