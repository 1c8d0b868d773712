// Typed messages between the extension host and the engine worker: one union per direction, discriminated
// on `type`. (Host <-> webview messages join this file with the panels.)
import type { ExplainProgress, ExplainRequest } from './engine/explainTypes';
import type { LensError } from './lensError';

/** Host -> worker */
export type WorkerRequest =
  | { readonly type: 'explain'; readonly jobId: number; readonly request: ExplainRequest; readonly threads?: number }
  | { readonly type: 'cancel'; readonly jobId: number };

/** What an explanation looks like on the wire: the attribution as a plain array (structured clone keeps typed arrays too). */
export interface ExplainPayload {
  readonly json: Record<string, unknown>; // the CLI's JSON contract (src/cli/explainJson.ts)
  readonly text: string; // the plain-text rendering
}

/** Worker -> host */
export type WorkerResponse =
  | { readonly type: 'progress'; readonly jobId: number; readonly progress: ExplainProgress }
  | { readonly type: 'done'; readonly jobId: number; readonly result: ExplainPayload }
  | { readonly type: 'failed'; readonly jobId: number; readonly error: LensError };
