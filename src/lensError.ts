// Expected failures as values. Every layer may import this file: it holds types and two constructors only.
// A message says what was found; a hint says what to do next. Codes are stable: tests and tools match on them.

export type LensErrorCode =
  | 'missing-file'
  | 'unsupported-arch'
  | 'bad-config'
  | 'corrupt-safetensors'
  | 'corrupt-gguf'
  | 'unsupported-dtype'
  | 'missing-tensor'
  | 'shape-mismatch'
  | 'bad-tokenizer'
  | 'prompt-too-long'
  | 'empty-prompt'
  | 'bad-argument'
  | 'no-chat-template'
  | 'runtime-failure'
  | 'cancelled';

export interface LensError {
  readonly code: LensErrorCode;
  readonly message: string;
  readonly hint: string;
}

export type Result<T, E = LensError> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

export function fail(code: LensErrorCode, message: string, hint: string): Result<never> {
  return { ok: false, error: { code, message, hint } };
}

/** Thrown only to carry a LensError across layers that cannot return a Result (e.g. async session callbacks). */
export class LensFailure extends Error {
  constructor(readonly error: LensError) {
    super(error.message);
  }
}
