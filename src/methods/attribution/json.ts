// The CLI's JSON contract for an explanation (docs/cli.md, "JSON schema"): snake_case field
// names, the attribution as rows of prompt tokens. Other tools and the tests read these names.
import type { ExplainRequest, ExplainResult, InstructionSpan } from './types';

export const EXPLAIN_FORMAT_VERSION = 1;

/** The JSON contract as a type: the CLI writes it, the worker sends it, the views and reports read it. */
export type ExplainJson = {
  readonly format_version: number;
  readonly model: { readonly path: string; readonly architecture: string; readonly parameters: number };
  readonly prompt: string;
  readonly settings: { readonly max_new_tokens: number; readonly chat: boolean; readonly response_given: boolean };
  /** continuation: the token only continues a character an earlier token shows (absent in files before it). */
  readonly prompt_tokens: readonly {
    readonly id: number;
    readonly text: string;
    readonly start: number;
    readonly end: number;
    readonly special: boolean;
    readonly continuation?: boolean;
  }[];
  readonly response_tokens: readonly {
    readonly id: number;
    readonly text: string;
    readonly special: boolean;
    readonly continuation?: boolean;
  }[];
  readonly probabilities: readonly number[];
  /** N rows (prompt tokens) x M columns (response tokens). */
  readonly attribution: readonly (readonly number[])[];
  readonly density: readonly (number | null)[];
  readonly instruction_spans: readonly InstructionSpan[];
  readonly instruction_mask: readonly boolean[];
  readonly instruction_importance: number;
  readonly timing: { readonly load: number; readonly generation: number; readonly attribution: number };
};

export function explainJson(request: ExplainRequest, r: ExplainResult): ExplainJson {
  const N = r.promptTokens.length;
  const M = r.responseTokens.length;
  const attribution: number[][] = [];
  for (let n = 0; n < N; n++) attribution.push(Array.from(r.attribution.subarray(n * M, (n + 1) * M)));
  return {
    format_version: EXPLAIN_FORMAT_VERSION,
    model: r.model,
    prompt: request.prompt,
    settings: {
      max_new_tokens: request.maxNewTokens,
      chat: request.chat,
      response_given: request.response !== undefined,
    },
    prompt_tokens: r.promptTokens.map((t) => ({
      id: t.id,
      text: t.text,
      start: t.start,
      end: t.end,
      special: t.special,
      continuation: t.continuation,
    })),
    response_tokens: r.responseTokens.map((t) => ({
      id: t.id,
      text: t.text,
      special: t.special,
      continuation: t.continuation,
    })),
    probabilities: r.probabilities,
    attribution,
    density: r.density,
    instruction_spans: r.instructionSpans,
    instruction_mask: r.instructionMask,
    instruction_importance: r.instructionImportance,
    timing: r.timing,
  };
}
