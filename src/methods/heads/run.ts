// Self-attention head patterns of one checkpoint, end to end (docs/ARCHITECTURE.md, method 2): the word list (the
// tokenizer's whole words, or the user's), word vectors (mean token embedding), the relatedness source (the
// model's input embeddings, or a GloVe file) with its random-pair baseline, then per layer the projection of
// every word through every head's norm-scaled W_q and W_k, one Gemm through onnxruntime, and the pure
// ranking, pairing and counting of src/methods/heads/headPatterns.ts. No forward pass: weights and words only.
// What is left out of the projection, as in the paper: RoPE (position-dependent), the norm's division by
// the word's RMS (LayerNorm's centring for gpt2), and q/k biases.
//
// W words, D width, V vocab, H query heads, Hkv key/value heads, Dh head dim, C = (H + Hkv) * Dh.
import { readFileSync, statSync } from 'node:fs';
import { globalWeights } from '../../arch';
import type { GlobalWeights } from '../../arch/globalWeights';
import { layerPatternsOf, type ColumnStats, type LayerPattern, type WordFacts } from './headPatterns';
import { relatednessBaseline, unitRows, type RelatednessBaseline } from './relatedness';
import { GENERAL_VERBS, INSTRUCTION_VERBS, parseWordList, verbForms } from './wordLists';
import { meanTokenRows } from './wordVectors';
import { fail, LensFailure, ok, type Result } from '../../lensError';
import type { CheckpointHandle } from '../../runtime/openCheckpoint';
import { readGloveFor, type GloveVectors } from './glove';
import { commonEnglishWords } from './commonWords';
import { encodeWordList, encodeWords, vocabularyWords, type WordTokens } from '../../model/wordTokens';
import { headColumns, type HeadColumns } from './kernel';
import { matmulFlops } from '../../runtime/matmulSession';

export interface HeadsSettings {
  readonly top: number; // K words per side and dimension
  readonly dims: number; // leading dimensions per head
  readonly baselinePairs: number; // random word pairs of the relatedness baseline
  readonly seed: number; // of the baseline's pairs
  readonly threads?: number; // onnxruntime threads (default: all cores)
}

export const DEFAULT_HEADS_SETTINGS: HeadsSettings = { top: 10, dims: 8, baselinePairs: 10_000, seed: 0 };

export interface HeadsRequest {
  /** The model, opened when the word lists have been read (a bad file should not wait for a model to load). */
  readonly model: CheckpointHandle;
  readonly wordsFile?: string; // default: the tokenizer's whole words
  readonly gloveFile?: string; // default: the model's input embeddings
  readonly instructionVerbsFile?: string; // default: INSTRUCTION_VERBS
  readonly generalVerbsFile?: string; // default: GENERAL_VERBS
  readonly settings: HeadsSettings;
}

export type HeadsProgress =
  | { readonly stage: 'words'; readonly done: number; readonly total: number }
  | { readonly stage: 'glove'; readonly done: number; readonly total: number } // bytes
  | { readonly stage: 'layers'; readonly done: number; readonly total: number };

export interface HeadsHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: HeadsProgress) => void;
}

/** What the pure method needs, gathered: the engine's core, also run by the bench on its own word ids. */
export interface HeadsInput {
  readonly weights: GlobalWeights;
  readonly words: readonly WordTokens[];
  readonly glove?: GloveVectors; // relatedness source; the input embeddings when absent
  readonly instructionVerbs: readonly string[];
  readonly generalVerbs: readonly string[];
  readonly settings: HeadsSettings;
}

export interface HeadsComputation {
  readonly layers: LayerPattern[];
  readonly baseline: RelatednessBaseline;
  readonly wordsWithVector: number; // in the relatedness source
  readonly flops: number; // of the projection products
  /** Seconds: word vectors, relatedness baseline and verb flags; the layer loop (products and pairing);
   *  the pairing alone, summed over layers. */
  readonly timing: { readonly prepare: number; readonly layers: number; readonly patterns: number };
}

