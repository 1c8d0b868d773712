// Datasets of prompts for `batch`: parsing only (text in, items out; no I/O). Two formats:
//
// - TSV in the layout of the paper's datasets/FinalDataset.tsv (Wu et al., arXiv 2310.00492): a header
//   `ID  Prompt  Response  Instruct&Context`, then one row a prompt with exactly four tab-separated fields.
//   `/n` stands for a newline in every text field. Instruct&Context holds spans of the prompt separated by
//   `|||`, the instruction part first and the context part after `&&&` (no `&&&`: all spans are instruction).
//   An empty Response means "let the model answer"; a non-empty one is explained as given.
//   Unlike the paper's loader we do not decode `/t` (the file's URLs contain "/templates") nor strip quotes
//   (its quoted fields are real quotations).
// - JSONL: one object a line, `id`, `prompt`, optional `response` and `instruction_spans` (substrings of the
//   prompt), optional `context_spans`; other fields are ignored.
//
// Every malformed row or line is reported with its line number, all of them at once, before any work starts.
// Spans are not checked against the prompt here: a span missing from its prompt fails that prompt only.
import { fail, ok, type Result } from '../../lensError';

export type DatasetFormat = 'tsv' | 'jsonl';

export interface DatasetItem {
  readonly id: string;
  /** 1-based line of the item in the file, for messages. */
  readonly line: number;
  readonly prompt: string;
  /** Absent: generate the response. */
  readonly response?: string;
  /** Substrings of the prompt; empty: detect the instruction. */
  readonly instructionSpans: readonly string[];
  /** Substrings of the prompt the paper marks as context; kept for reference, not used by the explanation. */
  readonly contextSpans: readonly string[];
}

export const TSV_HEADER = ['ID', 'Prompt', 'Response', 'Instruct&Context'] as const;

/** Most problems listed in one message; the rest are counted. */
const MAX_LISTED = 10;

/** The format from the file name, or null when the extension says nothing. */
export function datasetFormatOf(path: string): DatasetFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.tsv')) return 'tsv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return null;
}

/** `/n` in the paper's TSV is a newline. */
export function decodeTsvText(field: string): string {
  return field.replaceAll('/n', '\n');
}

export function parseDataset(text: string, format: DatasetFormat, name: string): Result<DatasetItem[]> {
  const parsed = format === 'tsv' ? parseTsvDataset(text, name) : parseJsonlDataset(text, name);
  if (!parsed.ok) return parsed;
  const checked = checkIds(parsed.value, name);
  return checked.ok ? parsed : checked;
}

/** Splits into lines (LF or CRLF) numbered from 1. */
function numberedLines(text: string): { line: number; text: string }[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return body.split('\n').map((t, i) => ({ line: i + 1, text: t.endsWith('\r') ? t.slice(0, -1) : t }));
}

function problems(name: string, found: string[], hint: string): Result<never> {
  const listed = found.slice(0, MAX_LISTED).join('; ');
  const more = found.length > MAX_LISTED ? `; and ${found.length - MAX_LISTED} more` : '';
  const what = found.length === 1 ? 'a malformed line' : `${found.length} malformed lines`;
  return fail('bad-argument', `${name}: ${what}: ${listed}${more}`, hint);
}

const TSV_HINT =
  `Each row needs 4 tab-separated fields: ${TSV_HEADER.join(', ')} (newlines written as /n; spans ` +
  `separated by |||, instruction and context separated by &&&).`;

export function parseTsvDataset(text: string, name: string): Result<DatasetItem[]> {
  const lines = numberedLines(text);
  const first = lines.find((l) => l.text.trim() !== '');
  if (!first) return fail('bad-argument', `${name}: no rows`, TSV_HINT);
  const header = first.text.split('\t').map((h) => h.trim().toLowerCase());
  if (header.length !== 4 || header.some((h, i) => h !== TSV_HEADER[i].toLowerCase())) {
    return fail(
      'bad-argument',
      `${name}, line ${first.line}: the header is ${JSON.stringify(first.text.slice(0, 80))}, not ` +
        `${TSV_HEADER.join('\\t')}`,
      `A TSV dataset starts with the header line ${TSV_HEADER.join('<tab>')}. For JSON Lines, name ` +
        `the file .jsonl or pass --format jsonl.`,
    );
  }
  const items: DatasetItem[] = [];
  const found: string[] = [];
  for (const { line, text: row } of lines) {
    if (line <= first.line || row.trim() === '') continue;
    const fields = row.split('\t');
    if (fields.length !== 4) {
      found.push(`line ${line}: ${fields.length} tab-separated field${fields.length === 1 ? '' : 's'}, not 4`);
      continue;
    }
    const [id, prompt, response, spans] = fields;
    if (id.trim() === '') {
      found.push(`line ${line}: the ID is empty`);
      continue;
    }
    if (prompt.trim() === '') {
      found.push(`line ${line} (${id}): the prompt is empty`);
      continue;
    }
    const parts = spans.split('&&&');
    if (parts.length > 2) {
      found.push(`line ${line} (${id}): Instruct&Context has ${parts.length - 1} &&& separators, at most 1`);
      continue;
    }
    items.push({
      id,
      line,
      prompt: decodeTsvText(prompt),
      response: response === '' ? undefined : decodeTsvText(response),
      instructionSpans: splitSpans(parts[0]),
      contextSpans: splitSpans(parts[1] ?? ''),
    });
  }
  if (found.length > 0) return problems(name, found, TSV_HINT);
  if (items.length === 0) return fail('bad-argument', `${name}: the header is there but no rows follow`, TSV_HINT);
  return ok(items);
}

