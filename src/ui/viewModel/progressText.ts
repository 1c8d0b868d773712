// The words of a job's progress notification: the stage, its counts, and for a long run the estimate of what
// it costs, kept beside every later stage.
import type { EngineProgress } from '../../protocol';

export function progressMessage(p: EngineProgress): string {
  if (p.stage === 'load') return 'loading the model…';
  if (p.stage === 'estimate') return `estimated ${p.estimate ?? ''}`;
  const counts = p.done !== undefined && p.total !== undefined ? ` ${p.done}/${p.total}` : '';
  const words: Record<string, string> = { generate: 'generating', attribute: 'attributing' };
  return `${words[p.stage] ?? p.stage}${counts}`;
}

/** The notification's messages for a job's progress events: a long run's estimate stays beside each later stage. */
export function progressMessages(): (p: EngineProgress) => string {
  let estimate = '';
  return (p) => {
    if (p.stage === 'estimate') {
      estimate = p.estimate ?? '';
      return progressMessage(p);
    }
    return estimate ? `${progressMessage(p)} (estimated ${estimate})` : progressMessage(p);
  };
}
