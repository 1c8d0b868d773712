// What one explanation asks for and what it returns. Shared by the CLI, the worker and (later) the UI.
// Field names of ExplainResult follow the CLI's JSON contract (docs/cli.md, "JSON schema"), mapped there to snake_case.

export interface ExplainRequest {
  readonly modelDir: string;
  readonly prompt: string;
  /** When given, the response is this text (tokenised without special tokens); otherwise greedy generation. */
  readonly response?: string;
  readonly maxNewTokens: number;
  /** Wrap the prompt in the checkpoint's chat template (tokenizer_config.json). */
  readonly chat: boolean;
  /** The instruction, as substrings of the prompt; when absent or empty, it is detected automatically. */
  readonly instructions?: readonly string[];
}

export interface InstructionSpan {
  readonly start: number; // character offsets into the prompt
  readonly end: number;
  readonly text: string;
  readonly source: 'user' | 'detected';
}

export interface PromptToken {
  readonly id: number;
  readonly text: string;
  /** Character offsets into the prompt text (JS string indices); special tokens have start === end. */
  readonly start: number;
  readonly end: number;
  readonly special: boolean;
  /** The token holds only later bytes of a character that an earlier token's text shows; its text is "". */
  readonly continuation: boolean;
}

export interface ResponseToken {
  readonly id: number;
  readonly text: string;
  readonly special: boolean;
  readonly continuation: boolean;
}

export interface ExplainResult {
  readonly model: { readonly path: string; readonly architecture: string; readonly parameters: number };
  readonly promptTokens: readonly PromptToken[];
  readonly responseTokens: readonly ResponseToken[];
  /** p(y_m | prompt, y_<m), softmax probability. */
  readonly probabilities: readonly number[];
  /** Raw gradient x input, row-major (N prompt tokens) x (M response tokens). */
  readonly attribution: Float64Array;
  /** Importance density per prompt token; null for special tokens. */
  readonly density: readonly (number | null)[];
  readonly instructionSpans: readonly InstructionSpan[];
  /** Per prompt token: one of its non-whitespace characters lies in an instruction span. */
  readonly instructionMask: readonly boolean[];
  /** Σ over instruction tokens of density / max density, over log2(2 + their count) (Wu et al., section 4.1). */
  readonly instructionImportance: number;
  readonly timing: { readonly load: number; readonly generation: number; readonly attribution: number };
}

export type ExplainProgress =
  | { readonly stage: 'load' }
  | { readonly stage: 'generate'; readonly done: number; readonly total: number }
  | { readonly stage: 'attribute'; readonly done: number; readonly total: number };
