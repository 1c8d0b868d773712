#!/usr/bin/env node
// The headless CLI on the same engine as the extension: explain, compare, heads, concepts, batch and score.
// Results go to stdout and --json (--html for reports); progress and errors to stderr.
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { explainWith } from '../engine/explain';
import type { ExplainRequest } from '../engine/explainTypes';
import { loadModel, openCheckpoint } from '../engine/loadModel';
import { parseSavedRecord, scoreSavedRecord, summariseScores, type SavedScore } from '../explain/savedAttribution';
import { explainJson } from '../engine/explainJson';
import { renderExplanation } from '../engine/textReport';
import { explainHtml } from '../report/explainHtml';
import { planBatch, runBatch } from './batch';
import { estimateJson, estimateRuns, renderEstimate, type Estimate } from '../engine/estimate';
import { parseShard, shardLabel } from './shard';
import { writeOutputFile } from './outputFile';
import { registerHeads } from './heads';
import { registerConcepts } from './concepts';
import { registerCompare } from './compare';
import { readPromptOption } from './promptInput';
import { positiveInt } from './intOption';
import { report, requireDefaultModel, requireOutputFiles } from './report';
import { stageBar } from './stageBar';
import { addChatOption } from './chatOption';
import { endOfSequenceHint, onlyEndOfSequence, resolveChat, type ChatSetting } from '../engine/chatSetting';

/** The embedded instruction-tuned model (models/ beside dist/, where the bundle runs from). */
const DEFAULT_MODEL = join(__dirname, '..', 'models', 'wordnet-tuned');

interface ExplainOptions {
  model?: string;
  prompt?: string;
  promptFile?: string;
  response?: string;
  maxNewTokens: number;
  chat: ChatSetting;
  json?: string;
  html?: string;
  threads?: number;
  instruction: string[];
  estimate: boolean;
}

