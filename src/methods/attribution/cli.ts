// `explain`: one prompt through one model, each response token attributed to the prompt's tokens (gradient x
// input), the prompt's tokens ranked by importance density; text on stdout, --json and --html beside it, or
// --estimate for the cost without running.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { endOfSequenceHint, onlyEndOfSequence, resolveChat, type ChatSetting } from './chatSetting';
import { estimateRuns } from './estimate';
import { explainWith } from './run';
import { explainJson } from './json';
import type { ExplainRequest } from './types';
import { loadModel, openCheckpoint } from '../../runtime/loadModel';
import { renderExplanation } from './text';
import { explainHtml } from './html';
import { addChatOption } from './chatOption';
import { maxNewTokensOption, printEstimate } from './estimateOutput';
import { DEFAULT_MAX_NEW_TOKENS } from './defaults';
import { threadsOption } from '../../terminal/intOption';
import { writeOutputFile } from '../../terminal/outputFile';
import { readPromptOption } from '../../terminal/promptInput';
import { report, requireDefaultModel, requireOutputFiles } from '../../terminal/report';
import { stageBar } from '../../terminal/stageBar';

interface ExplainOptions {
  model?: string;
  prompt?: string;
  promptFile?: string;
  response?: string;
  maxNewTokens?: string;
  chat: ChatSetting;
  json?: string;
  html?: string;
  threads?: string;
  instruction: string[];
  estimate: boolean;
}

async function runExplain(options: ExplainOptions, defaultModel: string): Promise<void> {
  const maxNewTokens = maxNewTokensOption(options.maxNewTokens);
  const threads = threadsOption(options.threads);
  const promptText = readPromptOption(options);
  if (!promptText.ok) report(promptText.error);
  const prompt = promptText.value;
  const modelDir = options.model ?? defaultModel;
  requireDefaultModel(options.model, modelDir);
  // output paths checked before the model runs: a typo must not cost the run
  requireOutputFiles([
    [options.json, '--json'],
    [options.html, '--html'],
  ]);
  if (options.estimate) {
    const checkpoint = await openCheckpoint(modelDir);
    if (!checkpoint.ok) report(checkpoint.error);
    const request = {
      prompt,
      response: options.response,
      maxNewTokens,
      chat: resolveChat(options.chat, checkpoint.value),
    };
    const estimate = await estimateRuns(checkpoint.value, [request], { threads });
    if (!estimate.ok) report(estimate.error);
    if (estimate.value.failures.length > 0) report(estimate.value.failures[0].error);
    return printEstimate(estimate.value, options.json);
  }
  const loaded = await loadModel(modelDir, { threads });
  if (!loaded.ok) report(loaded.error);
  const { checkpoint } = loaded.value.model;
  const chat = resolveChat(options.chat, checkpoint);
  const request: ExplainRequest = {
    modelDir,
    prompt,
    response: options.response,
    maxNewTokens,
    chat,
    instructions: options.instruction,
  };
  const bar = stageBar({ format: '{stage} [{bar}] {value}/{total}', stageWidth: 9 }); // generation, then attribution
  const result = await explainWith(loaded.value.model, request, loaded.value.seconds, { onProgress: bar.update });
  bar.stop();
  loaded.value.model.dispose();
  if (!result.ok) report(result.error);
  if (options.json) writeFileSync(options.json, JSON.stringify(explainJson(request, result.value), null, 1));
  if (options.html) {
    const written = writeOutputFile(options.html, explainHtml(explainJson(request, result.value)), '--html');
    if (!written.ok) report(written.error);
  }
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  process.stdout.write(renderExplanation(result.value, color) + '\n');
  if (options.json) process.stdout.write(`wrote ${options.json}\n`);
  if (options.html) process.stdout.write(`wrote ${options.html}\n`);
  if (options.response === undefined && onlyEndOfSequence(result.value.responseTokens)) {
    process.stderr.write(`hint: ${endOfSequenceHint(chat, checkpoint.chatTemplate.ok)}\n`);
  }
}

export function registerExplain(program: Command, defaultModel: string): void {
  const command = program
    .command('explain')
    .description(
      "attribute each response token to the prompt's tokens (gradient x input) and rank prompt tokens " +
        'by importance density',
    )
    .option(
      '--model <path>',
      'Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json), or a GGUF file ' +
        '(llama, mixtral, qwen2, qwen3, qwen3moe, gemma2, gemma3, phi3, olmo2); default: the embedded ' +
        'tuned model',
    )
    .option('--prompt <text>', 'the prompt')
    .option('--prompt-file <file>', 'read the prompt from a file')
    .option('--response <text>', 'explain this response instead of generating one')
    .option('--max-new-tokens <n>', `most tokens to generate (default: ${DEFAULT_MAX_NEW_TOKENS})`);
  addChatOption(command)
    .option(
      '--instruction <text>',
      'the instruction: text copied from the prompt (repeatable); default: detected',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--json <file>', 'also write the full result as JSON (schema in docs/cli.md)')
    .option('--html <file>', 'also write a self-contained HTML report')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)')
    .option(
      '--estimate',
      'print the FLOPs, peak memory and expected time on this machine instead of running (--json: as an object)',
      false,
    )
    .action((options: ExplainOptions) => runExplain(options, defaultModel));
}