/** `a|||b` -> ['a', 'b'], with `/n` decoded; blank spans (e.g. a trailing |||) are dropped. */
function splitSpans(field: string): string[] {
  return field
    .split('|||')
    .map(decodeTsvText)
    .filter((s) => s.trim() !== '');
}

const JSONL_HINT =
  'Each line must be one JSON object: {"id": "...", "prompt": "...", "response"?: "...", ' +
  '"instruction_spans"?: ["substring of the prompt", ...]}.';

export function parseJsonlDataset(text: string, name: string): Result<DatasetItem[]> {
  const items: DatasetItem[] = [];
  const found: string[] = [];
  for (const { line, text: row } of numberedLines(text)) {
    if (row.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(row);
    } catch (e) {
      found.push(`line ${line}: not valid JSON (${(e as Error).message})`);
      continue;
    }
    const item = jsonlItem(raw, line);
    if (typeof item === 'string') found.push(item);
    else items.push(item);
  }
  if (found.length > 0) return problems(name, found, JSONL_HINT);
  if (items.length === 0) return fail('bad-argument', `${name}: no records`, JSONL_HINT);
  return ok(items);
}

/** The item, or what is wrong with it. */
function jsonlItem(raw: unknown, line: number): DatasetItem | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `line ${line}: not a JSON object`;
  const r = raw as Record<string, unknown>;
  const id = typeof r.id === 'number' && Number.isInteger(r.id) ? String(r.id) : r.id;
  if (typeof id !== 'string' || id.trim() === '') return `line ${line}: "id" must be a non-empty string`;
  if (typeof r.prompt !== 'string' || r.prompt.trim() === '')
    return `line ${line} (${id}): "prompt" must be a non-empty string`;
  if (r.response !== undefined && r.response !== null && typeof r.response !== 'string')
    return `line ${line} (${id}): "response" must be a string when given`;
  const spans = (key: string): string[] | string => {
    const v = r[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
      return `line ${line} (${id}): "${key}" must be a list of strings`;
    return v.filter((s) => s.trim() !== '');
  };
  const instructionSpans = spans('instruction_spans');
  if (typeof instructionSpans === 'string') return instructionSpans;
  const contextSpans = spans('context_spans');
  if (typeof contextSpans === 'string') return contextSpans;
  const response = typeof r.response === 'string' && r.response !== '' ? r.response : undefined;
  return { id, line, prompt: r.prompt, response, instructionSpans, contextSpans };
}

/**
 * Ids name the output files (<id>.json), so they must be safe file names on every system: letters, digits,
 * '.', '_' and '-', not starting with '.', at most 120 characters; and unique even when case is ignored
 * (macOS and Windows file systems fold case).
 */
export const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,119}$/;
/** Device names Windows will not create as files, with any extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

export function checkIds(items: readonly DatasetItem[], name: string): Result<void> {
  const unsafe = items.filter((it) => !SAFE_ID.test(it.id) || WINDOWS_RESERVED.test(it.id));
  if (unsafe.length > 0) {
    const listed = unsafe
      .slice(0, MAX_LISTED)
      .map((it) => `${JSON.stringify(it.id)} (line ${it.line})`)
      .join(', ');
    const more = unsafe.length > MAX_LISTED ? ` and ${unsafe.length - MAX_LISTED} more` : '';
    return fail(
      'bad-argument',
      `${name}: ${unsafe.length === 1 ? 'an id' : `${unsafe.length} ids`} cannot be used as file ` +
        `names: ${listed}${more}`,
      'Ids name the output files: use letters, digits, ".", "_" and "-" (not starting with "."), at ' +
        'most 120 characters, and no Windows device name (con, nul, com1, ...).',
    );
  }
  const seen = new Map<string, DatasetItem>();
  const clashes: string[] = [];
  for (const it of items) {
    const key = it.id.toLowerCase();
    const before = seen.get(key);
    if (before)
      clashes.push(
        before.id === it.id
          ? `${JSON.stringify(it.id)} on lines ${before.line} and ${it.line}`
          : `${JSON.stringify(before.id)} (line ${before.line}) and ${JSON.stringify(it.id)} (line ` +
              `${it.line}) differ only in case`,
      );
    else seen.set(key, it);
  }
  if (clashes.length > 0) {
    const more = clashes.length > MAX_LISTED ? `; and ${clashes.length - MAX_LISTED} more` : '';
    return fail(
      'bad-argument',
      `${name}: duplicate ids: ${clashes.slice(0, MAX_LISTED).join('; ')}${more}`,
      'Every prompt needs its own id (ids name the output files, and case-insensitive file systems fold case).',
    );
  }
  return ok(undefined);
}
