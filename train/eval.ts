// `npm run eval:models`: the embedded pair on the held-out split (train/data/heldout.jsonl), with our own
// engine. Both models get the same input, the prompt in the chat template, and answer greedily.
//   - instruction following: the answer is correct (train/data checkers), per family and macro-averaged;
//   - the paper's Finding 1: per prompt, each model explains its own greedy response; the tuned model's
//     instruction importance should exceed the base model's (instruction spans known from the generator).
// Prints a table, writes models/eval-results.json and the "Evaluation" section of both model cards.
// --limit=N evaluates N prompts per family and records nothing; --models=DIR evaluates another pair.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { explainWith } from '../src/engine/explain';
import { loadModel } from '../src/engine/loadModel';
import { instructionImportance, instructionMask } from '../src/explain/instructionImportance';
import type { LensModel } from '../src/runtime/lensModel';
import { checkAnswer, type Example } from './data/tasks';
import { loadWordNet } from './data/wordnet';

const ROOT = join(__dirname, '..');
const MODELS_DIR = process.argv.find((a) => a.startsWith('--models='))?.slice(9) ?? join(ROOT, 'models');
const MODELS = { base: join(MODELS_DIR, 'wordnet-base'), tuned: join(MODELS_DIR, 'wordnet-tuned') };
const MAX_NEW_TOKENS = 48; // the longest reference answers (reverse, count) are about 40 tokens

interface Scored {
  readonly correct: boolean;
  readonly importance: number;
  readonly response: string;
}

async function score(model: LensModel, example: Example): Promise<Scored> {
  const r = await explainWith(model, { modelDir: model.checkpoint.dir, prompt: example.prompt, maxNewTokens: MAX_NEW_TOKENS, chat: true }, 0);
  if (!r.ok) throw new Error(`${example.id}: ${r.error.message}`);
  const responseIds = r.value.responseTokens.filter((t) => !t.special).map((t) => t.id);
  const response = await model.checkpoint.tokenizer.decode(responseIds, true);
  const mask = instructionMask(example.prompt, r.value.promptTokens, example.instruction_offsets);
  return { correct: checkAnswer(example, response), importance: instructionImportance(r.value.density, mask), response };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);

async function main(): Promise<void> {
  for (const dir of Object.values(MODELS)) {
    if (!existsSync(join(dir, 'config.json'))) throw new Error(`${dir} is missing: run \`npm run train:models\` first`);
  }
  const limit = Number(process.argv.find((a) => a.startsWith('--limit='))?.slice(8) ?? Infinity);
  const all: Example[] = readFileSync(join(ROOT, 'train', 'data', 'heldout.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const byFamily = new Map<string, Example[]>();
  for (const e of all) byFamily.set(e.family, [...(byFamily.get(e.family) ?? []), e]);
  const examples = [...byFamily.values()].flatMap((list) => list.slice(0, limit));
  loadWordNet();

  const base = await loadModel(MODELS.base);
  const tuned = await loadModel(MODELS.tuned);
  if (!base.ok || !tuned.ok) throw new Error(`could not load the models: ${!base.ok ? base.error.message : ''} ${!tuned.ok ? tuned.error.message : ''}`);
  const bar = new SingleBar({ format: 'eval [{bar}] {value}/{total} {eta_formatted}', stream: process.stderr });
  bar.start(examples.length, 0);
  const rows: { example: Example; base: Scored; tuned: Scored }[] = [];
  for (const example of examples) {
    rows.push({ example, base: await score(base.value.model, example), tuned: await score(tuned.value.model, example) });
    bar.increment();
  }
  bar.stop();

  const families = [...byFamily.keys()];
  const table = families.map((family) => {
    const r = rows.filter((x) => x.example.family === family);
    return {
      family,
      prompts: r.length,
      base_correct: r.filter((x) => x.base.correct).length / r.length,
      tuned_correct: r.filter((x) => x.tuned.correct).length / r.length,
      tuned_importance_higher: r.filter((x) => x.tuned.importance > x.base.importance).length / r.length,
    };
  });
  const macro = (key: 'base_correct' | 'tuned_correct') => table.reduce((s, t) => s + t[key], 0) / table.length;
  const summary = {
    prompts: rows.length,
    macro_base_correct: macro('base_correct'),
    macro_tuned_correct: macro('tuned_correct'),
    tuned_importance_higher: rows.filter((x) => x.tuned.importance > x.base.importance).length / rows.length,
    mean_importance: { base: rows.reduce((s, x) => s + x.base.importance, 0) / rows.length, tuned: rows.reduce((s, x) => s + x.tuned.importance, 0) / rows.length },
  };
  const lines = [
    '| family | prompts | base correct | tuned correct | tuned instruction importance > base |',
    '|---|---:|---:|---:|---:|',
    ...table.map((t) => `| ${t.family} | ${t.prompts} | ${pct(t.base_correct)} | ${pct(t.tuned_correct)} | ${pct(t.tuned_importance_higher)} |`),
    `| **macro average / all** | ${summary.prompts} | ${pct(summary.macro_base_correct)} | ${pct(summary.macro_tuned_correct)} | ${pct(summary.tuned_importance_higher)} |`,
  ];
  const text = [
    `Held-out split: ${summary.prompts} prompts from synsets never seen in training (offset divisible by 20), greedy decoding, at most ${MAX_NEW_TOKENS} new tokens, both models prompted through the chat template.`,
    '',
    ...lines,
    '',
    `Mean instruction importance: base ${summary.mean_importance.base.toFixed(3)}, tuned ${summary.mean_importance.tuned.toFixed(3)} (Finding 1 of Wu et al.: tuned > base on ${pct(summary.tuned_importance_higher).trim()} of prompts).`,
  ].join('\n');
  process.stdout.write(text + '\n');
  if (Number.isFinite(limit)) return; // a partial run (--limit=N per family) records nothing
  writeFileSync(join(MODELS_DIR, 'eval-results.json'), JSON.stringify({ summary, families: table, rows: rows.map((r) => ({ id: r.example.id, base: r.base, tuned: r.tuned })) }, null, 1));
  for (const dir of Object.values(MODELS)) {
    const card = join(dir, 'README.md');
    const current = existsSync(card) ? readFileSync(card, 'utf8') : '';
    const head = current.split('\n## Evaluation')[0].trimEnd();
    writeFileSync(card, `${head}\n\n## Evaluation\n\n${text}\n`);
  }
  base.value.model.dispose();
  tuned.value.model.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(1);
});
