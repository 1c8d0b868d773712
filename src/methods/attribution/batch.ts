// The run behind `batch` (src/methods/attribution/batchCli.ts): explains every prompt of a dataset (the paper's TSV
// layout or
// JSONL, src/methods/attribution/dataset.ts) with one loaded model. Output folder: <id>.json per prompt (the `explain
// --json`
// schema), optionally <id>.html, and summary.csv. Built to be stopped and restarted, and to be split over machines:
// - each <id>.json is written atomically (temporary file, fsync, rename), so one that exists is complete;
// - summary.csv gets one line appended per prompt as it finishes, so a crash loses nothing;
// - a rerun skips ids whose JSON is there for the same prompt, and refuses a folder made with other settings;
// - `--shard K/N` explains only the prompts of shard K (src/methods/attribution/shard.ts) and keeps its own
//   summary.shard-K-of-N.csv, so any number of shards share one folder; each prompt is claimed while it runs
//   (src/methods/attribution/idLock.ts), so overlapping runs never explain it twice; a plain run afterwards explains
// what is
//   left and writes summary.csv for the whole dataset: it is the merge step.
// A prompt that fails (a span not in its prompt, a prompt too long, ...) is reported and the rest go on.
import { MultiBar } from 'cli-progress';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { claimAlive, lockPath, tryLock, type IdLock } from './idLock';
import { shardLabel, shardOf, type Shard } from './shard';
import { join, resolve } from 'node:path';
import { explainWith } from './run';
import { explainJson, type ExplainJson } from './json';
import type { ExplainRequest } from './types';
import { resolveChat, type ChatSetting } from './chatSetting';
import { checkpointHandle, loadModel, openCheckpoint } from '../../runtime/loadModel';
import type { Checkpoint } from '../../runtime/checkpoint';
import type { LensModel } from '../../runtime/lensModel';
import { datasetFormatOf, parseDataset, type DatasetFormat, type DatasetItem } from './dataset';
import { fail, ok, type LensError, type Result } from '../../lensError';
import { explainHtml } from './html';
import { prepareOutputDir, TEMP_SUFFIX, writeFileAtomic } from '../../terminal/outputFile';
import { parseSummary, summaryHeader, summaryLine, type SummaryRow } from './summaryCsv';

export interface BatchOptions {
  readonly modelDir: string;
  readonly dataset: string;
  readonly out: string;
  readonly format?: string;
  readonly maxNewTokens: number;
  /** 'auto': the chat template when the checkpoint has one. */
  readonly chat: ChatSetting;
  /** Generate every response, ignoring the dataset's responses. */
  readonly generate: boolean;
  /** Also write <id>.html. */
  readonly html: boolean;
  /** Only these ids of the dataset (the others' results are kept as they are). */
  readonly ids?: readonly string[];
  /** Only the prompts of this shard (with --ids: those of the ids that fall in it). */
  readonly shard?: Shard;
  readonly threads?: number;
}

export interface BatchOutcome {
  readonly total: number;
  readonly doneEarlier: number;
  readonly succeeded: number;
  readonly failed: readonly { readonly id: string; readonly error: LensError }[];
  /** Ids another run was explaining at the time (left to it; a later run picks up any it did not finish). */
  readonly busyElsewhere: readonly string[];
  /** The summary file this run wrote. */
  readonly summary: string;
}

/** The fields of an earlier <id>.json that decide whether it can be kept. */
interface SavedExplanation {
  readonly prompt: string;
  readonly model: { readonly path: string };
  readonly settings: { readonly max_new_tokens: number; readonly chat: boolean; readonly response_given: boolean };
  readonly prompt_tokens: readonly unknown[];
  readonly response_tokens: readonly unknown[];
  readonly instruction_importance: number;
  readonly timing: { readonly generation: number; readonly attribution: number };
}

const SUMMARY = 'summary.csv';
const summaryName = (shard: Shard | undefined) =>
  shard ? `summary.shard-${shard.index}-of-${shard.count}.csv` : SUMMARY;
const SHARD_SUMMARY = /^summary\.shard-\d+-of-\d+\.csv$/;

/**
 * What a run would do, found without writing anything: the dataset's prompts, the selected ones, those finished
 * earlier.
 */
export interface BatchPlan {
  readonly items: readonly DatasetItem[];
  readonly selected: ReadonlySet<string>;
  readonly requests: ReadonlyMap<string, ExplainRequest>;
  readonly done: ReadonlyMap<string, SavedExplanation>;
  /** The selected prompts not finished earlier, in dataset order. */
  readonly todo: readonly DatasetItem[];
  readonly checkpoint: Checkpoint;
}