export interface HeadsResult extends HeadsComputation {
  readonly model: {
    readonly path: string;
    readonly architecture: string;
    readonly parameters: number;
    readonly layers: number;
    readonly heads: number;
    readonly kvHeads: number;
    readonly headDim: number;
  };
  readonly words: readonly WordTokens[];
  /** vocabulary: its word tokens that are common English words; vocabulary-all: every word token (a vocabulary
   *  with fewer than MIN_ENGLISH_WORDS English ones); file: the user's list. */
  readonly wordSource: 'vocabulary' | 'vocabulary-all' | 'file';
  readonly relatednessSource: 'input_embeddings' | 'glove';
  readonly instructionVerbs: readonly string[];
  readonly generalVerbs: readonly string[];
  readonly settings: HeadsSettings;
  readonly request: HeadsRequest;
  readonly timing: HeadsComputation['timing'] & {
    readonly load: number;
    readonly words: number;
    readonly glove: number;
    readonly total: number;
  };
}

/** The fewest common English words a vocabulary must have for the default list to be those alone. */
export const MIN_ENGLISH_WORDS = 200;

const seconds = (since: number) => (performance.now() - since) / 1000;
const cancelled = () => fail('cancelled', 'the head patterns were cancelled', 'Run it again when you are ready.');

/** FLOPs of the projection products: per layer [W, D] x [D, C]. */
export function headsFlops(
  words: number,
  config: { hiddenSize: number; numLayers: number; numHeads: number; numKvHeads: number; headDim: number },
): number {
  return (
    config.numLayers * matmulFlops(words, (config.numHeads + config.numKvHeads) * config.headDim, config.hiddenSize)
  );
}

/** [C, D]: the rows of W_q then W_k, each column d scaled by the norm's weight: the products give X diag(n) W^T. */
function scaledQueryKeyRows(weights: GlobalWeights, layer: number): Float32Array {
  const { wq, wk, normScale } = weights.queryKey(layer);
  const D = wq.cols;
  const out = new Float32Array((wq.rows + wk.rows) * D);
  out.set(wq.data, 0);
  out.set(wk.data, wq.rows * D);
  for (let r = 0; r < wq.rows + wk.rows; r++) for (let d = 0; d < D; d++) out[r * D + d] *= normScale[d];
  return out;
}

/** Checks that need the word count and the head size; the CLI refuses bad values before loading anything. */
function checkSettings(s: HeadsSettings, words: number, headDim: number): Result<true> {
  const positive = (v: number) => Number.isInteger(v) && v >= 1;
  if (!positive(s.top))
    return fail(
      'bad-argument',
      `--top must be a positive integer, got ${s.top}`,
      'Pass --top 10, say: the words per side of each dimension.',
    );
  if (s.top > words)
    return fail(
      'bad-argument',
      `--top ${s.top} is more than the ${words} words of the list`,
      `Pass --top ${Math.min(10, words)}, or a longer word list.`,
    );
  if (!positive(s.dims) || s.dims > headDim)
    return fail(
      'bad-argument',
      `--dims must be an integer from 1 to the head size ${headDim}, got ${s.dims}`,
      'Pass --dims 8, say: the leading dimensions per head that get word pairs.',
    );
  if (!positive(s.baselinePairs))
    return fail(
      'bad-argument',
      `the baseline needs a positive number of pairs, got ${s.baselinePairs}`,
      'Pass --baseline-pairs 10000, say.',
    );
  return ok(true);
}

