#!/usr/bin/env node
// The headless CLI on the same engine as the extension: explain, compare, heads, concepts, batch and score, each
// in its own file of src/cli. Results go to stdout and --json (--html for reports); progress and errors to stderr.
import { Command } from 'commander';
import { join } from 'node:path';
import { registerBatch } from './batch';
import { registerCompare } from './compare';
import { registerConcepts } from './concepts';
import { registerExplain } from './explain';
import { registerHeads } from './heads';
import { registerScore } from './score';

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
    `error: unexpected failure: ${(e as Error).stack ?? String(e)}\nhint: this is a bug in Instruction Lens; please report it with the command line.\n`,
  );
  process.exit(70);
});
