// Compare Models, end to end (the CLI's `compare`, the extension's Compare Models…): each model explains the
// prompt with its own greedy response, as the paper does, and, globally, both models' head patterns and
// feed-forward concepts are computed and compared layer by layer (src/methods/compare/modelComparison.ts). Models are
// loaded one at a time and freed after use, so a comparison needs the memory of the larger model only.
import { compareGlobal, type GlobalComparison, type ModelSummary } from './modelComparison';
import { fail, ok, type Result } from '../../lensError';
import { checkpointHandle, type CheckpointHandle } from '../../runtime/openCheckpoint';
import { conceptsFor, type ConceptsResult, DEFAULT_CONCEPTS } from '../concepts/run';
import { explainWith } from '../attribution/run';
import { explainJson, type ExplainJson } from '../attribution/json';
import { DEFAULT_HEADS_SETTINGS, headPatternsFor, type HeadsResult } from '../heads/run';
import { loadModel } from '../../runtime/loadModel';

export interface GlobalOptions {
  readonly components: number; // leading feed-forward components per layer (principal angles, categories)
  readonly top: number; // words per component, for the category labels
  readonly threads?: number;
}

export const DEFAULT_GLOBAL_OPTIONS: GlobalOptions = DEFAULT_CONCEPTS;

export interface CompareRequest {
  readonly baseDir: string;
  readonly tunedDir: string;
  readonly prompt: string;
  readonly maxNewTokens: number;
  /** 'auto': each model's chat template when both checkpoints have one (the same prompt format for both). */
  readonly chat: boolean | 'auto';
  readonly instructions?: readonly string[];
  /** Also compare heads and concepts (weights only; a minute or more on a 7B model). */
  readonly global: boolean;
  readonly globalOptions?: GlobalOptions;
}

export interface CompareProgress {
  readonly stage: string; // "base: generate", "tuned: heads", …
  readonly done?: number;
  readonly total?: number;
}

export interface CompareHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: CompareProgress) => void;
}

export interface CompareResult {
  readonly chat: boolean;
  readonly base: ExplainJson;
  readonly tuned: ExplainJson;
  readonly global: GlobalComparison | null;
}

const cancelled = () => fail('cancelled', 'the comparison was cancelled', 'Run it again when you are ready.');

/** Whether both checkpoints have a chat template (for chat 'auto'); errors of either folder come first. */
async function bothHaveChatTemplates(base: CheckpointHandle, tuned: CheckpointHandle): Promise<Result<boolean>> {
  const b = await base.open();
  if (!b.ok) return b;
  const t = await tuned.open();
  if (!t.ok) return t;
  return ok(b.value.checkpoint.chatTemplate.ok && t.value.checkpoint.chatTemplate.ok);
}

async function explainOne(
  role: 'base' | 'tuned',
  model: CheckpointHandle,
  request: CompareRequest,
  chat: boolean,
  threads: number | undefined,
  hooks: CompareHooks,
): Promise<Result<ExplainJson>> {
  hooks.onProgress?.({ stage: `${role}: load` });
  const loaded = await loadModel(model, { threads });
  if (!loaded.ok) return loaded;
  try {
    const explainRequest = {
      modelDir: model.path,
      prompt: request.prompt,
      maxNewTokens: request.maxNewTokens,
      chat,
      instructions: request.instructions,
    };
    const result = await explainWith(loaded.value.model, explainRequest, loaded.value.seconds, {
      signal: hooks.signal,
      onProgress: (p) =>
        hooks.onProgress?.(
          p.stage === 'load'
            ? { stage: `${role}: load` }
            : { stage: `${role}: ${p.stage}`, done: p.done, total: p.total },
        ),
    });
    return result.ok ? ok(explainJson(explainRequest, result.value)) : result;
  } finally {
    loaded.value.model.dispose();
  }
}

export async function compareModels(request: CompareRequest, hooks: CompareHooks = {}): Promise<Result<CompareResult>> {
  const threads = request.globalOptions?.threads;
  // each model opened once for the whole job: the chat-template check, its explanation, heads and concepts
  const baseModel = checkpointHandle(request.baseDir);
  const tunedModel = checkpointHandle(request.tunedDir);
  let chat: boolean;
  if (request.chat === 'auto') {
    const both = await bothHaveChatTemplates(baseModel, tunedModel);
    if (!both.ok) return both;
    chat = both.value;
  } else chat = request.chat;
  const base = await explainOne('base', baseModel, request, chat, threads, hooks);
  if (!base.ok) return base;
  if (hooks.signal?.aborted) return cancelled();
  const tuned = await explainOne('tuned', tunedModel, request, chat, threads, hooks);
  if (!tuned.ok) return tuned;
  let global: GlobalComparison | null = null;
  if (request.global) {
    const compared = await globalComparisonFor(
      baseModel,
      tunedModel,
      request.globalOptions ?? DEFAULT_GLOBAL_OPTIONS,
      hooks,
    );
    if (!compared.ok) return compared;
    global = compared.value;
  }
  return ok({ chat, base: base.value, tuned: tuned.value, global });
}

function summary(heads: HeadsResult, concepts: ConceptsResult): ModelSummary {
  return {
    hiddenSize: concepts.model.hiddenSize,
    layers: heads.layers.map((h, layer) => {
      const c = concepts.layers.find((l) => l.layer === layer);
      if (!c) throw new Error(`concepts: no layer ${layer}`);
      return {
        heads: h.counts,
        components: c.vectors,
        componentCount: concepts.components,
        categories: c.components.map((x) => x.label.category.category),
      };
    }),
  };
}

/** Heads and concepts of both models (weights only, no prompt), compared layer by layer. */
export async function globalComparisonFor(
  baseModel: CheckpointHandle,
  tunedModel: CheckpointHandle,
  options: GlobalOptions,
  hooks: CompareHooks = {},
): Promise<Result<GlobalComparison>> {
  const summaries: ModelSummary[] = [];
  for (const [role, model] of [
    ['base', baseModel],
    ['tuned', tunedModel],
  ] as const) {
    const heads = await headPatternsFor(
      { model, settings: { ...DEFAULT_HEADS_SETTINGS, threads: options.threads } },
      {
        signal: hooks.signal,
        onProgress: (p) => hooks.onProgress?.({ stage: `${role}: heads (${p.stage})`, done: p.done, total: p.total }),
      },
    );
    if (!heads.ok) return heads;
    if (hooks.signal?.aborted) return cancelled();
    const concepts = await conceptsFor(model, {
      components: options.components,
      top: options.top,
      threads: options.threads,
      signal: hooks.signal,
      onProgress: (p) =>
        hooks.onProgress?.({
          stage: `${role}: concepts (${p.stage})`,
          ...('done' in p ? { done: p.done, total: p.total } : {}),
        }),
    });
    if (!concepts.ok) return concepts;
    summaries.push(summary(heads.value, concepts.value));
  }
  const [base, tuned] = summaries;
  if (base.layers.length !== tuned.layers.length || base.hiddenSize !== tuned.hiddenSize) {
    return fail(
      'bad-argument',
      `the two models differ in shape (${base.layers.length} layers of width ${base.hiddenSize} ` +
        `against ${tuned.layers.length} of width ${tuned.hiddenSize}): heads and concepts are compared ` +
        `layer by layer`,
      'Compare a model with its own tuned sibling, or pass --no-global to compare the explanations only.',
    );
  }
  return ok(compareGlobal(base, tuned));
}
