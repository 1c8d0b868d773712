// The user marks or unmarks prompt tokens as instruction in the explain panel. No model runs: the spans
// become the user's (one per run of consecutive marked tokens), the mask follows the spans by the same rule
// as the engine's (src/methods/attribution/instructionImportance.ts), and the instruction importance is recomputed from
// the density the explanation already holds.
import { instructionImportance, instructionMask } from './instructionImportance';
import type { ExplainJson } from './json';
import type { InstructionSpan } from './types';

/** Indices outside the prompt and special tokens are ignored (special tokens are never instruction). */
export function editInstruction(json: ExplainJson, tokens: readonly number[], instruction: boolean): ExplainJson {
  const promptTokens = json.prompt_tokens;
  const marked = json.instruction_mask.slice();
  for (const n of tokens)
    if (Number.isInteger(n) && n >= 0 && n < promptTokens.length && !promptTokens[n].special) marked[n] = instruction;
  const spans = spansOfRuns(json.prompt, promptTokens, marked);
  const mask = instructionMask(
    json.prompt,
    promptTokens,
    spans.map((s) => [s.start, s.end] as const),
  );
  return {
    ...json,
    instruction_spans: spans,
    instruction_mask: mask,
    instruction_importance: instructionImportance(json.density, mask),
  };
}

/**
 * One span per run of consecutive marked tokens, from the first one's start to the last one's end, trimmed of
 * whitespace.
 */
function spansOfRuns(
  prompt: string,
  tokens: ExplainJson['prompt_tokens'],
  marked: readonly boolean[],
): InstructionSpan[] {
  const spans: InstructionSpan[] = [];
  let n = 0;
  while (n < tokens.length) {
    if (!marked[n] || tokens[n].special) {
      n++;
      continue;
    }
    let last = n;
    while (last + 1 < tokens.length && marked[last + 1] && !tokens[last + 1].special) last++;
    let start = tokens[n].start;
    let end = tokens[last].end;
    while (start < end && /\s/.test(prompt[start])) start++;
    while (end > start && /\s/.test(prompt[end - 1])) end--;
    if (end > start) spans.push({ start, end, text: prompt.slice(start, end), source: 'user' });
    n = last + 1;
  }
  return spans;
}
