// `npm run eval:models`: the embedded pair on the held-out split (train/data/heldout.jsonl), with our own
// engine. Both models get the same input, the prompt in the chat template, and answer greedily.
//   - instruction following: the answer is correct (train/data checkers), per family and per kind of family;
//   - the paper's Finding 1: per prompt, each model explains its own greedy response, and (the control) the base
//     model also explains the tuned model's response; instruction spans are known from the generator;
//   - the paper's Finding 2: both models' attention-head word pairs, the share with an instruction verb per
//     layer, for the default instruction verbs and for the verbs the task phrasings use.
// Prints the evaluation (train/evalReport.ts), writes models/eval-results.json and the "Evaluation" section of
// both model cards, and exits with 1 when a target is missed. --limit=N evaluates N prompts per family and
// records nothing; --models=DIR evaluates another pair.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { explainWith } from '../src/methods/attribution/run';
import { DEFAULT_HEADS_SETTINGS, headPatternsFor } from '../src/methods/heads/run';
import { checkpointHandle, loadModel } from '../src/runtime/loadModel';
import { addCounts, NO_PAIRS, share, type PairCounts } from '../src/methods/heads/headPatterns';
import { instructionImportance, instructionMask } from '../src/methods/attribution/instructionImportance';
import { INSTRUCTION_VERBS } from '../src/methods/heads/wordLists';
import type { LensModel } from '../src/runtime/lensModel';
import { evaluationText, summarize, type EvalRow, type Scored, type VerbShares } from './evalReport';
import { checkAnswer, familyOf, taskVerbs, type Example } from './data/tasks';
import { loadWordNet } from './data/wordnet';

const ROOT = join(__dirname, '..');
const MODELS_DIR = process.argv.find((a) => a.startsWith('--models='))?.slice(9) ?? join(ROOT, 'models');
const MODELS = { base: join(MODELS_DIR, 'wordnet-base'), tuned: join(MODELS_DIR, 'wordnet-tuned') };
// the longest reference answers, with the restated request that opens them, are 82 tokens (generation stops at
// the context's 128 positions in any case)
const MAX_NEW_TOKENS = 96;

/** Explains `example` with `model`: its own greedy response, or the given one. */
async function score(model: LensModel, example: Example, response?: string): Promise<Scored> {
  const r = await explainWith(
    model,
    { modelDir: model.checkpoint.dir, prompt: example.prompt, maxNewTokens: MAX_NEW_TOKENS, chat: true, response },
    0,
  );
  if (!r.ok) throw new Error(`${example.id}: ${r.error.message}`);
  const responseIds = r.value.responseTokens.filter((t) => !t.special).map((t) => t.id);
  const text = await model.checkpoint.tokenizer.decode(responseIds, true);
  const mask = instructionMask(example.prompt, r.value.promptTokens, example.instruction_offsets);
  return {
    correct: checkAnswer(example, text),
    importance: instructionImportance(r.value.density, mask),
    response: text,
  };
}

/** Finding 2 for one verb list: both models' per-layer shares of head word pairs with one of the verbs. */
async function verbShares(verbs: readonly string[]): Promise<VerbShares> {
  const dir = mkdtempSync(join(tmpdir(), 'lens-eval-'));
  try {
    const file = join(dir, 'verbs.txt');
    writeFileSync(file, verbs.join('\n') + '\n');
    const of = async (modelDir: string) => {
      const r = await headPatternsFor({
        model: checkpointHandle(modelDir),
        instructionVerbsFile: file,
        settings: DEFAULT_HEADS_SETTINGS,
      });
      if (!r.ok) throw new Error(`heads of ${modelDir}: ${r.error.message}`);
      // no pairs: 0 (the pair count says why)
      const verbShare = (c: PairCounts) => share(c.instructionVerbPairs, c.pairs) ?? 0;
      const all = r.value.layers.reduce((sum, l) => addCounts(sum, l.counts), NO_PAIRS);
      return {
        pairs: r.value.layers.map((l) => l.counts.pairs),
        perLayer: r.value.layers.map((l) => verbShare(l.counts)),
        all: verbShare(all),
      };
    };
    return { verbs, base: await of(MODELS.base), tuned: await of(MODELS.tuned) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  for (const dir of Object.values(MODELS)) {
    if (!existsSync(join(dir, 'config.json'))) throw new Error(`${dir} is missing: run \`npm run train:models\` first`);
  }
  const limit = Number(process.argv.find((a) => a.startsWith('--limit='))?.slice(8) ?? Infinity);
  const all: Example[] = readFileSync(join(ROOT, 'train', 'data', 'heldout.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const byFamily = new Map<string, Example[]>();
  for (const e of all) byFamily.set(e.family, [...(byFamily.get(e.family) ?? []), e]);
  const examples = [...byFamily.values()].flatMap((list) => list.slice(0, limit));
  loadWordNet();

  const base = await loadModel(MODELS.base);
  const tuned = await loadModel(MODELS.tuned);
  if (!base.ok || !tuned.ok)
    throw new Error(
      `could not load the models: ${!base.ok ? base.error.message : ''} ${!tuned.ok ? tuned.error.message : ''}`,
    );
  const bar = new SingleBar({ format: 'eval [{bar}] {value}/{total} {eta_formatted}', stream: process.stderr });
  bar.start(examples.length, 0);
  const rows: EvalRow[] = [];
  for (const example of examples) {
    const own = { base: await score(base.value.model, example), tuned: await score(tuned.value.model, example) };
    // the control: both models on the same text; an empty response (EOS at once) has nothing to explain
    const text = own.tuned.response.trim().length > 0 ? own.tuned.response : undefined;
    const control =
      text === undefined
        ? { base: 0, tuned: 0 }
        : {
            base: (await score(base.value.model, example, text)).importance,
            tuned: (await score(tuned.value.model, example, text)).importance,
          };
    rows.push({ id: example.id, family: example.family, kind: familyOf(example.family).kind, ...own, control });
    bar.increment();
  }
  bar.stop();
  base.value.model.dispose();
  tuned.value.model.dispose();

  const shares = [await verbShares(INSTRUCTION_VERBS), await verbShares(taskVerbs())];
  const text = evaluationText(rows, shares, MAX_NEW_TOKENS);
  process.stdout.write(text + '\n');
  const summary = summarize(rows);
  if (Number.isFinite(limit)) return; // a partial run (--limit=N per family) records nothing
  writeFileSync(join(MODELS_DIR, 'eval-results.json'), JSON.stringify({ summary, verbShares: shares, rows }, null, 1));
  for (const dir of Object.values(MODELS)) {
    const card = join(dir, 'README.md');
    const current = existsSync(card) ? readFileSync(card, 'utf8') : '';
    const head = current.split('\n## Evaluation')[0].trimEnd();
    writeFileSync(card, `${head}\n\n## Evaluation\n\n${text}\n`);
  }
  if (summary.targets.some((t) => !t.met)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(1);
});
