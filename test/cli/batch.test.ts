// `batch` end to end through the bundled CLI on a small random checkpoint: one JSON per prompt equal to what
// `explain --json` gives for the same prompt, summary.csv, a failing prompt that does not stop the rest,
// resuming (finished ids untouched, half-written and missing ones redone), and clear errors for bad input.
// Also `explain --html`, and both on the embedded default model when it is built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseCsv, parseSummary, summaryLine, SUMMARY_COLUMNS } from '../../src/methods/attribution/summaryCsv';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';
import { runCli } from './cliRunner';

const root = mkdtempSync(join(tmpdir(), 'lens-batch-'));
after(() => rmSync(root, { recursive: true, force: true }));

const ck = writeRandomCheckpoint(join(root, 'ck'), {
  family: 'llama',
  numHeads: 4,
  numKvHeads: 2,
  seed: 41,
  maxPositions: 128,
});

const HEADER = 'ID\tPrompt\tResponse\tInstruct&Context';
const ROWS = [
  'a1\tDefine the word apple./n/nInput: apple\t\tDefine the word apple.&&&apple',
  'a2\tList three red fruits.\tCherry, apple, strawberry.\tList three red fruits.',
  'bad\tName a colour.\t\tWrite a poem.',
  'a3\tSay hello./nThen say goodbye.\t\t',
];
const PROMPT_A2 = 'List three red fruits.';

const batch = (dataset: string, out: string, ...rest: string[]) =>
  runCli(['batch', '--model', ck.dir, '--dataset', dataset, '--out', out, '--max-new-tokens', '3', ...rest], 120_000);

interface Json {
  prompt: string;
  prompt_tokens: unknown[];
  response_tokens: { text: string }[];
  instruction_importance: number;
  instruction_spans: { text: string; source: string }[];
  settings: { response_given: boolean; max_new_tokens: number };
  timing: Record<string, number>;
  [key: string]: unknown;
}
const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8'));
const mtime = (path: string) => statSync(path).mtimeMs;

test('summary.csv lines read back exactly, with commas, quotes and line breaks in the error', () => {
  const row = {
    id: 'x',
    promptTokens: 3,
    responseTokens: null,
    instructionImportance: 0.25,
    status: 'failed' as const,
    error: 'bad-argument: the instruction "a, b"\nis not there',
    seconds: 1.5,
  };
  const text =
    SUMMARY_COLUMNS.join(',') + '\n' + summaryLine(row) + summaryLine({ ...row, id: 'y', status: 'ok', error: '' });
  assert.deepEqual(parseCsv(text)[1], [
    'x',
    '3',
    '',
    '0.25',
    'failed',
    'bad-argument: the instruction "a, b"\nis not there',
    '1.500',
  ]);
  assert.deepEqual(parseSummary(text).get('x'), row);
  assert.equal(parseSummary(text).size, 2);
});

