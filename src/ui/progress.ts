// Runs an engine job behind a progress notification with a Cancel button: the CancellationToken becomes
// the AbortSignal the engine takes, so Cancel reaches the worker and frees it.
import * as vscode from 'vscode';
import type { EngineProgress } from '../protocol';
import { progressMessages } from './viewModel/progressText';

export { progressMessage } from './viewModel/progressText';
import type { LensError, Result } from '../lensError';

export function withEngineProgress<T>(
  title: string,
  run: (signal: AbortSignal, onProgress: (p: EngineProgress) => void) => Promise<Result<T>>,
): Thenable<Result<T>> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const message = progressMessages();
      return run(abort.signal, (p) => progress.report({ message: message(p) }));
    },
  );
}

/** Shows a failed job's error (a cancelled one says nothing); true when the result is an error. */
export function reportFailure<T>(result: Result<T>): result is { ok: false; error: LensError } {
  if (result.ok) return false;
  if (result.error.code !== 'cancelled')
    void vscode.window.showErrorMessage(`Instruction Lens: ${result.error.message}. ${result.error.hint}`);
  return true;
}
