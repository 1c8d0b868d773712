// `heads`: the self-attention head patterns of one checkpoint (docs/ARCHITECTURE.md, method 2), without a prompt: per
// layer and head the dimensions ranked by energy, the related word pairs of the leading ones, and the shares
// of pairs with an instruction verb and with a general verb. Text on stdout, the full result with --json.
import { checkpointHandle } from '../../runtime/openCheckpoint';
import type { Command } from 'commander';
import { DEFAULT_HEADS_SETTINGS, headPatternsFor } from './run';
import { headsJson } from './json';
import { renderHeads } from './text';
import { intOption, threadsOption } from '../../terminal/intOption';
import { writeOutputFile } from '../../terminal/outputFile';
import { report, requireDefaultModel, requireOutputFiles } from '../../terminal/report';
import { stageBar } from '../../terminal/stageBar';

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

async function runHeads(options: HeadsOptions, defaultModel: string): Promise<void> {
  const d = DEFAULT_HEADS_SETTINGS;
  const settings = {
    top: intOption(options.top, '--top', 1, d.top, '10'),
    dims: intOption(options.dims, '--dims', 1, d.dims, '8'),
    baselinePairs: intOption(options.baselinePairs, '--baseline-pairs', 1, d.baselinePairs, '10000'),
    seed: intOption(options.seed, '--seed', 0, d.seed, '0'),
    threads: threadsOption(options.threads),
  };
  const modelDir = options.model ?? defaultModel;
  requireDefaultModel(options.model, modelDir);
  requireOutputFiles([[options.json, '--json']]); // before the run, which can take minutes on a large model
  const bar = stageBar({ format: '{stage} [{bar}] {percentage}%', stageWidth: 6 }); // words, glove (bytes), layers
  const result = await headPatternsFor(
    {
      model: checkpointHandle(modelDir),
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
    const written = writeOutputFile(options.json, JSON.stringify(headsJson(result.value), null, 1), '--json');
    if (!written.ok) report(written.error);
  }
  process.stdout.write(renderHeads(result.value) + '\n');
  if (options.json !== undefined) process.stdout.write(`wrote ${options.json}\n`);
}

/** Adds `heads` to the CLI; `defaultModel` is the embedded tuned model's folder. */
export function registerHeads(program: Command, defaultModel: string): void {
  const d = DEFAULT_HEADS_SETTINGS;
  program
    .command('heads')
    .description(
      "self-attention head patterns: each head's dimensions ranked by energy, the related word pairs " +
        'of the leading ones, and the shares of pairs with instruction verbs and general verbs',
    )
    .option('--model <path>', 'Hugging Face checkpoint folder, or a GGUF file; default: the embedded tuned model')
    .option(
      '--words <file>',
      "words to project, one a line; default: the tokenizer's lower-case tokens that are common English words",
    )
    .option('--glove <file>', "GloVe text file for relatedness; default: the model's own input embeddings")
    .option('--instruction-verbs <file>', 'instruction verbs, one a line (replaces the default list)')
    .option('--general-verbs <file>', 'general verbs, the control, one a line (replaces the default list)')
    .option('--top <k>', `top words by |activation| per side and dimension (default ${d.top})`)
    .option('--dims <n>', `leading dimensions per head that get word pairs (default ${d.dims})`)
    .option('--baseline-pairs <n>', `random word pairs of the relatedness baseline (default ${d.baselinePairs})`)
    .option('--seed <n>', `seed of the baseline's random pairs (default ${d.seed})`)
    .option('--json <file>', 'also write the full result as JSON (schema in docs/cli.md)')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)')
    .action((options: HeadsOptions) => runHeads(options, defaultModel));
}
