// The prompt of `explain` and `compare`: exactly one of --prompt TEXT and --prompt-file FILE, not blank.
import { readFileSync } from 'node:fs';
import { fail, ok, type Result } from '../lensError';

export function readPromptOption(options: { readonly prompt?: string; readonly promptFile?: string }): Result<string> {
  if ((options.prompt === undefined) === (options.promptFile === undefined)) {
    return fail(
      'bad-argument',
      'give the prompt with exactly one of --prompt and --prompt-file',
      'e.g. --prompt "Define the word apple."',
    );
  }
  let prompt = options.prompt ?? '';
  if (options.promptFile !== undefined) {
    try {
      prompt = readFileSync(options.promptFile, 'utf8');
    } catch (e) {
      return fail(
        'missing-file',
        `${options.promptFile}: ` +
          `${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
        'Check the path given to --prompt-file.',
      );
    }
  }
  // checked before loading: loading a large model only to refuse the prompt would waste a minute
  if (prompt.trim() === '')
    return fail('empty-prompt', 'the prompt is empty', 'Pass --prompt "..." or --prompt-file FILE with text in it.');
  return ok(prompt);
}