test('batch on a TSV: one JSON per prompt, summary.csv, a failing prompt does not stop the rest; then resume', () => {
  const dataset = join(root, 'd.tsv');
  writeFileSync(dataset, [HEADER, ...ROWS].join('\n') + '\n');
  const out = join(root, 'out');
  const run = batch(dataset, out);
  // one prompt failed: reported, exit 1, but every other prompt is done
  assert.equal(run.status, 1, run.stderr);
  assert.match(
    run.stderr,
    /failed bad \(line 4\): bad-argument: the instruction "Write a poem\." is not in the prompt/,
  );
  assert.match(run.stderr, /\[1\/4\] a1 ok, [\d.]+ s, ETA \d+:\d\d\n/);
  assert.match(
    run.stderr,
    new RegExp(
      String.raw`error: 1 of 4 prompts failed: bad \(the instruction "Write a poem\." is not in the ` +
        String.raw`prompt\)\nhint: .*rerun the same command`,
    ),
  );
  assert.doesNotMatch(run.stderr, /\n\s+at /);
  assert.match(run.stdout, /4 prompts: 3 explained now, 0 done earlier, 1 failed/);
  assert.deepEqual(readdirSync(out).sort(), ['a1.json', 'a2.json', 'a3.json', 'summary.csv']);

  const a1 = readJson(join(out, 'a1.json'));
  assert.equal(a1.prompt, 'Define the word apple.\n\nInput: apple');
  assert.equal(a1.settings.response_given, false);
  assert.ok(a1.response_tokens.length >= 1 && a1.response_tokens.length <= 3);
  assert.deepEqual(
    a1.instruction_spans.map((s) => [s.text, s.source]),
    [['Define the word apple.', 'user']],
  );
  const a3 = readJson(join(out, 'a3.json'));
  assert.equal(a3.prompt, 'Say hello.\nThen say goodbye.');
  assert.ok(
    a3.instruction_spans.every((s) => s.source === 'detected'),
    'no spans given: detected',
  );

  // a2 equals `explain --json` of the same prompt, response and instruction (timing aside)
  const a2 = readJson(join(out, 'a2.json'));
  const single = join(root, 'single.json');
  const ex = runCli([
    'explain',
    '--model',
    ck.dir,
    '--prompt',
    PROMPT_A2,
    '--response',
    'Cherry, apple, strawberry.',
    '--instruction',
    PROMPT_A2,
    '--max-new-tokens',
    '3',
    '--json',
    single,
  ]);
  assert.equal(ex.status, 0, ex.stderr);
  const want = readJson(single);
  assert.equal(a2.settings.response_given, true);
  assert.deepEqual({ ...a2, timing: null }, { ...want, timing: null });

  // summary.csv: a row per prompt in dataset order, numbers as in the JSONs
  const summaryText = readFileSync(join(out, 'summary.csv'), 'utf8');
  const records = parseCsv(summaryText);
  assert.deepEqual(records[0], [...SUMMARY_COLUMNS]);
  assert.deepEqual(
    records.slice(1).map((r) => r[0]),
    ['a1', 'a2', 'bad', 'a3'],
  );
  for (const [id, json] of [
    ['a1', a1],
    ['a2', a2],
    ['a3', a3],
  ] as const) {
    const r = records.find((x) => x[0] === id)!;
    assert.deepEqual(r.slice(1, 6), [
      String(json.prompt_tokens.length),
      String(json.response_tokens.length),
      String(json.instruction_importance),
      'ok',
      '',
    ]);
    assert.ok(Number(r[6]) > 0, `seconds of ${id}`);
  }
  const badRow = records.find((x) => x[0] === 'bad')!;
  assert.equal(badRow[4], 'failed');
  assert.equal(badRow[5], 'bad-argument: the instruction "Write a poem." is not in the prompt');

  // resume: nothing finished is redone; the failure is tried again (and fails again)
  const before = Object.fromEntries(['a1', 'a2', 'a3'].map((id) => [id, mtime(join(out, `${id}.json`))]));
  const again = batch(dataset, out);
  assert.equal(again.status, 1);
  assert.match(again.stdout, /4 prompts: 0 explained now, 3 done earlier, 1 failed/);
  assert.match(again.stderr, /3 prompts done earlier \(skipped\), 1 to go/);
  for (const id of ['a1', 'a2', 'a3'])
    assert.equal(mtime(join(out, `${id}.json`)), before[id], `${id}.json was rewritten`);
  const resumed = parseSummary(readFileSync(join(out, 'summary.csv'), 'utf8'));
  const first = parseSummary(summaryText);
  for (const id of ['a1', 'a2', 'a3']) assert.deepEqual(resumed.get(id), first.get(id), `summary row of ${id}`);

  // fix the failing row, delete one result, leave another half-written plus a stale temporary file
  writeFileSync(dataset, [HEADER, ...ROWS.slice(0, 2), 'bad\tName a colour.\t\tName a colour.', ROWS[3]].join('\n'));
  rmSync(join(out, 'a2.json'));
  writeFileSync(join(out, 'a3.json'), readFileSync(join(out, 'a3.json'), 'utf8').slice(0, 100));
  writeFileSync(join(out, 'a1.json.tmp-12345'), '{"half');
  const fixed = batch(dataset, out);
  assert.equal(fixed.status, 0, fixed.stderr);
  assert.match(fixed.stdout, /4 prompts: 3 explained now, 1 done earlier, 0 failed/);
  assert.equal(mtime(join(out, 'a1.json')), before.a1);
  assert.deepEqual({ ...readJson(join(out, 'a2.json')), timing: null }, { ...want, timing: null });
  assert.equal(readJson(join(out, 'a3.json')).prompt, 'Say hello.\nThen say goodbye.');
  assert.equal(readJson(join(out, 'bad.json')).instruction_spans[0].text, 'Name a colour.');
  assert.ok(!existsSync(join(out, 'a1.json.tmp-12345')), 'stale temporary file removed');
  assert.deepEqual(
    [...parseSummary(readFileSync(join(out, 'summary.csv'), 'utf8')).values()].map((r) => [r.id, r.status]),
    [
      ['a1', 'ok'],
      ['a2', 'ok'],
      ['bad', 'ok'],
      ['a3', 'ok'],
    ],
  );

  // the folder belongs to this run: other settings are refused before any work
  const other = batch(dataset, out, '--max-new-tokens', '5');
  assert.equal(other.status, 1);
  assert.match(
    other.stderr,
    new RegExp(
      String.raw`^error: --out .* holds results of another run: a1\.json was made with model .*--max-new-tokens ` +
        String.raw`3, --chat on; this run asks for .*--max-new-tokens 5, --chat on\nhint: `,
    ),
  );
});

