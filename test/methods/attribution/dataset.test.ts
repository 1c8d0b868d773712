// Dataset parsing for `batch`: the paper's FinalDataset.tsv layout and JSONL, with every malformed row or
// line named by its line number. The TSV rows below are written in the paper's layout by hand (the real file
// is GPL-3.0 and stays out of the repository); the first copies the shape of its user_oriented_task_15.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkIds,
  datasetFormatOf,
  parseDataset,
  parseJsonlDataset,
  parseTsvDataset,
  type DatasetItem,
} from '../../../src/methods/attribution/dataset';

const HEADER = 'ID\tPrompt\tResponse\tInstruct&Context';

function okItems(r: ReturnType<typeof parseDataset>): DatasetItem[] {
  assert.ok(r.ok, r.ok ? '' : `${r.error.message}\n${r.error.hint}`);
  return r.value;
}

function errorOf(r: ReturnType<typeof parseDataset>): string {
  assert.ok(!r.ok, 'expected an error');
  return r.error.message;
}

test('TSV: /n is a newline, ||| separates spans, &&& separates instruction from context', () => {
  const text = [
    HEADER,
    'task_15\tCalculate the last column./nNote that rows are separated using "|"./n/nInput: a, 1 | ' +
      'b, 2/nFunction: x * 2/n/nOutput:\ta, 2 | b, 4\tCalculate the last column./nNote that rows are ' +
      'separated using "|".|||Input: |||Function: x * 2&&&a, 1 | b, 2/nFunction: x * 2',
    'task_7\tWrite a post about apples.\t\tWrite a post about apples.',
    'task_4\tCome up with synonyms./n/nInput: Sincerely\tBest, Cheers\tCome up with synonyms|||Sincerely',
    '',
  ].join('\n');
  const items = okItems(parseDataset(text, 'tsv', 'd.tsv'));
  assert.equal(items.length, 3);
  const [a, b, c] = items;
  assert.deepEqual(a, {
    id: 'task_15',
    line: 2,
    prompt:
      'Calculate the last column.\nNote that rows are separated using "|".\n\nInput: a, 1 | b, ' +
      '2\nFunction: x * 2\n\nOutput:',
    response: 'a, 2 | b, 4',
    instructionSpans: [
      'Calculate the last column.\nNote that rows are separated using "|".',
      'Input: ',
      'Function: x * 2',
    ],
    contextSpans: ['a, 1 | b, 2\nFunction: x * 2'],
  });
  // every span is a substring of its decoded prompt
  for (const s of [...a.instructionSpans, ...a.contextSpans]) assert.ok(a.prompt.includes(s), s);
  // an empty Response means: generate
  assert.equal(b.response, undefined);
  assert.deepEqual(b.instructionSpans, ['Write a post about apples.']);
  assert.deepEqual(b.contextSpans, []);
  // without &&& every span is an instruction span (the paper's loader reads it so)
  assert.deepEqual(c.instructionSpans, ['Come up with synonyms', 'Sincerely']);
  assert.equal(c.line, 4);
});

test('TSV: CRLF line ends, a BOM, blank lines and an empty Instruct&Context (detect the instruction)', () => {
  const text = '\uFEFF' + [HEADER, '', 'x1\tList fruits.\t\t', 'x2\tName a colour.\tRed.\t|||'].join('\r\n') + '\r\n';
  const items = okItems(parseDataset(text, 'tsv', 'd.tsv'));
  assert.deepEqual(
    items.map((it) => [it.id, it.line, it.prompt, it.response, it.instructionSpans.length]),
    [
      ['x1', 3, 'List fruits.', undefined, 0],
      ['x2', 4, 'Name a colour.', 'Red.', 0],
    ],
  );
});

test('TSV: malformed rows are all reported with their line numbers', () => {
  const text = [
    HEADER,
    'ok\tFine.\t\tFine.',
    'short\tNo spans column',
    'long\ta\tb\tc\td',
    '\tNo id.\t\t',
    'noprompt\t \t\t',
    'amp\tA b.\t\tA&&&b&&&c',
  ].join('\n');
  const message = errorOf(parseTsvDataset(text, 'd.tsv'));
  assert.match(message, /^d\.tsv: 5 malformed lines: /);
  assert.match(message, /line 3: 2 tab-separated fields, not 4/);
  assert.match(message, /line 4: 5 tab-separated fields, not 4/);
  assert.match(message, /line 5: the ID is empty/);
  assert.match(message, /line 6 \(noprompt\): the prompt is empty/);
  assert.match(message, /line 7 \(amp\): Instruct&Context has 2 &&& separators/);
  assert.doesNotMatch(message, /line 2\b/);
});

test('TSV: a missing or wrong header, and a header without rows', () => {
  assert.match(
    errorOf(parseTsvDataset('a1\tDefine x.\t\tDefine x.\n', 'd.tsv')),
    /d\.tsv, line 1: the header is "a1\\tDefine x\.\\t\\tDefine x\."/,
  );
  assert.match(errorOf(parseTsvDataset(HEADER + '\n\n', 'd.tsv')), /no rows follow/);
  assert.match(errorOf(parseTsvDataset('', 'd.tsv')), /no rows/);
  // the header is matched without regard to case or surrounding spaces
  assert.equal(okItems(parseTsvDataset('id\tprompt\tresponse\tinstruct&context \nz\tHi.\t\t', 'd.tsv')).length, 1);
});