export async function planBatch(o: BatchOptions): Promise<Result<BatchPlan>> {
  const items = readDataset(o.dataset, o.format);
  if (!items.ok) return items;
  const selected = selectIds(items.value, o.ids, o.dataset, o.shard);
  if (!selected.ok) return selected;
  const checkpoint = await openCheckpoint(o.modelDir);
  if (!checkpoint.ok) return checkpoint;
  const chat = resolveChat(o.chat, checkpoint.value);
  const requests = new Map(items.value.map((it) => [it.id, requestFor(it, o, chat)]));
  const earlier = existsSync(o.out)
    ? finishedEarlier(items.value, requests, o, chat)
    : ok(new Map<string, SavedExplanation>());
  if (!earlier.ok) return earlier;
  const done = earlier.value;
  const todo = items.value.filter((it) => selected.value.has(it.id) && !done.has(it.id));
  return ok({ items: items.value, selected: selected.value, requests, done, todo, checkpoint: checkpoint.value });
}

export async function runBatch(o: BatchOptions): Promise<Result<BatchOutcome>> {
  const plan = await planBatch(o);
  if (!plan.ok) return plan;
  const { items, selected, done, todo } = plan.value;
  const out = prepareOutputDir(o.out, '--out');
  if (!out.ok) return out;
  const summaryFile = summaryName(o.shard);
  removeStaleTemporaries(o.out, selected, summaryFile);
  const summary = restartSummary(o, plan.value, summaryFile);
  if (o.html) for (const id of done.keys()) writeHtmlIfMissing(o.out, id);
  const run = todo.length > 0 ? await explainTodo(o, plan.value, summary) : ok(NOTHING_RUN);
  if (!run.ok) return run;
  // finally in dataset order
  writeSummary(summary.path, items, summary.rows);
  const { failed, busyElsewhere, finishedElsewhere } = run.value;
  const doneEarlier = [...done.keys()].filter((id) => selected.has(id)).length + finishedElsewhere;
  const succeeded = todo.length - failed.length - busyElsewhere.length - finishedElsewhere;
  return ok({ total: selected.size, doneEarlier, succeeded, failed, busyElsewhere, summary: summary.path });
}

/** summary.csv of a run as it goes: its path and its rows by id. */
interface Summary {
  readonly path: string;
  readonly rows: Map<string, SummaryRow>;
}

/** What explaining the prompts left to do came to, beside the rows it wrote. */
interface TodoOutcome {
  readonly failed: { id: string; error: LensError }[];
  readonly busyElsewhere: string[];
  readonly finishedElsewhere: number;
}

const NOTHING_RUN: TodoOutcome = { failed: [], busyElsewhere: [], finishedElsewhere: 0 };

/**
 * The summary restarted from the finished prompts (their seconds kept from the old files when they have them),
 * written at once.
 */
function restartSummary(o: BatchOptions, plan: BatchPlan, summaryFile: string): Summary {
  const path = join(o.out, summaryFile);
  const oldRows = earlierRows(o.out, summaryFile, o.shard === undefined);
  const rows = new Map<string, SummaryRow>();
  const inScope = (id: string) => o.shard === undefined || shardOf(id, o.shard.count) === o.shard.index;
  for (const it of plan.items) {
    if (!inScope(it.id)) continue;
    const saved = plan.done.get(it.id);
    const old = oldRows.get(it.id);
    if (saved) rows.set(it.id, rowOf(it.id, saved, old?.seconds ?? saved.timing.generation + saved.timing.attribution));
    else if (old && !plan.selected.has(it.id)) rows.set(it.id, old); // a failure outside --ids stays on record
  }
  writeFileAtomic(path, summaryHeader() + [...rows.values()].map(summaryLine).join(''));
  return { path, rows };
}

/** summary.csv with `rows` in the dataset's order. */
function writeSummary(path: string, items: readonly DatasetItem[], rows: ReadonlyMap<string, SummaryRow>): void {
  const inOrder = items.map((it) => rows.get(it.id)).filter((r): r is SummaryRow => r !== undefined);
  writeFileAtomic(path, summaryHeader() + inOrder.map(summaryLine).join(''));
}

/**
 * The prompts left to do, one at a time with the model loaded once: each claimed first (another run may hold
 * it), skipped if another run finished it meanwhile, explained, written and appended to the summary.
 */
