// One explanation, end to end: tokenise, generate (or take the given response), attribute, sparsify.
// It runs wherever it is called (the CLI's process, or the engine worker for the extension); loading the
// model is the caller's business (the worker keeps loaded models, src/engine/worker.ts), so one loaded model
// serves many prompts.
import { importanceDensity, sparsify } from './density';
import { detectInstructionSpans } from './instructionDetection';
import { instructionImportance, instructionMask, locateSpans } from './instructionImportance';
import { fail, ok, type Result } from '../../lensError';
import type { LensModel } from '../../runtime/lensModel';
import type { ExplainProgress, ExplainRequest, ExplainResult, InstructionSpan, ResponseToken } from './types';
import { tokenizePrompt } from './promptTokens';

export interface ExplainHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ExplainProgress) => void;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

const cancelled = () => fail('cancelled', 'the explanation was cancelled', 'Run it again when you are ready.');

export async function explainWith(
  model: LensModel,
  request: ExplainRequest,
  loadSeconds: number,
  hooks: ExplainHooks = {},
): Promise<Result<ExplainResult>> {
  const { checkpoint, config } = model;
  const { tokenizer } = checkpoint;
  if (!Number.isInteger(request.maxNewTokens) || request.maxNewTokens < 1) {
    return fail(
      'bad-argument',
      `max new tokens must be a positive integer, got ${request.maxNewTokens}`,
      'Pass --max-new-tokens 1 or more.',
    );
  }
  const spans = instructionSpans(request.prompt, request.instructions ?? []);
  if (!spans.ok) return spans;
  const prompt = await tokenizePrompt(tokenizer, request.prompt, request.chat ? checkpoint.chatTemplate : null);
  if (!prompt.ok) return prompt;
  const promptTokens = prompt.value;
  const promptIds = promptTokens.map((t) => t.id);
  const N = promptIds.length;

  let responseIds: number[];
  const generationStart = performance.now();
  if (request.response !== undefined) {
    responseIds = (await tokenizer.encode(request.response, { addSpecialTokens: false })).ids;
    if (responseIds.length === 0)
      return fail(
        'bad-argument',
        'the given response is empty',
        'Pass a non-empty --response, or leave it out to let the model answer.',
      );
    if (N + responseIds.length > config.maxPositions)
      return tooLong(N + responseIds.length, config.maxPositions, 'prompt and response are');
  } else {
    if (N >= config.maxPositions) return tooLong(N, config.maxPositions, 'the prompt is');
    hooks.onProgress?.({ stage: 'generate', done: 0, total: request.maxNewTokens });
    responseIds = await model.generate(promptIds, request.maxNewTokens, (_id, done) => {
      hooks.onProgress?.({ stage: 'generate', done, total: request.maxNewTokens });
      return !hooks.signal?.aborted;
    });
  }
  const generation = seconds(generationStart);
  if (hooks.signal?.aborted) return cancelled();

  const attributionStart = performance.now();
  const M = responseIds.length;
  hooks.onProgress?.({ stage: 'attribute', done: 0, total: M });
  const { probabilities, attribution, complete } = await model.attribute(
    promptIds,
    responseIds,
    (done, total) => hooks.onProgress?.({ stage: 'attribute', done, total }),
    hooks.signal,
  );
  if (!complete || hooks.signal?.aborted) return cancelled();
  const include = promptTokens.map((t) => !t.special);
  const density = importanceDensity(sparsify(attribution, N, M, include), N, M, include);

  const mask = instructionMask(
    request.prompt,
    promptTokens,
    spans.value.map((s) => [s.start, s.end] as const),
  );
  const responseSpecial = responseIds.map((id) => tokenizer.specialIds.has(id));
  const responseTexts = await tokenizer.sequenceTexts(responseIds, responseSpecial);
  const responseTokens: ResponseToken[] = responseIds.map((id, m) => ({
    id,
    ...responseTexts[m],
    special: responseSpecial[m],
  }));
  return ok({
    model: { path: checkpoint.dir, architecture: config.architecture, parameters: checkpoint.parameterCount },
    promptTokens,
    responseTokens,
    probabilities: [...probabilities],
    attribution,
    density,
    instructionSpans: spans.value,
    instructionMask: mask,
    instructionImportance: instructionImportance(density, mask),
    timing: { load: loadSeconds, generation, attribution: seconds(attributionStart) },
  });
}

/** The user's instruction substrings located in the prompt, or the detected instruction sentences. */
function instructionSpans(prompt: string, given: readonly string[]): Result<InstructionSpan[]> {
  if (given.length === 0)
    return ok(
      detectInstructionSpans(prompt).map(([start, end]) => ({
        start,
        end,
        text: prompt.slice(start, end),
        source: 'detected' as const,
      })),
    );
  const located = locateSpans(prompt, given);
  const missing = located.findIndex((s) => s === null);
  if (missing >= 0) {
    return fail(
      'bad-argument',
      `the instruction ${JSON.stringify(given[missing])} is not in the prompt`,
      'Pass --instruction with text copied exactly from the prompt, or leave it out to detect the instruction.',
    );
  }
  return ok(
    located.map((s) => ({ start: s![0], end: s![1], text: prompt.slice(s![0], s![1]), source: 'user' as const })),
  );
}

/** A prompt (and response) longer than the model's context: the same error for a run and its estimate. */
export function tooLong(tokens: number, limit: number, what: string): Result<never> {
  return fail(
    'prompt-too-long',
    `${what} ${tokens} tokens; the model's context is ${limit} (max_position_embeddings)`,
    'Shorten the prompt, or lower --max-new-tokens / the response.',
  );
}
