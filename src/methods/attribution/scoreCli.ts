// `score`: re-scores attributions saved in the paper's format (docs/cli.md, "Saved attributions") without
// running a model: instruction importance and density per prompt and model, and a summary.
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseSavedRecord, scoreSavedRecord, summariseScores, type SavedScore } from './savedAttribution';
import { report } from '../../terminal/report';

/** `score`: re-scores saved attributions (the paper's JSONL format) without running a model. */
function runScore(options: { input: string; json?: string }): void {
  let text = '';
  try {
    text = readFileSync(options.input, 'utf8');
  } catch (e) {
    report({
      code: 'missing-file',
      message:
        `${options.input}: ` +
        `${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
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

export function registerScore(program: Command): void {
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
}
