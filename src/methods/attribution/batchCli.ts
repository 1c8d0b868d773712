// `batch`: every prompt of a dataset explained with one loaded model, resumable and shardable; the run itself
// is src/methods/attribution/batch.ts. --estimate prices the prompts the run would explain instead.
import type { Command } from 'commander';
import { basename } from 'node:path';
import type { ChatSetting } from './chatSetting';
import { estimateRuns } from './estimate';
import { planBatch, runBatch } from './batch';
import { addChatOption } from './chatOption';
import { maxNewTokensOption, printEstimate } from './estimateOutput';
import { DEFAULT_MAX_NEW_TOKENS } from './defaults';
import { threadsOption } from '../../terminal/intOption';
import { report, requireDefaultModel } from '../../terminal/report';
import { parseShard, shardLabel } from './shard';

interface BatchCommandOptions {
  model?: string;
  dataset: string;
  out: string;
  format?: string;
  maxNewTokens?: string;
  chat: ChatSetting;
  generate: boolean;
  html: boolean;
  ids?: string[];
  shard?: string;
  threads?: string;
  estimate?: boolean;
  json?: string;
}

/** `batch`: every prompt of a dataset with one loaded model; resumable and shardable (see batch.ts). */
async function runBatchCommand(options: BatchCommandOptions, defaultModel: string): Promise<void> {
  const maxNewTokens = maxNewTokensOption(options.maxNewTokens);
  const threads = threadsOption(options.threads);
  const modelDir = options.model ?? defaultModel;
  requireDefaultModel(options.model, modelDir);
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  if (shard && !shard.ok) report(shard.error);
  const run = { ...options, maxNewTokens, threads, shard: shard?.value, modelDir };
  if (options.estimate) {
    const plan = await planBatch(run);
    if (!plan.ok) report(plan.error);
    const { todo, requests, checkpoint } = plan.value;
    const estimate = await estimateRuns(
      checkpoint,
      todo.map((it) => ({ id: it.id, ...requests.get(it.id)! })),
      { threads },
    );
    if (!estimate.ok) report(estimate.error);
    const skipped = plan.value.selected.size - todo.length;
    if (skipped > 0)
      process.stdout.write(
        `${skipped} of ${plan.value.selected.size} prompts are done in ${options.out} and left out\n`,
      );
    return printEstimate(estimate.value, options.json);
  }
  const result = await runBatch(run);
  if (!result.ok) report(result.error);
  const { total, doneEarlier, succeeded, failed, busyElsewhere, summary } = result.value;
  const who = shard ? `${shardLabel(shard.value)}: ` : '';
  const busy = busyElsewhere.length > 0 ? `, ${busyElsewhere.length} being explained by another run` : '';
  process.stdout.write(
    `${who}${total} prompts: ${succeeded} explained now, ${doneEarlier} done earlier, ` +
      `${failed.length} failed${busy}\nresults in ${options.out} (<id>.json` +
      `${options.html ? ', <id>.html' : ''}, ${basename(summary)})\n`,
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

export function registerBatch(program: Command, defaultModel: string): void {
  const command = program
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
    .option('--max-new-tokens <n>', `most tokens to generate (default: ${DEFAULT_MAX_NEW_TOKENS})`);
  addChatOption(command, 'each prompt')
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
      'explain only shard K of N (1-based; by a hash of the id, so every node agrees); shards may ' +
        'share --out, and a later run without --shard merges',
    )
    .option('--threads <n>', 'onnxruntime threads (default: all cores)')
    .option(
      '--estimate',
      'print the FLOPs, peak memory and expected time of the prompts this run would explain, instead ' +
        'of running (--json FILE: as an object)',
    )
    .option('--json <file>', 'with --estimate: write the estimate as JSON')
    .action((options: BatchCommandOptions) => runBatchCommand(options, defaultModel));
}
