// summary.csv of a `batch` run: one row a prompt, RFC 4180 quoting (fields holding a comma, quote or line
// break are quoted, quotes doubled). The parser reads back what the writer writes (resuming keeps the
// seconds of prompts finished earlier); it is not a general CSV reader.

export interface SummaryRow {
  readonly id: string;
  readonly promptTokens: number | null;
  readonly responseTokens: number | null;
  readonly instructionImportance: number | null;
  readonly status: 'ok' | 'failed';
  /** "code: message" of a failed prompt; empty when it succeeded. */
  readonly error: string;
  readonly seconds: number | null;
}

export const SUMMARY_COLUMNS = [
  'id',
  'prompt_tokens',
  'response_tokens',
  'instruction_importance',
  'status',
  'error',
  'seconds',
] as const;

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const numberField = (x: number | null, digits?: number) =>
  x === null || !Number.isFinite(x) ? '' : digits === undefined ? String(x) : x.toFixed(digits);

export function summaryHeader(): string {
  return SUMMARY_COLUMNS.join(',') + '\n';
}

export function summaryLine(r: SummaryRow): string {
  return (
    [
      r.id,
      numberField(r.promptTokens),
      numberField(r.responseTokens),
      numberField(r.instructionImportance),
      r.status,
      r.error,
      numberField(r.seconds, 3),
    ]
      .map(field)
      .join(',') + '\n'
  );
}

/** Records of a CSV text (quoted fields may hold commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let value = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        value += '"';
        i++;
      } else if (c === '"') quoted = false;
      else value += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(value);
      value = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(value);
      records.push(record);
      record = [];
      value = '';
    } else value += c;
  }
  if (value !== '' || record.length > 0) records.push([...record, value]);
  return records;
}

/** The rows of a summary.csv text by id; rows that do not parse are left out. */
export function parseSummary(text: string): Map<string, SummaryRow> {
  const rows = new Map<string, SummaryRow>();
  const [header, ...records] = parseCsv(text);
  if (!header || header.join(',') !== SUMMARY_COLUMNS.join(',')) return rows;
  const num = (s: string) => (s === '' || !Number.isFinite(Number(s)) ? null : Number(s));
  for (const r of records) {
    if (r.length !== SUMMARY_COLUMNS.length || (r[4] !== 'ok' && r[4] !== 'failed')) continue;
    rows.set(r[0], {
      id: r[0],
      promptTokens: num(r[1]),
      responseTokens: num(r[2]),
      instructionImportance: num(r[3]),
      status: r[4],
      error: r[5],
      seconds: num(r[6]),
    });
  }
  return rows;
}