async function explainTodo(o: BatchOptions, plan: BatchPlan, summary: Summary): Promise<Result<TodoOutcome>> {
  const loaded = await loadModel(checkpointHandle(o.modelDir, plan.checkpoint), { threads: o.threads });
  if (!loaded.ok) return loaded;
  const { model, seconds: loadSeconds } = loaded.value;
  const outcome = { failed: [] as TodoOutcome['failed'], busyElsewhere: [] as string[], finishedElsewhere: 0 };
  const progress = batchProgress(plan.todo.length, plan.done.size, o.shard ? `${shardLabel(o.shard)} ` : '');
  let claim: IdLock | null = null;
  // a stopped run gives its claim back at once (a killed one is noticed by its dead pid, or by age)
  const stop = (signal: NodeJS.Signals) => {
    claim?.release();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    for (const item of plan.todo) {
      claim = tryLock(o.out, item.id);
      if (claim === null) {
        outcome.busyElsewhere.push(item.id);
        progress.skipped(item.id, 'another run is explaining it');
        continue;
      }
      const request = plan.requests.get(item.id)!;
      // finished by another run between our look at the folder and the claim
      const savedNow = readSaved(join(o.out, `${item.id}.json`));
      if (savedNow !== null && explainsSame(savedNow, item, request)) {
        summary.rows.set(item.id, rowOf(item.id, savedNow, savedNow.timing.generation + savedNow.timing.attribution));
        outcome.finishedElsewhere++;
        claim.release();
        progress.skipped(item.id, 'finished by another run');
        continue;
      }
      progress.starting(item.id);
      const row = await explainAndWrite(o, item.id, request, model, loadSeconds);
      if (row.status !== 'ok') outcome.failed.push({ id: item.id, error: row.failure });
      summary.rows.set(item.id, row.row);
      appendFileSync(summary.path, summaryLine(row.row));
      claim.release();
      claim = null;
      progress.finished(item.id, row.row, item.line);
    }
  } finally {
    claim?.release();
    process.off('SIGINT', stop).off('SIGTERM', stop);
    progress.stop();
    model.dispose();
  }
  return ok(outcome);
}

/** One prompt explained and its files written: its summary row, and the error when it failed. */
async function explainAndWrite(
  o: BatchOptions,
  id: string,
  request: ExplainRequest,
  model: LensModel,
  loadSeconds: number,
): Promise<{ status: 'ok'; row: SummaryRow } | { status: 'failed'; row: SummaryRow; failure: LensError }> {
  const start = performance.now();
  const result = await explainOne(() => explainWith(model, request, loadSeconds));
  const seconds = (performance.now() - start) / 1000;
  if (!result.ok) return { status: 'failed', row: failedRow(id, result.error, seconds), failure: result.error };
  const json = explainJson(request, result.value);
  const written = writeResult(o.out, id, JSON.stringify(json, null, 1), o.html ? explainHtml(json) : null);
  if (!written.ok) return { status: 'failed', row: failedRow(id, written.error, seconds), failure: written.error };
  const row: SummaryRow = {
    id,
    promptTokens: result.value.promptTokens.length,
    responseTokens: result.value.responseTokens.length,
    instructionImportance: result.value.instructionImportance,
    status: 'ok',
    error: '',
    seconds,
  };
  return { status: 'ok', row };
}

/**
 * The ids to run: all, or those of --ids, every one of which must be in the dataset; with --shard, those of the shard.
 */
function selectIds(
  items: readonly DatasetItem[],
  ids: readonly string[] | undefined,
  dataset: string,
  shard: Shard | undefined,
): Result<Set<string>> {
  const all = new Set(items.map((it) => it.id));
  let chosen = all;
  if (ids !== undefined) {
    const unknown = ids.filter((id) => !all.has(id));
    if (unknown.length > 0) {
      const listed = unknown
        .slice(0, 10)
        .map((id) => JSON.stringify(id))
        .join(', ');
      return fail(
        'bad-argument',
        `--ids: ${unknown.length === 1 ? 'an id is' : `${unknown.length} ids are`} not in ${dataset}: ` +
          `${listed}${unknown.length > 10 ? ', …' : ''}`,
        'Give ids exactly as in the dataset (its ID column, or the "id" fields), separated by commas.',
      );
    }
    chosen = new Set(ids);
  }
  if (shard === undefined) return ok(chosen);
  return ok(new Set([...chosen].filter((id) => shardOf(id, shard.count) === shard.index)));
}

