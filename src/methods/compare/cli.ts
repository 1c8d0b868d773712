// `compare`: a base model beside its instruction-tuned sibling (the embedded pair by default). Each explains
// the prompt with its own greedy response; both instruction importances and their difference; then, unless
// --no-global, the per-layer comparison of head patterns (instruction-verb share) and feed-forward concepts
// (principal angles, category shift). Text on stdout, --json and --html for the full result.
import type { Command } from 'commander';
import { compareModels, DEFAULT_GLOBAL_OPTIONS } from './run';
import { compareJson, globalTables } from './json';
import { renderComparison } from './text';
import { compareHtml } from '../attribution/html';
import { maxNewTokensOption } from '../attribution/estimateOutput';
import { DEFAULT_MAX_NEW_TOKENS } from '../attribution/defaults';
import { intOption, threadsOption } from '../../terminal/intOption';
import { writeOutputFile } from '../../terminal/outputFile';
import { readPromptOption } from '../../terminal/promptInput';
import { report, requireDefaultModel, requireOutputFiles } from '../../terminal/report';
import { stageBar } from '../../terminal/stageBar';
import { addChatOption } from '../attribution/chatOption';
import type { ChatSetting } from '../attribution/chatSetting';

interface CompareOptions {
  base?: string;
  tuned?: string;
  prompt?: string;
  promptFile?: string;
  maxNewTokens?: string;
  chat: ChatSetting;
  instruction: string[];
  global: boolean;
  components?: string;
  json?: string;
  html?: string;
  threads?: string;
}

async function runCompare(options: CompareOptions, defaults: { base: string; tuned: string }): Promise<void> {
  const maxNewTokens = maxNewTokensOption(options.maxNewTokens);
  const components = intOption(options.components, '--components', 1, DEFAULT_GLOBAL_OPTIONS.components, '10');
  const threads = threadsOption(options.threads);
  const prompt = readPromptOption(options);
  if (!prompt.ok) report(prompt.error);
  const baseDir = options.base ?? defaults.base;
  const tunedDir = options.tuned ?? defaults.tuned;
  for (const [given, dir] of [
    [options.base, baseDir],
    [options.tuned, tunedDir],
  ] as const) {
    requireDefaultModel(
      given,
      dir,
      'Pass --base DIR and --tuned DIR (Hugging Face checkpoint folders), or build the default pair ' +
        'with `npm run train:models`.',
    );
  }
  requireOutputFiles([
    [options.json, '--json'],
    [options.html, '--html'],
  ]);
  // a line per stage ("base: generate", "tuned: heads", …), a bar within the stages that count
  const bar = stageBar({ format: '{stage} [{bar}] {value}/{total}', stageWidth: 22 });
  const result = await compareModels(
    {
      baseDir,
      tunedDir,
      prompt: prompt.value,
      maxNewTokens,
      chat: options.chat,
      instructions: options.instruction,
      global: options.global,
      globalOptions: { ...DEFAULT_GLOBAL_OPTIONS, components, threads },
    },
    { onProgress: bar.update },
  );
  bar.stop();
  if (!result.ok) report(result.error);
  const r = result.value;
  if (options.json) {
    const written = writeOutputFile(options.json, JSON.stringify(compareJson(r), null, 1), '--json');
    if (!written.ok) report(written.error);
  }
  if (options.html) {
    const page = compareHtml(r.base, r.tuned, {
      labels: ['base', 'tuned'],
      global: r.global ? globalTables(r.global) : undefined,
    });
    const written = writeOutputFile(options.html, page, '--html');
    if (!written.ok) report(written.error);
  }
  process.stdout.write(renderComparison(r) + '\n');
  if (options.json) process.stdout.write(`wrote ${options.json}\n`);
  if (options.html) process.stdout.write(`wrote ${options.html}\n`);
}

export function registerCompare(program: Command, defaults: { base: string; tuned: string }): void {
  const command = program
    .command('compare')
    .description(
      'a base model beside its instruction-tuned sibling: both explanations, their instruction ' +
        'importance, and per-layer heads and concepts compared',
    )
    .option('--base <path>', 'the pre-trained model (folder or GGUF file); default: the embedded wordnet-base')
    .option(
      '--tuned <path>',
      'its instruction-tuned sibling (folder or GGUF file); default: the embedded wordnet-tuned',
    )
    .option('--prompt <text>', 'the prompt')
    .option('--prompt-file <file>', 'read the prompt from a file')
    .option('--max-new-tokens <n>', `most tokens each model generates (default: ${DEFAULT_MAX_NEW_TOKENS})`);
  addChatOption(command, 'the prompt', 'when both models have one')
    .option(
      '--instruction <text>',
      'the instruction: text copied from the prompt (repeatable); default: detected',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--no-global', 'compare the explanations only (skip heads and concepts)')
    .option(
      '--components <k>',
      `feed-forward components per layer for principal angles and categories (default: ` +
        `${DEFAULT_GLOBAL_OPTIONS.components})`,
    )
    .option('--json <file>', 'also write the full result as JSON (schema in docs/cli.md)')
    .option('--html <file>', 'also write a self-contained HTML report, the two models side by side')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)')
    .action((options: CompareOptions) => runCompare(options, defaults));
}