test('JSONL: fields, unknown fields ignored, numeric ids, optional response and spans', () => {
  const text = [
    JSON.stringify({
      id: 'a',
      prompt: 'Define the word apple.\nInput: apple',
      response: 'A fruit.',
      instruction_spans: ['Define the word apple.'],
      extra: { x: 1 },
    }),
    '',
    JSON.stringify({ id: 7, prompt: 'List fruits.' }),
    JSON.stringify({ id: 'c', prompt: 'Hi.', response: '', instruction_spans: [], context_spans: ['Hi.'] }),
  ].join('\n');
  const items = okItems(parseDataset(text, 'jsonl', 'd.jsonl'));
  assert.deepEqual(items, [
    {
      id: 'a',
      line: 1,
      prompt: 'Define the word apple.\nInput: apple',
      response: 'A fruit.',
      instructionSpans: ['Define the word apple.'],
      contextSpans: [],
    },
    { id: '7', line: 3, prompt: 'List fruits.', response: undefined, instructionSpans: [], contextSpans: [] },
    { id: 'c', line: 4, prompt: 'Hi.', response: undefined, instructionSpans: [], contextSpans: ['Hi.'] },
  ]);
});

test('JSONL: malformed lines are reported with their line numbers', () => {
  const text = [
    JSON.stringify({ id: 'ok', prompt: 'Fine.' }),
    '{"id": "broken", "prompt": ',
    '[1, 2]',
    JSON.stringify({ prompt: 'No id.' }),
    JSON.stringify({ id: 'p', prompt: 3 }),
    JSON.stringify({ id: 'r', prompt: 'x', response: 5 }),
    JSON.stringify({ id: 's', prompt: 'x', instruction_spans: 'x' }),
    JSON.stringify({ id: 't', prompt: 'x', instruction_spans: ['x', 2] }),
  ].join('\n');
  const message = errorOf(parseJsonlDataset(text, 'd.jsonl'));
  assert.match(message, /^d\.jsonl: 7 malformed lines: /);
  assert.match(message, /line 2: not valid JSON \(/);
  assert.match(message, /line 3: not a JSON object/);
  assert.match(message, /line 4: "id" must be a non-empty string/);
  assert.match(message, /line 5 \(p\): "prompt" must be a non-empty string/);
  assert.match(message, /line 6 \(r\): "response" must be a string/);
  assert.match(message, /line 7 \(s\): "instruction_spans" must be a list of strings/);
  assert.match(message, /line 8 \(t\): "instruction_spans" must be a list of strings/);
  assert.match(errorOf(parseJsonlDataset('\n\n', 'd.jsonl')), /no records/);
});

test('many malformed lines: the first ten are listed and the rest counted', () => {
  const text = Array.from({ length: 13 }, (_, i) => `{bad ${i}`).join('\n');
  const message = errorOf(parseJsonlDataset(text, 'd.jsonl'));
  assert.match(message, /13 malformed lines/);
  assert.match(message, /line 10: /);
  assert.doesNotMatch(message, /line 11: /);
  assert.match(message, /and 3 more$/);
});

test('ids: duplicates (also by case) and ids unsafe as file names are refused before any work', () => {
  const item = (id: string, line: number): DatasetItem => ({
    id,
    line,
    prompt: 'x',
    instructionSpans: [],
    contextSpans: [],
  });
  const dup = checkIds([item('a', 1), item('b', 2), item('a', 3)], 'd.jsonl');
  assert.ok(!dup.ok);
  assert.match(dup.error.message, /duplicate ids: "a" on lines 1 and 3/);
  const caseDup = checkIds([item('Task', 1), item('task', 2)], 'd.jsonl');
  assert.ok(!caseDup.ok);
  assert.match(caseDup.error.message, /"Task" \(line 1\) and "task" \(line 2\) differ only in case/);
  for (const bad of ['../x', 'a/b', 'a\\b', '.hidden', 'with space', 'x'.repeat(121), 'CON', 'nul.txt', 'é']) {
    const r = checkIds([item(bad, 5)], 'd.jsonl');
    assert.ok(!r.ok, bad);
    assert.match(r.error.message, /cannot be used as file names: .*\(line 5\)/, bad);
  }
  for (const good of ['user_oriented_task_0', 'lima-1', 'a.b', '0', 'x'.repeat(120)])
    assert.ok(checkIds([item(good, 1)], 'd.jsonl').ok, good);
  // through parseDataset: the TSV with a duplicate id fails as a whole
  assert.match(
    errorOf(parseDataset(`${HEADER}\nq\tA.\t\t\nq\tB.\t\t\n`, 'tsv', 'd.tsv')),
    /duplicate ids: "q" on lines 2 and 3/,
  );
});

test('format from the file name', () => {
  assert.equal(datasetFormatOf('/x/FinalDataset.tsv'), 'tsv');
  assert.equal(datasetFormatOf('a.JSONL'), 'jsonl');
  assert.equal(datasetFormatOf('a.ndjson'), 'jsonl');
  assert.equal(datasetFormatOf('a.txt'), null);
});