/** Rows of earlier summaries: this run's own file; for a plain run also every shard's (seconds, failures). */
function earlierRows(dir: string, own: string, withShards: boolean): Map<string, SummaryRow> {
  const rows = new Map<string, SummaryRow>();
  const files = withShards
    ? readdirSync(dir)
        .filter((f) => SHARD_SUMMARY.test(f))
        .sort()
    : [];
  for (const file of [...files, own]) {
    const path = join(dir, file);
    if (existsSync(path)) for (const [id, row] of parseSummary(readFileSync(path, 'utf8'))) rows.set(id, row);
  }
  return rows;
}

function readDataset(path: string, format: string | undefined): Result<DatasetItem[]> {
  let kind: DatasetFormat | null;
  if (format === undefined) kind = datasetFormatOf(path);
  else if (format === 'tsv' || format === 'jsonl') kind = format;
  else
    return fail(
      'bad-argument',
      `--format ${format}: not a dataset format`,
      "Use --format tsv (the paper's FinalDataset.tsv layout) or --format jsonl.",
    );
  if (kind === null)
    return fail(
      'bad-argument',
      `${path}: cannot tell the format from the file name`,
      'Name the file .tsv or .jsonl, or pass --format tsv|jsonl.',
    );
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(
      'missing-file',
      `${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (e as Error).message}`,
      'Check the path given to --dataset.',
    );
  }
  return parseDataset(text, kind, path);
}

function requestFor(item: DatasetItem, o: BatchOptions, chat: boolean): ExplainRequest {
  return {
    modelDir: o.modelDir,
    prompt: item.prompt,
    response: o.generate ? undefined : item.response,
    maxNewTokens: o.maxNewTokens,
    chat,
    instructions: item.instructionSpans,
  };
}

/**
 * Temporary files of runs that were killed mid-write: this run's summary's, those of the prompts it may
 * explain unless a live run holds the prompt (its temporary file may be about to be renamed into place), and
 * claims that a run no longer alive wrote but never linked into place (each holds its owner, idLock.ts).
 */
function removeStaleTemporaries(dir: string, ids: ReadonlySet<string>, summaryFile: string): void {
  for (const name of readdirSync(dir)) {
    if (!TEMP_SUFFIX.test(name)) continue;
    const target = name.replace(TEMP_SUFFIX, '');
    const id = target.replace(/\.(json|html)$/, '');
    const claim = target.endsWith('.lock');
    const mine =
      target === summaryFile ||
      (claim ? !claimAlive(join(dir, name)) : target !== id && ids.has(id) && !claimAlive(lockPath(dir, id)));
    if (mine) rmSync(join(dir, name), { force: true });
  }
}

/**
 * Ids whose <id>.json is complete and explains the same prompt (and, given or generated, the same kind of
 * response). A JSON made with another model or other settings is an error: the folder belongs to another run.
 */
function finishedEarlier(
  items: readonly DatasetItem[],
  requests: ReadonlyMap<string, ExplainRequest>,
  o: BatchOptions,
  chat: boolean,
): Result<Map<string, SavedExplanation>> {
  const done = new Map<string, SavedExplanation>();
  const modelPath = resolve(o.modelDir);
  for (const item of items) {
    const path = join(o.out, `${item.id}.json`);
    if (!existsSync(path)) continue;
    const saved = readSaved(path);
    if (saved === null) continue; // not a complete explanation: do it again
    const s = saved.settings;
    if (saved.model.path !== modelPath || s.max_new_tokens !== o.maxNewTokens || s.chat !== chat) {
      return fail(
        'bad-argument',
        `--out ${o.out} holds results of another run: ${item.id}.json was made with model ` +
          `${saved.model.path}, --max-new-tokens ${s.max_new_tokens}, --chat ${s.chat ? 'on' : 'off'}; ` +
          `this run asks for ${modelPath}, --max-new-tokens ${o.maxNewTokens}, --chat ` +
          `${chat ? 'on' : 'off'}`,
        'Resume with the same --model, --max-new-tokens and --chat, or pass a new --out folder.',
      );
    }
    const request = requests.get(item.id)!;
    if (explainsSame(saved, item, request)) done.set(item.id, saved);
  }
  return ok(done);
}

