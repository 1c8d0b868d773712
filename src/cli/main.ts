#!/usr/bin/env node
// The headless CLI on the same engine as the extension: explain, compare, heads, concepts, batch and score, each
// in its own file of src/cli. Results go to stdout and --json (--html for reports); progress and errors to stderr.
import { Command } from 'commander';
import { join } from 'node:path';
import { registerBatch } from '../methods/attribution/batchCli';
import { registerCompare } from '../methods/compare/cli';
import { registerConcepts } from '../methods/concepts/cli';
import { registerExplain } from '../methods/attribution/cli';
import { registerHeads } from '../methods/heads/cli';
import { registerScore } from '../methods/attribution/scoreCli';

/** The embedded instruction-tuned model (models/ beside dist/, where the bundle runs from). */
const DEFAULT_MODEL = join(__dirname, '..', 'models', 'wordnet-tuned');

const program = new Command('instruction-lens')
  .description('Explain why a local LLM follows an instruction (Wu et al., arXiv 2310.00492).')
  .showHelpAfterError();

registerExplain(program, DEFAULT_MODEL);
registerBatch(program, DEFAULT_MODEL);
registerScore(program);
registerHeads(program, DEFAULT_MODEL);
registerConcepts(program, DEFAULT_MODEL);
registerCompare(program, { base: join(__dirname, '..', 'models', 'wordnet-base'), tuned: DEFAULT_MODEL });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(
    `error: unexpected failure: ${(e as Error).stack ?? String(e)}\nhint: this is a bug in ` +
      `Instruction Lens; please report it with the command line.\n`,
  );
  process.exit(70);
});
