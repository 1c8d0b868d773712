// Typed messages on the extension's two channels, one union per direction, discriminated on `type`:
//   host <-> engine worker  (WorkerRequest / WorkerResponse)
//   host <-> webviews       (one pair of unions per view: explain panel, heads view, compare panel)
// The webview bundles import this file for its types only. What a webview sends is untrusted input: the host
// checks every message with src/ui/webviewMessages.ts before it acts on it.
import type { GlobalComparisonJson } from './methods/compare/json';
import type { ConceptsJson } from './methods/concepts/json';
import type { ExplainJson } from './methods/attribution/json';
import type { ExplainRequest } from './methods/attribution/types';
import type { HeadsJson } from './methods/heads/json';
import type { LensError } from './lensError';

// ---------------------------------------------------------------------------------------------------------
// host <-> engine worker

/** As ExplainRequest, but `chat: 'auto'` lets the worker decide: on when the checkpoint has a chat template. */
export type HostExplainRequest = Omit<ExplainRequest, 'chat'> & { readonly chat: boolean | 'auto' };

/** Attention of one prompt (+ response), for the heads view's local shading and attention maps. */
export interface AttentionRequest {
  readonly modelDir: string;
  /** Token ids of prompt and response, as the explanation ran them. */
  readonly ids: readonly number[];
  /** How many of `ids` are the prompt; the rest are the response. */
  readonly promptLength: number;
}

export type EngineJob =
  | { readonly kind: 'explain'; readonly request: HostExplainRequest }
  | { readonly kind: 'heads'; readonly modelDir: string }
  | { readonly kind: 'concepts'; readonly modelDir: string }
  | {
      readonly kind: 'attention';
      readonly request: AttentionRequest;
      readonly head?: { readonly layer: number; readonly head: number };
    }
  | { readonly kind: 'compare'; readonly baseDir: string; readonly tunedDir: string };

/** What an explanation looks like on the wire. */
export interface ExplainPayload {
  readonly json: ExplainJson; // the CLI's JSON contract (src/methods/attribution/json.ts)
  readonly text: string; // the plain-text rendering
}

/**
 * Attention of every head for one sequence of T tokens (N of them the prompt). The worker keeps the full
 * maps of the last sequence; the host gets the per-head summary and, when it asks, one head's map.
 */
export interface AttentionPayload {
  readonly layers: number;
  readonly heads: number;
  readonly tokens: number; // T
  readonly promptLength: number; // N
  /**
   * (layers, heads, N) row-major: mean attention from the response positions (all positions when there is no response)
   * to each prompt token.
   */
  readonly toPrompt: Float32Array;
  /** (T, T) the asked head's attention probabilities, row = query position. */
  readonly map?: Float32Array;
}

/** Each job's result: the CLI's JSON contracts (docs/cli.md), typed where they are made in src/engine. */
export interface EngineResults {
  readonly explain: ExplainPayload;
  readonly heads: HeadsJson;
  readonly concepts: ConceptsJson;
  readonly attention: AttentionPayload;
  readonly compare: GlobalComparisonJson;
}

/** Progress of any job: a stage name, and counts where the stage has them. */
export interface EngineProgress {
  readonly stage: string;
  readonly done?: number;
  readonly total?: number;
  /**
   * Stage 'estimate': what the run is expected to cost ("about 42 s (3.10 TFLOP, peak 1.2 GiB)"), sent for long runs.
   */
  readonly estimate?: string;
}

/** Host -> worker */
export type WorkerRequest =
  | { readonly type: 'run'; readonly jobId: number; readonly job: EngineJob; readonly threads?: number }
  | { readonly type: 'cancel'; readonly jobId: number };

/** Worker -> host */
export type WorkerResponse =
  | { readonly type: 'progress'; readonly jobId: number; readonly progress: EngineProgress }
  | { readonly type: 'done'; readonly jobId: number; readonly result: EngineResults[EngineJob['kind']] }
  | { readonly type: 'failed'; readonly jobId: number; readonly error: LensError };

// ---------------------------------------------------------------------------------------------------------
// What the views show (built by src/ui/viewModel, rendered by webview/ as is)

export interface ViewPromptToken {
  /** The token's text with whitespace made visible where it would vanish ("↵" before a newline). */
  readonly text: string;
  readonly special: boolean;
  /** Only later bytes of a character that the token before shows; text is "". */
  readonly continuation: boolean;
  readonly density: number | null;
  /** density / max density over the prompt, 0..1 (0 for special tokens) */
  readonly shade: number;
  readonly instruction: boolean;
}

export interface ViewResponseToken {
  readonly text: string;
  readonly special: boolean;
  readonly continuation: boolean;
  readonly probability: number;
}

export interface ExplainView {
  readonly modelName: string;
  /**
   * One line saying the model is the embedded demonstrator (views show it with the Add Model action); null otherwise.
   */
  readonly demonstrator: string | null;
  readonly modelPath: string;
  readonly architecture: string;
  readonly parameters: number;
  readonly chat: boolean;
  readonly responseGiven: boolean;
  readonly promptTokens: readonly ViewPromptToken[];
  readonly responseTokens: readonly ViewResponseToken[];
  /** Per response token m: each prompt token's share, max(0, A[n, m]) / max over non-special n (0..1). */
  readonly byResponse: readonly (readonly number[])[];
  /** Per prompt token n: each response token's share, max(0, A[n, m]) / max over m (0..1). */
  readonly byPrompt: readonly (readonly number[])[];
  readonly instructionSpans: readonly { readonly text: string; readonly source: 'user' | 'detected' }[];
  readonly instructionImportance: number;
  readonly instructionTokens: number;
  /** The user changed the instruction; 'reset' goes back to the spans the explanation was computed with. */
  readonly edited: boolean;
  readonly seconds: { readonly load: number; readonly generation: number; readonly attribution: number };
}