test('batch on JSONL with --ids, --generate and --html', () => {
  const dataset = join(root, 'd.jsonl');
  writeFileSync(
    dataset,
    [
      JSON.stringify({
        id: 'j1',
        prompt: 'Define the word pear.',
        response: 'A fruit.',
        instruction_spans: ['Define the word pear.'],
        note: 'ignored',
      }),
      JSON.stringify({ id: 'j2', prompt: 'Give an example of a tree.', response: 'An oak.' }),
      JSON.stringify({ id: 'j3', prompt: 'Spell <script>alert(1)</script>.' }),
    ].join('\n'),
  );
  const out = join(root, 'out-jsonl');
  const run = batch(dataset, out, '--ids', 'j1,j3', '--generate', '--html');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /2 prompts: 2 explained now/);
  assert.deepEqual(readdirSync(out).sort(), ['j1.html', 'j1.json', 'j3.html', 'j3.json', 'summary.csv']);
  // --generate ignores the dataset's response
  assert.equal(readJson(join(out, 'j1.json')).settings.response_given, false);
  const html = readFileSync(join(out, 'j3.html'), 'utf8');
  assert.match(html, /Spell &lt;script&gt;alert\(1\)&lt;\/script&gt;\./);
  assert.equal(html.match(/<script/g)?.length, 2);
  // the rest later: j1 and j3 stay as they are
  const t1 = mtime(join(out, 'j1.json'));
  const rest = batch(dataset, out, '--generate');
  assert.equal(rest.status, 0, rest.stderr);
  assert.match(rest.stdout, /3 prompts: 1 explained now, 2 done earlier/);
  assert.equal(mtime(join(out, 'j1.json')), t1);
  // without --generate the dataset's responses are explained: j1 and j2 are redone, j3 (no response) kept
  const given = batch(dataset, out);
  assert.equal(given.status, 0, given.stderr);
  assert.match(given.stdout, /3 prompts: 2 explained now, 1 done earlier/);
  assert.equal(readJson(join(out, 'j1.json')).settings.response_given, true);
});

