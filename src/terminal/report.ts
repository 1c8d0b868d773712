// How a command stops on an expected failure: one `error:`/`hint:` pair on stderr and status 1, never a stack
// trace; and the checks the commands make before a run that can take minutes, so a typo does not cost the run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LensError } from '../lensError';
import { checkOutputFile } from './outputFile';

export function report(error: LensError): never {
  process.stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
  process.exit(1);
}

const BUILD_DEFAULT_MODEL =
  'Pass --model DIR (a Hugging Face checkpoint folder), or build the default pair with `npm run train:models`.';

/** Stops when no folder was `given` and the embedded default model in `dir` has not been built. */
export function requireDefaultModel(given: string | undefined, dir: string, hint = BUILD_DEFAULT_MODEL): void {
  if (given === undefined && !existsSync(join(dir, 'config.json'))) {
    report({ code: 'missing-file', message: `the embedded default model is not in ${dir}`, hint });
  }
}

/** Stops unless every given output path (e.g. [options.json, '--json']) can be written. */
export function requireOutputFiles(outputs: readonly (readonly [path: string | undefined, option: string])[]): void {
  for (const [path, option] of outputs) {
    if (path === undefined) continue;
    const writable = checkOutputFile(path, option);
    if (!writable.ok) report(writable.error);
  }
}