export type HeadsMode = 'global' | 'local';

export interface HeadCell {
  readonly layer: number;
  readonly head: number;
  /** Share of the head's word pairs that involve an instruction verb (0..1); null when not computed or no pairs. */
  readonly verbShare: number | null;
  /** How many of the head's word pairs involve an instruction verb; 0 shows as "none"; null when not computed. */
  readonly verbPairs: number | null;
  /** Mean attention of the response to the current prompt's instruction tokens (0..1); null without a prompt. */
  readonly instructionAttention: number | null;
}

export interface HeadsGridView {
  readonly modelName: string;
  readonly demonstrator: string | null;
  readonly layers: number;
  readonly heads: number;
  /** layers x heads, row-major */
  readonly cells: readonly HeadCell[];
  /** Where the local shading comes from (the explained prompt), or null. */
  readonly promptExcerpt: string | null;
}

/** A row of the head detail's table: one word pair as the view shows it. */
export interface PairRow {
  readonly query: string;
  readonly key: string;
  readonly instructionVerb: boolean;
}

export interface HeadDetailView {
  readonly layer: number;
  readonly head: number;
  /** The head's word pairs, instruction-verb pairs first, at most PAIRS_SHOWN of them. */
  readonly pairs: readonly PairRow[];
  /** How many unique pairs the head has in all. */
  readonly totalPairs: number;
  /** The head's attention over the current prompt and response, or null without one. */
  readonly attention: {
    readonly tokens: readonly string[];
    readonly promptLength: number;
    readonly rows: readonly (readonly number[])[];
  } | null;
}

/** A row of the concepts view: one component as the view shows it. */
export interface ComponentRow {
  readonly index: number;
  readonly explainedVariance: number; // ratio, 0..1
  readonly words: readonly string[];
  readonly label: string | null;
  /** A name from a language model in VS Code (Language Model API), when the user asked for one. */
  readonly modelName: string | null;
}

export interface ConceptsView {
  readonly layer: number;
  readonly layers: number;
  readonly components: readonly ComponentRow[];
  /** Which language model named the components, when one did. */
  readonly namedBy: string | null;
}

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly number[];
}

export interface CompareChart {
  readonly title: string;
  readonly description: string;
  readonly kind: 'bar' | 'line';
  readonly labels: readonly string[];
  readonly series: readonly ChartSeries[];
  readonly yLabel: string;
  /** Why every value is zero or there is nothing to draw, shown in place of the chart; null when there is data. */
  readonly emptyNote: string | null;
}

export interface CompareView {
  /** The embedded pair's one-line notice, when either model is part of it. */
  readonly demonstrator: string | null;
  readonly base: ExplainView;
  readonly tuned: ExplainView;
  /** tuned - base */
  readonly difference: number;
  readonly charts: readonly CompareChart[];
  /** Why there are no charts (yet), when there are none. */
  readonly chartsNote: string | null;
}

// ---------------------------------------------------------------------------------------------------------
// host <-> explain panel

export type ExplainPanelMessage =
  | { readonly type: 'ready' }
  /** Mark (instruction = true) or unmark the given prompt tokens as instruction. */
  | { readonly type: 'setInstruction'; readonly tokens: readonly number[]; readonly instruction: boolean }
  | { readonly type: 'resetInstruction' }
  | { readonly type: 'export'; readonly format: 'json' | 'html' }
  | { readonly type: 'addModel' };

export type ExplainPanelUpdate =
  | { readonly type: 'busy'; readonly message: string }
  | { readonly type: 'explanation'; readonly view: ExplainView }
  | { readonly type: 'failed'; readonly message: string; readonly hint: string };

// ---------------------------------------------------------------------------------------------------------
// host <-> heads view (the side panel)

export type HeadsViewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'load' }
  | { readonly type: 'selectHead'; readonly layer: number; readonly head: number }
  | { readonly type: 'showConcepts'; readonly layer: number }
  /** Ask a language model in VS Code to name the layer's concepts (sends their top words to it). */
  | { readonly type: 'nameConcepts'; readonly layer: number }
  | { readonly type: 'addModel' };

export type HeadsViewUpdate =
  | { readonly type: 'empty'; readonly modelName: string; readonly demonstrator: string | null }
  | { readonly type: 'busy'; readonly message: string }
  | { readonly type: 'grid'; readonly view: HeadsGridView }
  | { readonly type: 'head'; readonly view: HeadDetailView }
  | { readonly type: 'concepts'; readonly view: ConceptsView }
  | { readonly type: 'failed'; readonly message: string; readonly hint: string };

// ---------------------------------------------------------------------------------------------------------
// host <-> compare panel

export type ComparePanelMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'export'; readonly format: 'json' | 'html' }
  | { readonly type: 'addModel' };

export type ComparePanelUpdate =
  | { readonly type: 'busy'; readonly message: string }
  | { readonly type: 'compare'; readonly view: CompareView }
  | { readonly type: 'failed'; readonly message: string; readonly hint: string };
