// `compare`: a base model beside its instruction-tuned sibling (the embedded pair by default). Each explains
// the prompt with its own greedy response; both instruction importances and their difference; then, unless
// --no-global, the per-layer comparison of head patterns (instruction-verb share) and feed-forward concepts
// (principal angles, category shift). Text on stdout, --json and --html for the full result.
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compareModels, DEFAULT_GLOBAL_OPTIONS, type CompareProgress } from '../engine/compare';
import { compareJson, globalTables } from '../engine/compareJson';
import { renderComparison } from '../engine/compareReport';
import type { LensError } from '../lensError';
import { compareHtml, type ReportExplanation } from '../report/explainHtml';
import { checkOutputFile, writeOutputFile } from './outputFile';
import { readPromptOption } from './promptInput';

interface CompareOptions {
  base?: string;
  tuned?: string;
  prompt?: string;
  promptFile?: string;
  maxNewTokens: number;
  chat?: boolean; // commander: --chat true, --no-chat false, neither undefined (auto)
  instruction: string[];
  global: boolean;
  components: number;
  json?: string;
  html?: string;
  threads?: number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function report(error: LensError): never {
  process.stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
  process.exit(1);
}

/** One line of progress on stderr per stage, a bar within stages that count (nothing when not a terminal). */
function progress(): { update: (p: CompareProgress) => void; stop: () => void } {
  const bar = new SingleBar({ format: '{stage} [{bar}] {value}/{total}', stream: process.stderr, hideCursor: true, clearOnComplete: true });
  let stage = '';
  let running = false;
  return {
    update(p) {
      if (p.stage !== stage) {
        if (running) bar.stop();
        running = false;
        stage = p.stage;
        if (p.total !== undefined) {
          bar.start(p.total, p.done ?? 0, { stage: stage.padEnd(22) });
          running = true;
        }
      } else if (running && p.done !== undefined) bar.update(p.done);
    },
    stop: () => {
      if (running) bar.stop();
    },
  };
}

async function runCompare(options: CompareOptions, defaults: { base: string; tuned: string }): Promise<void> {
  const prompt = readPromptOption(options);
  if (!prompt.ok) report(prompt.error);
  const baseDir = options.base ?? defaults.base;
  const tunedDir = options.tuned ?? defaults.tuned;
  for (const [given, dir] of [[options.base, baseDir], [options.tuned, tunedDir]] as const) {
    if (given === undefined && !existsSync(join(dir, 'config.json'))) {
      report({ code: 'missing-file', message: `the embedded default model is not in ${dir}`, hint: 'Pass --base DIR and --tuned DIR (Hugging Face checkpoint folders), or build the default pair with `npm run train:models`.' });
    }
  }
  for (const [path, option] of [[options.json, '--json'], [options.html, '--html']] as const) {
    if (path === undefined) continue;
    const writable = checkOutputFile(path, option);
    if (!writable.ok) report(writable.error);
  }
  const bar = progress();
  const result = await compareModels(
    {
      baseDir,
      tunedDir,
      prompt: prompt.value,
      maxNewTokens: options.maxNewTokens,
      chat: options.chat ?? 'auto',
      instructions: options.instruction,
      global: options.global,
      globalOptions: { ...DEFAULT_GLOBAL_OPTIONS, components: options.components, threads: options.threads },
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
    const page = compareHtml(r.base as unknown as ReportExplanation, r.tuned as unknown as ReportExplanation, { labels: ['base', 'tuned'], global: r.global ? globalTables(r.global) : undefined });
    const written = writeOutputFile(options.html, page, '--html');
    if (!written.ok) report(written.error);
  }
  process.stdout.write(renderComparison(r) + '\n');
  if (options.json) process.stdout.write(`wrote ${options.json}\n`);
  if (options.html) process.stdout.write(`wrote ${options.html}\n`);
}

export function registerCompare(program: Command, defaults: { base: string; tuned: string }): void {
  program
    .command('compare')
    .description('a base model beside its instruction-tuned sibling: both explanations, their instruction importance, and per-layer heads and concepts compared')
    .option('--base <dir>', 'the pre-trained model; default: the embedded wordnet-base')
    .option('--tuned <dir>', 'its instruction-tuned sibling; default: the embedded wordnet-tuned')
    .option('--prompt <text>', 'the prompt')
    .option('--prompt-file <file>', 'read the prompt from a file')
    .option('--max-new-tokens <n>', 'most tokens each model generates', positiveInt, 24)
    .option('--chat', "wrap the prompt in each model's chat template (default: when both have one)")
    .option('--no-chat', 'never use the chat templates')
    .option('--instruction <text>', 'the instruction: text copied from the prompt (repeatable); default: detected', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--no-global', 'compare the explanations only (skip heads and concepts)')
    .option('--components <k>', 'feed-forward components per layer for principal angles and categories', positiveInt, DEFAULT_GLOBAL_OPTIONS.components)
    .option('--json <file>', 'also write the full result as JSON (schema in the README)')
    .option('--html <file>', 'also write a self-contained HTML report, the two models side by side')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)', positiveInt)
    .action((options: CompareOptions) => runCompare(options, defaults));
}
