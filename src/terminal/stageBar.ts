// Progress of a run on stderr: one bar per stage that counts (cli-progress draws nothing when stderr is not a
// terminal). A stage without a total (loading, say) shows no bar.
import { SingleBar } from 'cli-progress';

/** The shape of every engine job's progress events. */
export interface StageProgress {
  readonly stage: string;
  readonly done?: number;
  readonly total?: number;
}

export interface StageBarOptions {
  /** cli-progress format, with {stage} and the bar's fields, e.g. '{stage} [{bar}] {value}/{total}'. */
  readonly format: string;
  /** The stage names padded to this width, so the bars line up. */
  readonly stageWidth: number;
  /** A stage whose events are ignored: the previous stage's bar stays up through it. */
  readonly skip?: string;
}

export function stageBar(options: StageBarOptions): { update: (p: StageProgress) => void; stop: () => void } {
  const bar = new SingleBar({
    format: options.format,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  let stage = '';
  let running = false;
  return {
    update(p) {
      if (p.stage === options.skip) return;
      if (p.stage !== stage) {
        if (running) bar.stop();
        running = false;
        stage = p.stage;
        if (p.total !== undefined) {
          bar.start(p.total, p.done ?? 0, { stage: stage.padEnd(options.stageWidth) });
          running = true;
        }
      } else if (running && p.done !== undefined) bar.update(p.done);
    },
    stop: () => {
      if (running) bar.stop();
    },
  };
}
