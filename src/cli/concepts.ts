// `concepts`: the feed-forward concepts of one checkpoint (DESIGN.md, method 3), without a prompt: per layer
// the leading principal components of W_down^T, their explained-variance ratios, top words and offline
// labels. Text on stdout, the full result with --json.
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { conceptsFor, type ConceptsProgress } from '../engine/concepts';
import { conceptsJson } from '../engine/conceptsJson';
import { renderConcepts } from '../engine/conceptsReport';
import type { LensError } from '../lensError';
import { checkOutputFile, writeOutputFile } from './outputFile';

export const DEFAULT_CONCEPTS = { components: 10, top: 10 } as const;

interface ConceptsOptions {
  model?: string;
  components?: string;
  top?: string;
  json?: string;
  threads?: string;
}

function report(error: LensError): never {
  process.stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
  process.exit(1);
}

/** An integer option, checked here rather than by commander so that a bad value gets one error/hint pair. */
function intOption(value: string | undefined, option: string, fallback: number, example: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    report({ code: 'bad-argument', message: `${option} must be an integer >= 1, got ${JSON.stringify(value)}`, hint: `e.g. ${option} ${example}` });
  }
  return n;
}

/** A bar per stage on stderr (nothing when stderr is not a terminal). */
function progressBar(): { update: (p: ConceptsProgress) => void; stop: () => void } {
  const bar = new SingleBar({ format: '{stage} [{bar}] {value}/{total} layers', stream: process.stderr, hideCursor: true, clearOnComplete: true });
  let stage = '';
  return {
    update(p) {
      if (p.stage === 'words') return;
      if (p.stage !== stage) {
        if (stage) bar.stop();
        stage = p.stage;
        bar.start(p.total, p.done, { stage: stage.padEnd(6) });
      } else bar.update(p.done);
    },
    stop: () => {
      if (stage) bar.stop();
    },
  };
}

async function runConcepts(options: ConceptsOptions, defaultModel: string): Promise<void> {
  const components = intOption(options.components, '--components', DEFAULT_CONCEPTS.components, '10');
  const top = intOption(options.top, '--top', DEFAULT_CONCEPTS.top, '10');
  const threads = options.threads === undefined ? undefined : intOption(options.threads, '--threads', 1, '2');
  const modelDir = options.model ?? defaultModel;
  if (options.model === undefined && !existsSync(join(modelDir, 'config.json'))) {
    report({ code: 'missing-file', message: `the embedded default model is not in ${modelDir}`, hint: 'Pass --model DIR (a Hugging Face checkpoint folder), or build the default pair with `npm run train:models`.' });
  }
  if (options.json !== undefined) {
    const writable = checkOutputFile(options.json, '--json'); // before the run, which takes minutes on a large model
    if (!writable.ok) report(writable.error);
  }
  const bar = progressBar();
  const result = await conceptsFor(modelDir, { components, top, threads, onProgress: bar.update });
  bar.stop();
  if (!result.ok) report(result.error);
  if (options.json !== undefined) {
    const written = writeOutputFile(options.json, JSON.stringify(conceptsJson(result.value), null, 1), '--json');
    if (!written.ok) report(written.error);
  }
  process.stdout.write(renderConcepts(result.value) + '\n');
  if (options.json !== undefined) process.stdout.write(`wrote ${options.json}\n`);
}

/** Adds `concepts` to the CLI; `defaultModel` is the embedded tuned model's folder. */
export function registerConcepts(program: Command, defaultModel: string): void {
  program
    .command('concepts')
    .description('feed-forward concepts: per layer, PCA of the rows of W_down^T, each leading component with its explained variance, its top words by |cosine| with the output embeddings, and offline labels (part of speech, task category)')
    .option('--model <dir>', 'Hugging Face checkpoint folder; default: the embedded tuned model')
    .option('--components <k>', `principal components per layer, at most d_model (default ${DEFAULT_CONCEPTS.components})`)
    .option('--top <k>', `words per component (default ${DEFAULT_CONCEPTS.top})`)
    .option('--json <file>', 'also write the full result as JSON (schema in the README)')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)')
    .action((options: ConceptsOptions) => runConcepts(options, defaultModel));
}