/** The pure method over prepared words and weights: projection products in onnxruntime, the rest in JS. */
export async function computeHeadPatterns(
  input: HeadsInput,
  hooks: HeadsHooks = {},
): Promise<Result<HeadsComputation>> {
  const { weights, words, settings } = input;
  const { config } = weights;
  const { hiddenSize: D, numLayers: L, numHeads: H, numKvHeads: Hkv, headDim: Dh } = config;
  const W = words.length;
  const C = (H + Hkv) * Dh;
  const checked = checkSettings(settings, W, Dh);
  if (!checked.ok) return checked;
  const prepareStart = performance.now();

  const X = meanTokenRows(
    weights.inputEmbeddings().data,
    D,
    words.map((w) => w.ids),
  ); // (W, D)
  const related = input.glove
    ? unitRows(input.glove.vectors, W, input.glove.width, input.glove.present)
    : unitRows(X, W, D);
  let wordsWithVector = 0;
  for (const p of related.present) wordsWithVector += p;
  if (wordsWithVector < 2) {
    return fail(
      'bad-argument',
      `only ${wordsWithVector} of the ${W} words ` +
        `${input.glove ? 'have a vector in the GloVe file' : 'have a non-zero embedding'}`,
      'Relatedness needs vectors for two words at least: use a word list that the GloVe file covers.',
    );
  }
  const baseline = relatednessBaseline(related, settings.baselinePairs, settings.seed);

  // words equal but for case are one word: never paired with each other
  const identities = new Map<string, number>();
  const identity = Int32Array.from(words, (w) => {
    const key = w.word.toLowerCase();
    if (!identities.has(key)) identities.set(key, identities.size);
    return identities.get(key)!;
  });
  const instructionForms = verbForms(input.instructionVerbs);
  const generalForms = verbForms(input.generalVerbs);
  const facts: WordFacts = {
    related,
    threshold: baseline.threshold,
    identity,
    instructionVerb: Uint8Array.from(words, (w) => (instructionForms.has(w.word.toLowerCase()) ? 1 : 0)),
    generalVerb: Uint8Array.from(words, (w) => (generalForms.has(w.word.toLowerCase()) ? 1 : 0)),
  };

  const prepare = seconds(prepareStart);

  // one layer at a time: the product's (W, C) output is the largest array alive, and a product started before
  // the (synchronous) pairing of the previous layer would not begin until that pairing returned anyway
  const layersStart = performance.now();
  const layers: LayerPattern[] = [];
  let patterns = 0;
  hooks.onProgress?.({ stage: 'layers', done: 0, total: L });
  for (let l = 0; l < L; l++) {
    if (hooks.signal?.aborted) return cancelled();
    const columns = await headColumns(X, W, scaledQueryKeyRows(weights, l), C, D, settings.top, settings.threads);
    const t0 = performance.now();
    layers.push(
      layerPatternsOf(columnStatsFrom(columns), { numHeads: H, numKvHeads: Hkv, headDim: Dh }, facts, settings),
    );
    patterns += seconds(t0);
    hooks.onProgress?.({ stage: 'layers', done: l + 1, total: L });
  }
  return ok({
    layers,
    baseline,
    wordsWithVector,
    flops: headsFlops(W, config),
    timing: { prepare, layers: seconds(layersStart), patterns },
  });
}