async function runExplain(options: ExplainOptions): Promise<void> {
  const promptText = readPromptOption(options);
  if (!promptText.ok) report(promptText.error);
  const prompt = promptText.value;
  const modelDir = options.model ?? DEFAULT_MODEL;
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
      maxNewTokens: options.maxNewTokens,
      chat: resolveChat(options.chat, checkpoint.value),
    };
    const estimate = await estimateRuns(checkpoint.value, [request], { threads: options.threads });
    if (!estimate.ok) report(estimate.error);
    if (estimate.value.failures.length > 0) report(estimate.value.failures[0].error);
    return printEstimate(estimate.value, options.json);
  }
  const loaded = await loadModel(modelDir, { threads: options.threads });
  if (!loaded.ok) report(loaded.error);
  const { checkpoint } = loaded.value.model;
  const chat = resolveChat(options.chat, checkpoint);
  const request: ExplainRequest = {
    modelDir,
    prompt,
    response: options.response,
    maxNewTokens: options.maxNewTokens,
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

interface BatchCommandOptions {
  model?: string;
  dataset: string;
  out: string;
  format?: string;
  maxNewTokens: number;
  chat: ChatSetting;
  generate: boolean;
  html: boolean;
  ids?: string[];
  shard?: string;
  threads?: number;
  estimate?: boolean;
  json?: string;
}

/** `batch`: every prompt of a dataset with one loaded model; resumable and shardable (see batch.ts). */
async function runBatchCommand(options: BatchCommandOptions): Promise<void> {
  const modelDir = options.model ?? DEFAULT_MODEL;
  requireDefaultModel(options.model, modelDir);
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  if (shard && !shard.ok) report(shard.error);
  if (options.estimate) {
    const plan = await planBatch({ ...options, shard: shard?.value, modelDir });
    if (!plan.ok) report(plan.error);
    const { todo, requests, checkpoint } = plan.value;
    const estimate = await estimateRuns(
      checkpoint,
      todo.map((it) => ({ id: it.id, ...requests.get(it.id)! })),
      { threads: options.threads },
    );
    if (!estimate.ok) report(estimate.error);
    const skipped = plan.value.selected.size - todo.length;
    if (skipped > 0)
      process.stdout.write(
        `${skipped} of ${plan.value.selected.size} prompts are done in ${options.out} and left out\n`,
      );
    return printEstimate(estimate.value, options.json);
  }
  const result = await runBatch({ ...options, shard: shard?.value, modelDir });
  if (!result.ok) report(result.error);
  const { total, doneEarlier, succeeded, failed, busyElsewhere, summary } = result.value;
  const who = shard ? `${shardLabel(shard.value)}: ` : '';
  const busy = busyElsewhere.length > 0 ? `, ${busyElsewhere.length} being explained by another run` : '';
  process.stdout.write(
    `${who}${total} prompts: ${succeeded} explained now, ${doneEarlier} done earlier, ${failed.length} failed${busy}\nresults in ${options.out} (<id>.json${options.html ? ', <id>.html' : ''}, ${basename(summary)})\n`,
  );
  if (failed.length > 0) {
    const listed = failed
      .slice(0, 5)
      .map((f) => `${f.id} (${f.error.message})`)
      .join('; ');
    report({
      code: 'bad-argument',
      message: `${who}${failed.length} of ${total} prompts failed: ${listed}${failed.length > 5 ? '; …' : ''}`,
      hint: `Every failure is in ${summary}. Fix those prompts and rerun the same command: finished ids are skipped.`,
    });
  }
}

/** `--estimate`: the cost on stdout, and as an object in --json. */
function printEstimate(estimate: Estimate, json: string | undefined): void {
  if (json) writeFileSync(json, JSON.stringify(estimateJson(estimate), null, 1));
  process.stdout.write(renderEstimate(estimate) + '\n');
  if (json) process.stdout.write(`wrote ${json}\n`);
}

/** `score`: re-scores saved attributions (the paper's JSONL format) without running a model. */
function runScore(options: { input: string; json?: string }): void {
  let text = '';
  try {
    text = readFileSync(options.input, 'utf8');
  } catch (e) {
    report({
      code: 'missing-file',
      message: `${options.input}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      hint: 'Check the path given to --input.',
    });
  }
  const results: SavedScore[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      report({
        code: 'bad-argument',
        message: `${options.input}, line ${i + 1}: not valid JSON (${(e as Error).message})`,
        hint: 'Each line must be one JSON object (JSONL).',
      });
    }
    const record = parseSavedRecord(raw, i + 1);
    if (!record.ok) report(record.error);
    const scored = scoreSavedRecord(record.value);
    if (!scored.ok) report(scored.error);
    results.push(...scored.value);
  });
  if (results.length === 0)
    report({
      code: 'bad-argument',
      message: `${options.input}: no records`,
      hint: 'The file must hold one JSON record per line.',
    });
  const out = { results, summary: summariseScores(results) };
  if (options.json) writeFileSync(options.json, JSON.stringify(out, null, 1));
  process.stdout.write(`${results.length} scores\n${JSON.stringify(out.summary, null, 1)}\n`);
  if (options.json) process.stdout.write(`wrote ${options.json}\n`);
}

const program = new Command('instruction-lens')
  .description('Explain why a local LLM follows an instruction (Wu et al., arXiv 2310.00492).')
  .showHelpAfterError();

const explainCommand = program
  .command('explain')
  .description(
    "attribute each response token to the prompt's tokens (gradient x input) and rank prompt tokens by importance density",
  )
  .option(
    '--model <path>',
    'Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json), or a GGUF file (llama, mixtral, qwen2, qwen3, qwen3moe, gemma2, gemma3, phi3, olmo2); default: the embedded tuned model',
  )
  .option('--prompt <text>', 'the prompt')
  .option('--prompt-file <file>', 'read the prompt from a file')
  .option('--response <text>', 'explain this response instead of generating one')
  .option('--max-new-tokens <n>', 'most tokens to generate', positiveInt, 24);
addChatOption(explainCommand)
  .option(
    '--instruction <text>',
    'the instruction: text copied from the prompt (repeatable); default: detected',
    (v: string, prev: string[]) => [...prev, v],
    [] as string[],
  )
  .option('--json <file>', 'also write the full result as JSON (schema in docs/cli.md)')
  .option('--html <file>', 'also write a self-contained HTML report')
  .option('--threads <n>', 'onnxruntime threads (default: all cores)', positiveInt)
  .option(
    '--estimate',
    'print the FLOPs, peak memory and expected time on this machine instead of running (--json: as an object)',
    false,
  )
  .action(runExplain);

const batchCommand = program
  .command('batch')
  .description(
    "explain every prompt of a dataset (the paper's FinalDataset.tsv layout, or JSONL) with one model; resumable",
  )
  .requiredOption(
    '--dataset <file>',
    'TSV (ID, Prompt, Response, Instruct&Context) or JSONL ({id, prompt, response?, instruction_spans?})',
  )
  .requiredOption('--out <dir>', 'folder for <id>.json and summary.csv (created if missing); rerun to resume')
  .option('--model <path>', 'Hugging Face checkpoint folder, or a GGUF file; default: the embedded tuned model')
  .option('--format <format>', 'tsv or jsonl (default: from the file name)')
  .option('--max-new-tokens <n>', 'most tokens to generate', positiveInt, 24);
addChatOption(batchCommand, 'each prompt')
  .option('--generate', "generate every response, ignoring the dataset's responses", false)
  .option('--html', 'also write <id>.html reports', false)
  .option(
    '--ids <list>',
    'only these ids, separated by commas (repeatable)',
    (v: string, prev: string[] | undefined) => [
      ...(prev ?? []),
      ...v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ],
  )
  .option(
    '--shard <K/N>',
    'explain only shard K of N (1-based; by a hash of the id, so every node agrees); shards may share --out, and a later run without --shard merges',
  )
  .option('--threads <n>', 'onnxruntime threads (default: all cores)', positiveInt)
  .option(
    '--estimate',
    'print the FLOPs, peak memory and expected time of the prompts this run would explain, instead of running (--json FILE: as an object)',
  )
  .option('--json <file>', 'with --estimate: write the estimate as JSON')
  .action(runBatchCommand);

program
  .command('score')
  .description(
    "re-score saved attributions (the paper's JSONL format): instruction importance and density per prompt and model",
  )
  .requiredOption(
    '--input <file>',
    'JSONL: id, prompt, instruction_spans, models.{name}.{input_tokens, attribution_shape, attribution_uint8_b64}',
  )
  .option('--json <file>', 'write { results, summary } as JSON')
  .action(runScore);

registerHeads(program, DEFAULT_MODEL);
registerConcepts(program, DEFAULT_MODEL);
registerCompare(program, { base: join(__dirname, '..', 'models', 'wordnet-base'), tuned: DEFAULT_MODEL });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(
    `error: unexpected failure: ${(e as Error).stack ?? String(e)}\nhint: this is a bug in Instruction Lens; please report it with the command line.\n`,
  );
  process.exit(70);
});
