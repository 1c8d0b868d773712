// The CLI's JSON contract for an explanation (documented in the README, "JSON schema"): snake_case field
// names, the attribution as rows of prompt tokens. Other tools and the tests read these names.
import type { ExplainRequest, ExplainResult } from './explainTypes';

export const EXPLAIN_FORMAT_VERSION = 1;

export function explainJson(request: ExplainRequest, r: ExplainResult): Record<string, unknown> {
  const N = r.promptTokens.length;
  const M = r.responseTokens.length;
  const attribution: number[][] = [];
  for (let n = 0; n < N; n++) attribution.push(Array.from(r.attribution.subarray(n * M, (n + 1) * M)));
  return {
    format_version: EXPLAIN_FORMAT_VERSION,
    model: r.model,
    prompt: request.prompt,
    settings: { max_new_tokens: request.maxNewTokens, chat: request.chat, response_given: request.response !== undefined },
    prompt_tokens: r.promptTokens.map((t) => ({ id: t.id, text: t.text, start: t.start, end: t.end, special: t.special })),
    response_tokens: r.responseTokens.map((t) => ({ id: t.id, text: t.text, special: t.special })),
    probabilities: r.probabilities,
    attribution,
    density: r.density,
    instruction_spans: r.instructionSpans,
    instruction_mask: r.instructionMask,
    instruction_importance: r.instructionImportance,
    timing: r.timing,
  };
}