test('batch on a mixture of experts and on gemma2: each JSON equals explain --json of its prompt', () => {
  for (const [name, options] of [
    ['qwen3-moe', { family: 'qwen3_moe', numKvHeads: 2, experts: 4, mlpOnlyLayers: [0], seed: 42 }],
    ['gemma2', { family: 'gemma2', numKvHeads: 2, slidingWindow: 3, seed: 43 }],
  ] as const) {
    const model = writeRandomCheckpoint(join(root, `ck-${name}`), { ...options, maxPositions: 128 });
    const dataset = join(root, `${name}.jsonl`);
    writeFileSync(
      dataset,
      [
        JSON.stringify({ id: 'p1', prompt: 'Define the word pear.', response: ' A fruit.' }),
        JSON.stringify({ id: 'p2', prompt: 'Name a tree.' }),
      ].join('\n'),
    );
    const out = join(root, `out-${name}`);
    const run = runCli(
      ['batch', '--model', model.dir, '--dataset', dataset, '--out', out, '--max-new-tokens', '3', '--chat', 'off'],
      120_000,
    );
    assert.equal(run.status, 0, run.stderr);
    const single = join(root, `${name}-p1.json`);
    const one = runCli(
      [
        'explain',
        '--model',
        model.dir,
        '--prompt',
        'Define the word pear.',
        '--response',
        ' A fruit.',
        '--max-new-tokens',
        '3',
        '--chat',
        'off',
        '--json',
        single,
      ],
      60_000,
    );
    assert.equal(one.status, 0, one.stderr);
    const strip = (j: Json) => ({ ...j, timing: null });
    assert.deepEqual(strip(readJson(join(out, 'p1.json'))), strip(readJson(single)), name);
    assert.ok(existsSync(join(out, 'p2.json')));
  }
});

test("a claim a killed run wrote but never linked into place is cleared by the next run; a live run's is kept", () => {
  const dataset = join(root, 'claims.jsonl');
  writeFileSync(dataset, JSON.stringify({ id: 'c1', prompt: 'Name a tree.', response: ' An oak.' }));
  const out = join(root, 'out-claims');
  mkdirSync(out, { recursive: true });
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(
    join(out, 'c1.lock.tmp-0a1b2c'),
    JSON.stringify({ host: hostname(), pid: Number(dead.stdout), token: '0a1b2c' }),
  );
  writeFileSync(
    join(out, 'c9.lock.tmp-3d4e5f'),
    JSON.stringify({ host: hostname(), pid: process.pid, token: '3d4e5f' }),
  );
  const run = batch(dataset, out);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(
    readdirSync(out).filter((f) => f.includes('.lock')),
    ['c9.lock.tmp-3d4e5f'],
  );
});

function expectError(args: string[], message: RegExp): void {
  const run = runCli(args, 60_000);
  assert.equal(run.status, 1, `expected failure, got stdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assert.match(run.stderr, /^error: .+\nhint: .+\n$/, `stderr: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'a stack trace leaked');
  assert.match(run.stderr, message);
}

test('batch: bad input gets one clear error before any work', () => {
  const write = (name: string, text: string) => {
    writeFileSync(join(root, name), text);
    return join(root, name);
  };
  const good = write('good.jsonl', JSON.stringify({ id: 'g', prompt: 'Define x.' }) + '\n');
  const out = join(root, 'never');
  const args = (dataset: string, ...rest: string[]) => [
    'batch',
    '--model',
    ck.dir,
    '--dataset',
    dataset,
    '--out',
    out,
    ...rest,
  ];
  expectError(
    args(write('m.jsonl', '{"id": "a", "prompt": "x"}\n{"id": "b", "prompt": \n[]\n')),
    /m\.jsonl: 2 malformed lines: line 2: not valid JSON .*; line 3: not a JSON object/,
  );
  expectError(
    args(write('m.tsv', `${HEADER}\nx\tA.\t\t\ny\tonly two\n`)),
    /m\.tsv: a malformed line: line 3: 2 tab-separated fields, not 4/,
  );
  expectError(args(write('h.tsv', 'x\tA.\t\t\n')), /h\.tsv, line 1: the header is/);
  expectError(
    args(write('dup.jsonl', '{"id": "a", "prompt": "x"}\n{"id": "a", "prompt": "y"}\n')),
    /duplicate ids: "a" on lines 1 and 2/,
  );
  expectError(
    args(write('unsafe.jsonl', '{"id": "../../etc/x", "prompt": "x"}\n')),
    /cannot be used as file names: "\.\.\/\.\.\/etc\/x" \(line 1\)/,
  );
  expectError(args(good, '--ids', 'g,nope'), /--ids: an id is not in .*good\.jsonl: "nope"/);
  expectError(args(join(root, 'missing.jsonl')), /missing\.jsonl: no such file/);
  expectError(args(write('d.txt', 'x')), /d\.txt: cannot tell the format from the file name\nhint: .*--format/);
  expectError(args(good, '--format', 'csv'), /--format csv: not a dataset format/);
  // an --out that cannot be a folder: a path through a regular file
  const file = write('plain-file', '');
  expectError(
    ['batch', '--model', ck.dir, '--dataset', good, '--out', join(file, 'sub')],
    /--out .*plain-file\/sub: cannot create the folder/,
  );
  expectError(
    ['batch', '--model', ck.dir, '--dataset', good, '--out', file],
    /--out .*plain-file: cannot create the folder \(a file of that name exists\)|is a file, not a folder/,
  );
  assert.ok(!existsSync(out), 'nothing was created for bad input');
});

