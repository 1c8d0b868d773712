// `concepts`: the feed-forward concepts of one checkpoint (docs/ARCHITECTURE.md, method 3), without a prompt: per layer
// the leading principal components of W_down^T, their explained-variance ratios, top words and offline
// labels. Text on stdout, the full result with --json.
import { checkpointHandle } from '../../runtime/openCheckpoint';
import type { Command } from 'commander';
import { conceptsFor, DEFAULT_CONCEPTS } from './run';
import { conceptsJson } from './json';
import { renderConcepts } from './text';
import { intOption, optionalIntOption, threadsOption } from '../../terminal/intOption';
import { writeOutputFile } from '../../terminal/outputFile';
import { report, requireDefaultModel, requireOutputFiles } from '../../terminal/report';
import { stageBar } from '../../terminal/stageBar';

interface ConceptsOptions {
  model?: string;
  components?: string;
  top?: string;
  expert?: string;
  json?: string;
  threads?: string;
}

async function runConcepts(options: ConceptsOptions, defaultModel: string): Promise<void> {
  const components = intOption(options.components, '--components', 1, DEFAULT_CONCEPTS.components, '10');
  const top = intOption(options.top, '--top', 1, DEFAULT_CONCEPTS.top, '10');
  const threads = threadsOption(options.threads);
  const expert = optionalIntOption(options.expert, '--expert', 0, '0');
  const modelDir = options.model ?? defaultModel;
  requireDefaultModel(options.model, modelDir);
  requireOutputFiles([[options.json, '--json']]); // before the run, which takes minutes on a large model
  // the words stage has no count: the PCA bar stays up through it
  const bar = stageBar({ format: '{stage} [{bar}] {value}/{total} layers', stageWidth: 6, skip: 'words' });
  const result = await conceptsFor(checkpointHandle(modelDir), {
    components,
    top,
    expert,
    threads,
    onProgress: bar.update,
  });
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
    .description(
      'feed-forward concepts: per layer, PCA of the rows of W_down^T, each leading component with its ' +
        'explained variance, its top words by |cosine| with the output embeddings, and offline labels ' +
        '(part of speech, task category)',
    )
    .option('--model <path>', 'Hugging Face checkpoint folder, or a GGUF file; default: the embedded tuned model')
    .option(
      '--components <k>',
      `principal components per layer, at most d_model (default ${DEFAULT_CONCEPTS.components})`,
    )
    .option('--top <k>', `words per component (default ${DEFAULT_CONCEPTS.top})`)
    .option(
      '--expert <n>',
      'a mixture of experts (mixtral, qwen3_moe): the concepts of expert n on each layer with ' +
        "experts; default: all its experts' neurons pooled",
    )
    .option('--json <file>', 'also write the full result as JSON (schema in docs/cli.md)')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)')
    .action((options: ConceptsOptions) => runConcepts(options, defaultModel));
}
