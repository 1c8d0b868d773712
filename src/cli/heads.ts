// `heads`: the self-attention head patterns of one checkpoint (DESIGN.md, method 2), without a prompt: per
// layer and head the dimensions ranked by energy, the related word pairs of the leading ones, and the shares
// of pairs with an instruction verb and with a general verb. Text on stdout, the full result with --json.
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_HEADS_SETTINGS, headPatternsFor, type HeadsProgress } from '../engine/heads';
import { headsJson } from '../engine/headsJson';
import { renderHeads } from '../engine/headsReport';
import type { LensError } from '../lensError';

interface HeadsOptions {
  model?: string;
  words?: string;
  glove?: string;
  instructionVerbs?: string;
  generalVerbs?: string;
  top?: string;
  dims?: string;
  baselinePairs?: string;
  seed?: string;
  json?: string;
  threads?: string;
}

function report(error: LensError): never {
  process.stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
  process.exit(1);
}

/** An integer option, checked here rather than by commander so that a bad value gets one error/hint pair. */
function intOption(value: string | undefined, option: string, min: number, fallback: number, example: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    report({ code: 'bad-argument', message: `${option} must be an integer >= ${min}, got ${JSON.stringify(value)}`, hint: `e.g. ${option} ${example}` });
  }
  return n;
}

/** A bar per stage on stderr (nothing when stderr is not a terminal). */
function progressBar(): { update: (p: HeadsProgress) => void; stop: () => void } {
  const bar = new SingleBar({ format: '{stage} [{bar}] {percentage}%', stream: process.stderr, hideCursor: true, clearOnComplete: true });
  let stage = '';
  return {
    update(p) {
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

async function runHeads(options: HeadsOptions, defaultModel: string): Promise<void> {
  const d = DEFAULT_HEADS_SETTINGS;
  const settings = {
    top: intOption(options.top, '--top', 1, d.top, '10'),
    dims: intOption(options.dims, '--dims', 1, d.dims, '8'),
    baselinePairs: intOption(options.baselinePairs, '--baseline-pairs', 1, d.baselinePairs, '10000'),
    seed: intOption(options.seed, '--seed', 0, d.seed, '0'),
    threads: options.threads === undefined ? undefined : intOption(options.threads, '--threads', 1, 1, '2'),
  };
  const modelDir = options.model ?? defaultModel;
  if (options.model === undefined && !existsSync(join(modelDir, 'config.json'))) {
    report({ code: 'missing-file', message: `the embedded default model is not in ${modelDir}`, hint: 'Pass --model DIR (a Hugging Face checkpoint folder), or build the default pair with `npm run train:models`.' });
  }
  if (options.json !== undefined) {
    // checked before the run, which can take minutes on a large model
    const dir = dirname(resolve(options.json));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) report({ code: 'bad-argument', message: `--json ${options.json}: the folder ${dir} does not exist`, hint: 'Pass --json a file path in an existing folder.' });
  }
  const bar = progressBar();
  const result = await headPatternsFor(
    {
      modelDir,
      wordsFile: options.words,
      gloveFile: options.glove,
      instructionVerbsFile: options.instructionVerbs,
      generalVerbsFile: options.generalVerbs,
      settings,
    },
    { onProgress: bar.update },
  );
  bar.stop();
  if (!result.ok) report(result.error);
  if (options.json !== undefined) {
    try {
      writeFileSync(options.json, JSON.stringify(headsJson(result.value), null, 1));
    } catch (e) {
      report({ code: 'bad-argument', message: `--json ${options.json}: cannot write (${(e as Error).message})`, hint: 'Pass --json a file path in a writable folder.' });
    }
  }
  process.stdout.write(renderHeads(result.value) + '\n');
  if (options.json !== undefined) process.stdout.write(`wrote ${options.json}\n`);
}

/** Adds `heads` to the CLI; `defaultModel` is the embedded tuned model's folder. */
export function registerHeads(program: Command, defaultModel: string): void {
  const d = DEFAULT_HEADS_SETTINGS;
  program
    .command('heads')
    .description("self-attention head patterns: each head's dimensions ranked by energy, the related word pairs of the leading ones, and the shares of pairs with instruction verbs and general verbs")
    .option('--model <dir>', 'Hugging Face checkpoint folder; default: the embedded tuned model')
    .option('--words <file>', "words to project, one a line; default: the tokenizer's whole alphabetic words")
    .option('--glove <file>', "GloVe text file for relatedness; default: the model's own input embeddings")
    .option('--instruction-verbs <file>', 'instruction verbs, one a line (replaces the default list)')
    .option('--general-verbs <file>', 'general verbs, the control, one a line (replaces the default list)')
    .option('--top <k>', `top words by |activation| per side and dimension (default ${d.top})`)
    .option('--dims <n>', `leading dimensions per head that get word pairs (default ${d.dims})`)
    .option('--baseline-pairs <n>', `random word pairs of the relatedness baseline (default ${d.baselinePairs})`)
    .option('--seed <n>', `seed of the baseline's random pairs (default ${d.seed})`)
    .option('--json <file>', 'also write the full result as JSON (schema in the README)')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)')
    .action((options: HeadsOptions) => runHeads(options, defaultModel));
}