test('explain --html writes the report; an unwritable --html fails before the model runs', () => {
  const html = join(root, 'report.html');
  const run = runCli([
    'explain',
    '--model',
    ck.dir,
    '--prompt',
    'Define the word <b>apple</b>.',
    '--max-new-tokens',
    '2',
    '--html',
    html,
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /wrote .*report\.html/);
  const text = readFileSync(html, 'utf8');
  assert.match(text, /^<!DOCTYPE html>/);
  assert.match(text, /<title>Instruction Lens: Define the word &lt;b&gt;apple&lt;\/b&gt;\.<\/title>/);
  assert.doesNotMatch(text, /<b>apple/);
  const dir = join(root, 'adir');
  mkdirSync(dir);
  expectError(['explain', '--model', ck.dir, '--prompt', 'x', '--html', dir], /--html .*adir: is a folder/);
  expectError(
    ['explain', '--model', ck.dir, '--prompt', 'x', '--html', join(root, 'no-such-folder', 'r.html')],
    /--html .*r\.html: the folder .*no-such-folder does not exist/,
  );
  expectError(
    ['explain', '--model', ck.dir, '--prompt', 'x', '--json', join(root, 'plain-file', 'r.json')],
    /--json .*r\.json: .*plain-file is not a folder|does not exist/,
  );
});

const DEFAULT_MODEL = join(__dirname, '..', '..', 'models', 'wordnet-tuned');

test(
  'the embedded default model: batch and explain --html without --model',
  { skip: existsSync(join(DEFAULT_MODEL, 'config.json')) ? false : 'models/wordnet-tuned is not built' },
  () => {
    const dataset = join(root, 'wn.jsonl');
    writeFileSync(
      dataset,
      [
        JSON.stringify({ id: 'w1', prompt: 'Define the word apple.' }),
        JSON.stringify({ id: 'w2', prompt: 'What is a synonym of big?', response: 'large' }),
      ].join('\n'),
    );
    const out = join(root, 'out-wn');
    const run = runCli(['batch', '--dataset', dataset, '--out', out, '--max-new-tokens', '6'], 120_000);
    assert.equal(run.status, 0, run.stderr);
    for (const id of ['w1', 'w2']) {
      const json = readJson(join(out, `${id}.json`));
      assert.match((json.model as { path: string }).path, /wordnet-tuned$/);
      assert.ok(json.response_tokens.length >= 1);
    }
    const html = join(root, 'wn.html');
    const ex = runCli([
      'explain',
      '--prompt',
      'Define the word apple.',
      '--max-new-tokens',
      '6',
      '--chat',
      '--html',
      html,
    ]);
    assert.equal(ex.status, 0, ex.stderr);
    assert.match(readFileSync(html, 'utf8'), /class="t sp"/, 'chat template tokens shown as special');
  },
);