/** Whether a saved explanation is of this prompt, with the same kind of response (given or generated). */
function explainsSame(saved: SavedExplanation, item: DatasetItem, request: ExplainRequest): boolean {
  return saved.prompt === item.prompt && saved.settings.response_given === (request.response !== undefined);
}

function readSaved(path: string): SavedExplanation | null {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8'));
    const valid =
      typeof j?.prompt === 'string' &&
      typeof j.model?.path === 'string' &&
      typeof j.settings?.max_new_tokens === 'number' &&
      typeof j.settings.chat === 'boolean' &&
      typeof j.settings.response_given === 'boolean' &&
      Array.isArray(j.prompt_tokens) &&
      Array.isArray(j.response_tokens) &&
      Array.isArray(j.attribution) &&
      typeof j.instruction_importance === 'number' &&
      typeof j.timing?.generation === 'number' &&
      typeof j.timing.attribution === 'number';
    return valid ? (j as SavedExplanation) : null;
  } catch {
    return null;
  }
}

function rowOf(id: string, saved: SavedExplanation, seconds: number): SummaryRow {
  return {
    id,
    promptTokens: saved.prompt_tokens.length,
    responseTokens: saved.response_tokens.length,
    instructionImportance: saved.instruction_importance,
    status: 'ok',
    error: '',
    seconds,
  };
}

function failedRow(id: string, error: LensError, seconds: number): SummaryRow {
  return {
    id,
    promptTokens: null,
    responseTokens: null,
    instructionImportance: null,
    status: 'failed',
    error: `${error.code}: ${error.message}`,
    seconds,
  };
}

/** One explanation; an exception (a bug, or the runtime failing on this input) fails this prompt only. */
async function explainOne<T>(run: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await run();
  } catch (e) {
    const error = (e as { error?: LensError }).error;
    if (error?.code) return { ok: false, error };
    return fail(
      'runtime-failure',
      `unexpected failure: ${(e as Error).message ?? String(e)}`,
      'This is a bug in Instruction Lens; please report it with this prompt.',
    );
  }
}

function writeResult(dir: string, id: string, json: string, html: string | null): Result<void> {
  try {
    // the HTML first: the JSON marks the prompt as finished
    if (html !== null) writeFileAtomic(join(dir, `${id}.html`), html);
    writeFileAtomic(join(dir, `${id}.json`), json);
    return ok(undefined);
  } catch (e) {
    return fail(
      'runtime-failure',
      `cannot write ${join(dir, `${id}.json`)} (${(e as Error).message})`,
      'Check that the --out folder is writable and the disk is not full, then rerun: finished ids are skipped.',
    );
  }
}

function writeHtmlIfMissing(dir: string, id: string): void {
  const path = join(dir, `${id}.html`);
  if (existsSync(path)) return;
  writeFileAtomic(path, explainHtml(JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as ExplainJson));
}

/**
 * Progress on stderr. On a terminal: a bar with the ETA, failures printed above it. Otherwise (a log file,
 * CI): one line per finished prompt with the ETA, so a long run can be followed with `tail -f`.
 */
function batchProgress(total: number, doneEarlier: number, label: string) {
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let finished = 0;
  const bars = tty
    ? new MultiBar({
        format: `${label}batch [{bar}] {value}/{total} | ETA {eta_formatted} | {id}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      })
    : null;
  const bar = bars?.create(total, 0, { id: '' });
  const log = (line: string) => (bars ? bars.log(label + line) : process.stderr.write(label + line));
  if (doneEarlier > 0)
    log(`${doneEarlier} prompt${doneEarlier === 1 ? '' : 's'} done earlier (skipped), ${total} to go\n`);
  const eta = () => {
    const perItem = (performance.now() - started) / 1000 / finished;
    const s = Math.round(perItem * (total - finished));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  return {
    starting(id: string) {
      bar?.update(finished, { id });
    },
    finished(id: string, row: SummaryRow, line: number) {
      finished++;
      const failure = row.status === 'failed' ? `failed ${id} (line ${line}): ${row.error}` : '';
      if (bars) {
        if (failure) log(failure + '\n');
        bar!.update(finished, { id });
      } else {
        log(`[${finished}/${total}] ${failure || `${id} ok`}, ${row.seconds!.toFixed(1)} s, ETA ${eta()}\n`);
      }
    },
    skipped(id: string, why: string) {
      finished++;
      if (bars) bar!.update(finished, { id });
      log(`[${finished}/${total}] ${id} skipped: ${why}\n`);
    },
    stop() {
      bars?.stop();
    },
  };
}