/** A word list file (one word a line), or the error to show. */
function readListFile(path: string, what: string, option: string): Result<string[]> {
  let text: string;
  try {
    if (statSync(path).isDirectory())
      return fail(
        'missing-file',
        `${path}: is a directory, not a ${what} file`,
        `Pass a text file with one word a line to ${option}.`,
      );
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail(
      'missing-file',
      `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      `Check the path given to ${option}.`,
    );
  }
  const words = parseWordList(text);
  if (words.length === 0)
    return fail(
      'bad-argument',
      `${path}: the ${what} is empty`,
      `Put one word a line in the file given to ${option} (lines starting with # are comments).`,
    );
  return ok(words);
}

/** Everything from a request: load, words, relatedness source, patterns. */
export async function headPatternsFor(request: HeadsRequest, hooks: HeadsHooks = {}): Promise<Result<HeadsResult>> {
  const started = performance.now();
  const s = request.settings;
  // cheap checks first: a bad file should not wait for a model to load
  const userWords =
    request.wordsFile !== undefined ? readListFile(request.wordsFile, 'word list', '--words') : ok(undefined);
  if (!userWords.ok) return userWords;
  const instructionVerbs =
    request.instructionVerbsFile !== undefined
      ? readListFile(request.instructionVerbsFile, 'instruction verb list', '--instruction-verbs')
      : ok([...INSTRUCTION_VERBS]);
  if (!instructionVerbs.ok) return instructionVerbs;
  const generalVerbs =
    request.generalVerbsFile !== undefined
      ? readListFile(request.generalVerbsFile, 'general verb list', '--general-verbs')
      : ok([...GENERAL_VERBS]);
  if (!generalVerbs.ok) return generalVerbs;

  const opened = await request.model.open();
  if (!opened.ok) return opened;
  const { checkpoint } = opened.value;
  const { config, tokenizer } = checkpoint;
  const load = opened.value.seconds;

  const wordsStart = performance.now();
  let words: WordTokens[];
  let wordSource: HeadsResult['wordSource'] = userWords.value ? 'file' : 'vocabulary';
  if (userWords.value) {
    hooks.onProgress?.({ stage: 'words', done: 0, total: userWords.value.length });
    const encoded = await encodeWordList(tokenizer, userWords.value, request.wordsFile!);
    if (!encoded.ok) return encoded;
    words = encoded.value;
  } else {
    const common = commonEnglishWords();
    // lower-case tokens only: " Will", " Pres", " Cath" are names or the starts of names
    words = vocabularyWords(tokenizer, (w) => w === w.toLowerCase() && common.has(w));
    // a vocabulary made for another language (or for code) has few English words: then every word token
    if (words.length < MIN_ENGLISH_WORDS) {
      words = vocabularyWords(tokenizer);
      wordSource = 'vocabulary-all';
    }
    if (words.length === 0)
      return fail(
        'bad-argument',
        `the vocabulary of ${checkpoint.dir} has no whole alphabetic words`,
        'Pass --words FILE with one word a line.',
      );
    // plus the verbs of both lists that the vocabulary lacks as one token ("explain" may be " explain"):
    // without them a share could be zero only because its verbs were never projected
    const have = new Set(words.map((w) => w.word));
    const missing = [...new Set([...instructionVerbs.value, ...generalVerbs.value])].filter((v) => !have.has(v));
    words.push(...(await encodeWords(tokenizer, missing)).encoded);
  }
  // ids past the embedding table (a tokenizer larger than the model) cannot be projected
  const outside = words.find((w) => w.ids.some((id) => id >= config.vocabSize));
  if (outside)
    return fail(
      'bad-config',
      `the word ${JSON.stringify(outside.word)} has a token id outside the model's ${config.vocabSize} embeddings`,
      'The tokenizer does not belong to this checkpoint.',
    );
  const wordsSeconds = seconds(wordsStart);
  const checked = checkSettings(s, words.length, config.headDim);
  if (!checked.ok) return checked;

  const gloveStart = performance.now();
  let glove: GloveVectors | undefined;
  if (request.gloveFile !== undefined) {
    const read = await readGloveFor(
      request.gloveFile,
      words.map((w) => w.word),
      (done, total) => hooks.onProgress?.({ stage: 'glove', done, total }),
    );
    if (!read.ok) return read;
    glove = read.value;
  }
  const gloveSeconds = seconds(gloveStart);
  if (hooks.signal?.aborted) return cancelled();

  let computed: Result<HeadsComputation>;
  try {
    const weights = globalWeights(config, checkpoint.weights);
    computed = await computeHeadPatterns(
      {
        weights,
        words,
        glove,
        instructionVerbs: instructionVerbs.value,
        generalVerbs: generalVerbs.value,
        settings: s,
      },
      hooks,
    );
  } catch (e) {
    if (e instanceof LensFailure) return { ok: false, error: e.error };
    throw e;
  }
  if (!computed.ok) return computed;
  return ok({
    ...computed.value,
    model: {
      path: checkpoint.dir,
      architecture: config.architecture,
      parameters: checkpoint.parameterCount,
      layers: config.numLayers,
      heads: config.numHeads,
      kvHeads: config.numKvHeads,
      headDim: config.headDim,
    },
    words,
    wordSource,
    relatednessSource: glove ? 'glove' : 'input_embeddings',
    instructionVerbs: instructionVerbs.value,
    generalVerbs: generalVerbs.value,
    settings: s,
    request,
    timing: { ...computed.value.timing, load, words: wordsSeconds, glove: gloveSeconds, total: seconds(started) },
  });
}

/** The kernel's columns as the method reads them. */
function columnStatsFrom(c: HeadColumns): ColumnStats {
  return {
    squares: Float64Array.from(c.squares),
    tops: (wanted, k) =>
      wanted.map((column) => {
        const n = Math.min(k, c.top);
        return Array.from({ length: n }, (_, i) => ({
          word: Number(c.ids[column * c.top + i]),
          activation: c.activations[column * c.top + i],
        }));
      }),
  };
}
