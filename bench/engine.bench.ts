// The engine's benchmark: every figure is a ratio of two things measured in this run on this machine
// (docs/benchmarks.md), written with the machine, the model and the commit to bench/results/<time>.json
// and bench/results/latest.json. `npm run bench` runs it through bench/run.sh, which prints the summary.
//
//   (a) fp32 MatMul throughput through onnxruntime (the unit of (b)), and one-row Gemm bandwidth
//   (b) the attribution's FLOPs (counted from the graph) per second, as a fraction of (a)
//   (c) the attribution against the naive method: one forward+backward per response token, weight gradients on
//   (d) a generated token with the KV cache against recomputing the whole prefix
//   (e) the PyTorch peer (bench/torch) on the same checkpoint and ids: time, and agreement of the attributions
//   (f) peak RSS of one explanation in a fresh process, less a fixed runtime overhead, against checkpoint size
//   (g) the head patterns (`heads`) of the same checkpoint over a word list: the projection products' FLOPs
//       per second of the whole computation, as a fraction of (a)
//   (h) the feed-forward concepts (`concepts`) of the same checkpoint, all layers: per layer the FLOPs of its
//       products (covariance, eigensolver) and their rate as a fraction of (a); the words product; in total
//       the FLOPs any method needs (covariances and words, L (2 D² F + 2 k V D)) per second of the whole
//       computation but its text labels, as a fraction of (a)
//   (i) the cost estimate `explain --estimate` prints (src/runtime/explainCost.ts, with a calibration measured
//       in this run) against the attribution time of (b), the decode step of (d) and the peak memory of (f)
//   (j) the attribution of (b) on a gemma2-shaped and a mixture-of-experts (mixtral) model of the same width,
//       as a fraction of (a); a mixture's FLOPs count only the experts its tokens are routed to
//   (k) a Q4_K_M-style GGUF file of 1.04 GB (bench/randomGguf.ts) against the same weights in bf16 safetensors:
//       one explanation each in a fresh process, peak RSS less (f)'s overhead against the file's size, and the
//       attribution's time against bf16's
//
//   npx tsx bench/engine.bench.ts [--quick] [--only-concepts] [--only-gguf] [--out-dir DIR] [--cache DIR] [--no-torch]
// [--wait-quiet SECONDS]
// --quick: a tiny model and fewer repeats, so a test can run every code path in seconds (figures meaningless).
// --only-concepts: (a) and (h) only, in interleaved rounds (bench/conceptsSection.ts), written to
// <time>-concepts.json and latest-concepts.json (latest.json keeps the last whole run).
// --only-gguf: (f)'s overhead and (k) only, written to <time>-gguf.json and latest-gguf.json.
// --wait-quiet: how long to wait at the start for other processes to leave the CPU (default 120 s).
// Other work on the machine (a test suite next door) slows everything down unevenly: each figure keeps
// its best of several tries, and the share of CPU others used while it was measured is recorded beside it.
//
// N prompt tokens, M response tokens, T = N + M - 1 positions fed to the attribution.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { loadCheckpoint, type Checkpoint } from '../src/runtime/checkpoint';
import { LensModel, type Attribution } from '../src/runtime/lensModel';
import type { ExplainPeak } from './explainPeak';
import { attributionFlopsFormula, countFlops } from './flops';
import {
  bestPeak,
  gemvBandwidth,
  matmulPeak,
  type GemvBandwidth,
  type MatMulPeak,
  type MatMulShape,
} from './matmulPeak';
import { startInterval, waitForQuiet } from './contention';
import { loadNaiveAttributor } from './naiveAttribution';
import { attributionDims, lensGraphOutputs, profileLensModel, type ProfileSummary } from './profile';
import { randomIds, writeBenchCheckpoint, type LlamaShape } from './randomLlama';
import { runTorchPeer } from './torchPeer';
import { globalWeights } from '../src/arch';
import { computeHeadPatterns, DEFAULT_HEADS_SETTINGS, type HeadsComputation } from '../src/methods/heads/run';
import { CONCEPTS_REPEATS, conceptsFigures, runConcepts } from './conceptsSection';
import { median } from './stats';
import { writeBenchGgufPair } from './randomGguf';
import { GENERAL_VERBS, INSTRUCTION_VERBS } from '../src/methods/heads/wordLists';
import { mulberry32 } from '../test/helpers/prng';
import { measureCalibration } from '../src/runtime/calibration';
import { CostModel } from '../src/runtime/explainCost';

// ---------------------------------------------------------------------------------------------------
// settings

interface Settings {
  readonly shape: LlamaShape;
  readonly promptTokens: number; // N
  readonly responseTokens: number; // M
  readonly matmulShapes: readonly MatMulShape[];
  readonly matmulRepeats: number;
  readonly gemv: { readonly n: number; readonly k: number };
  readonly rounds: number; // (a)+(b) rounds
  readonly naiveRepeats: number;
  readonly decodeSteps: number;
  readonly decodeRounds: number;
  readonly torchRepeats: number;
  readonly settleSeconds: number; // longest wait for a quiet moment before each timed try
  readonly headsWords: number; // (g): words projected, one token each
  readonly headsRounds: number;
  readonly conceptsRounds: number; // (h)
  readonly conceptsRepeats: number; // (h): timed runs back to back in a round, the best kept
  /** (j): attribution on other families' shapes, each written in f32. */
  readonly families: readonly { readonly name: string; readonly shape: LlamaShape }[];
  readonly familyRounds: number;
  /** (k): a Q4_K_M-style GGUF file (at least 1 GB in the full run) and the same weights in bf16 safetensors. */
  readonly gguf: { readonly shape: LlamaShape; readonly promptTokens: number; readonly responseTokens: number };
}

const FULL: Settings = {
  // ~58M parameters, of which 25M outside the two 32000 x 512 tables
  shape: {
    hiddenSize: 512,
    numLayers: 8,
    numHeads: 8,
    numKvHeads: 4,
    intermediateSize: 1536,
    vocabSize: 32000,
    maxPositions: 512,
  },
  promptTokens: 128,
  responseTokens: 32,
  // the model's own projection shape over N + M rows, a big square one, and the backward's widest product
  matmulShapes: [
    { m: 160, k: 512, n: 1536 },
    { m: 1024, k: 1024, n: 1024 },
    { m: 2048, k: 2048, n: 2048 },
    { m: 5088, k: 1536, n: 512 },
  ],
  matmulRepeats: 2,
  gemv: { n: 32000, k: 512 }, // the LM head
  rounds: 5,
  naiveRepeats: 2,
  decodeSteps: 16,
  decodeRounds: 3,
  torchRepeats: 3,
  settleSeconds: 20,
  headsWords: 20_000,
  headsRounds: 3,
  conceptsRounds: 3,
  conceptsRepeats: CONCEPTS_REPEATS,
  families: [
    // the llama model's sizes with Gemma 2's layer: four (1 + w) norms, soft caps, GeGLU, a window of 64 on every other
    // layer
    {
      name: 'gemma2-58m',
      shape: {
        layout: 'gemma2',
        hiddenSize: 512,
        numLayers: 8,
        numHeads: 8,
        numKvHeads: 4,
        intermediateSize: 1536,
        vocabSize: 32000,
        maxPositions: 512,
        slidingWindow: 64,
      },
    },
    // 8 experts of width 768, 2 a token: the llama model's active feed-forward width, 4x its expert weights
    {
      name: 'mixtral-8x2',
      shape: {
        layout: 'mixtral',
        hiddenSize: 512,
        numLayers: 8,
        numHeads: 8,
        numKvHeads: 4,
        intermediateSize: 768,
        experts: 8,
        expertsPerToken: 2,
        vocabSize: 32000,
        maxPositions: 512,
      },
    },
  ],
  familyRounds: 3,
  // 1.7B parameters as TinyLlama is built (2048 wide, GQA 32/4, 5632 wide MLP) but 36 layers: 1.04 GB in Q4_K_M
  gguf: {
    shape: {
      hiddenSize: 2048,
      numLayers: 36,
      numHeads: 32,
      numKvHeads: 4,
      intermediateSize: 5632,
      vocabSize: 32000,
      maxPositions: 512,
    },
    promptTokens: 64,
    responseTokens: 8,
  },
};

const QUICK: Settings = {
  shape: {
    hiddenSize: 64,
    numLayers: 2,
    numHeads: 4,
    numKvHeads: 2,
    intermediateSize: 128,
    vocabSize: 512,
    maxPositions: 64,
  },
  promptTokens: 12,
  responseTokens: 4,
  matmulShapes: [{ m: 64, k: 64, n: 64 }],
  matmulRepeats: 1,
  gemv: { n: 512, k: 64 },
  rounds: 1,
  naiveRepeats: 1,
  decodeSteps: 2,
  decodeRounds: 1,
  torchRepeats: 1,
  settleSeconds: 0,
  headsWords: 200,
  headsRounds: 1,
  conceptsRounds: 1,
  conceptsRepeats: 1,
  families: [
    {
      name: 'gemma2-quick',
      shape: {
        layout: 'gemma2',
        hiddenSize: 64,
        numLayers: 2,
        numHeads: 4,
        numKvHeads: 2,
        intermediateSize: 128,
        vocabSize: 512,
        maxPositions: 64,
        slidingWindow: 8,
      },
    },
    {
      name: 'mixtral-quick',
      shape: {
        layout: 'mixtral',
        hiddenSize: 64,
        numLayers: 2,
        numHeads: 4,
        numKvHeads: 2,
        intermediateSize: 64,
        experts: 4,
        expertsPerToken: 2,
        vocabSize: 512,
        maxPositions: 64,
      },
    },
  ],
  familyRounds: 1,
  gguf: {
    shape: {
      hiddenSize: 256,
      numLayers: 2,
      numHeads: 4,
      numKvHeads: 2,
      intermediateSize: 512,
      vocabSize: 512,
      maxPositions: 64,
    },
    promptTokens: 12,
    responseTokens: 4,
  },
};

/** The fixed-overhead model of (f): onnxruntime loaded and a model run, with next to no weights. */
const TINY: LlamaShape = {
  hiddenSize: 16,
  numLayers: 1,
  numHeads: 2,
  numKvHeads: 1,
  intermediateSize: 32,
  vocabSize: 512,
  maxPositions: 64,
};

const WEIGHT_SEED = 1;
const IDS_SEED = 7;
const HEADS_WORDS_SEED = 13;
const TARGETS = {
  headsFractionOfPeak: 0.25,
  attributionFractionOfPeak: 0.35,
  naiveOverOurs: 3,
  recomputeOverCached: 10,
  torchOverOurs: 1,
  memoryOverSize: 1.5,
  ggufMemoryOverSize: 1.3,
  ggufOverBf16Attribution: 1.5,
};

// ---------------------------------------------------------------------------------------------------
// small measuring helpers

const seconds = (t0: number) => (performance.now() - t0) / 1000;

function relativeError(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { maxAbsError: number; maxAbsValue: number; ratio: number } {
  let maxAbsError = 0;
  let maxAbsValue = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbsError = Math.max(maxAbsError, Math.abs(a[i] - b[i]));
    maxAbsValue = Math.max(maxAbsValue, Math.abs(b[i]));
  }
  return { maxAbsError, maxAbsValue, ratio: maxAbsError / (maxAbsValue || 1e-30) };
}

/** `count` distinct ids below `vocabSize`, drawn with a seed (a partial Fisher-Yates shuffle). */
function distinctIds(count: number, vocabSize: number, seed: number): number[] {
  if (count > vocabSize) throw new Error(`distinctIds: ${count} ids from a vocabulary of ${vocabSize}`);
  const uniform = mulberry32(seed);
  const ids = Array.from({ length: vocabSize }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(uniform() * (vocabSize - i));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids.slice(0, count);
}

function machine() {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    cpuFlags: (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '')
      .split(' ')
      .filter((f) => /^(avx\w*|fma|f16c|amx\w*)$/.test(f)),
    node: process.version,
    onnxruntime: (
      JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }
    ).version,
    commit: git('rev-parse', 'HEAD'),
    dirty: git('status', '--porcelain', '--', 'src').length > 0, // src/ differs from the commit
  };
}

async function open(dir: string): Promise<Checkpoint> {
  const c = await loadCheckpoint(dir);
  if (!c.ok) throw new Error(`${c.error.message} (${c.error.hint})`);
  return c.value;
}

async function lensModel(checkpoint: Checkpoint, threads: number): Promise<LensModel> {
  const m = await LensModel.load(checkpoint, { threads });
  if (!m.ok) throw new Error(`${m.error.message} (${m.error.hint})`);
  return m.value;
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** The bundled child of (f) and (k) (bench/explainPeak.ts), as dist/ runs the product: plain node, no loader. */
async function buildExplainPeak(cache: string): Promise<string> {
  const child = join(cache, 'explainPeak.cjs');
  await build({
    entryPoints: [join(__dirname, 'explainPeak.ts')],
    outfile: child,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['onnxruntime-node', 'tokenizers'],
    nodePaths: [resolve('node_modules')],
    logLevel: 'warning',
  });
  return child;
}

/** One explanation of `model` in a fresh process of the bundled child: its peak memory and times. */
function explainPeak(
  child: string,
  model: string,
  promptTokens: number,
  responseTokens: number,
  threads: number,
  batch?: number,
  warmRepeats = 0,
): ExplainPeak {
  const r = spawnSync(
    process.execPath,
    [
      child,
      model,
      String(promptTokens),
      String(responseTokens),
      String(IDS_SEED),
      String(threads),
      String(batch ?? 0),
      String(warmRepeats),
    ],
    { encoding: 'utf8', env: { ...process.env, NODE_PATH: resolve('node_modules') } },
  );
  if (r.status !== 0) throw new Error(`explainPeak ${model}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ExplainPeak;
}

/** Warm attributions (k) times after each explanation's first: (b)'s convention, the best of them. */
const GGUF_WARM_REPEATS = 2;

/**
 * (k) a Q4_K_M-style GGUF file against the same weights in bf16 safetensors: each explanation in a fresh
 * process, its peak over the overhead of (f) against the file's size, its attribution time against bf16's:
 * the best warm attribution of each, as (b) times it, and the first (cold) one beside it.
 */
function ggufSection(
  settings: Settings,
  quick: boolean,
  cache: string,
  child: string,
  overhead: ExplainPeak,
  threads: number,
) {
  log('(k) GGUF Q4_K_M against bf16');
  const pair = writeBenchGgufPair(join(cache, `gguf-${quick ? 'quick' : 'q4km'}`), settings.gguf.shape, WEIGHT_SEED);
  const repeats = quick ? 1 : GGUF_WARM_REPEATS;
  const ggufRun = (path: string) =>
    explainPeak(child, path, settings.gguf.promptTokens, settings.gguf.responseTokens, threads, undefined, repeats);
  const ggufPeak = ggufRun(pair.gguf);
  const bf16Peak = ggufRun(pair.bf16Dir);
  const ggufMemoryRatio = (ggufPeak.vmHwmBytes - overhead.vmHwmBytes) / pair.ggufBytes;
  const warm = (run: ExplainPeak) => Math.min(...run.warmAttributionSeconds);
  const attributionRatio = warm(ggufPeak) / warm(bf16Peak);
  return {
    parameters: pair.parameters,
    shape: settings.gguf.shape,
    promptTokens: settings.gguf.promptTokens,
    responseTokens: settings.gguf.responseTokens,
    fileBytes: pair.ggufBytes,
    bf16Bytes: pair.bf16Bytes,
    gguf: ggufPeak,
    bf16: bf16Peak,
    overheadPeakBytes: overhead.vmHwmBytes,
    memoryRatio: ggufMemoryRatio,
    memoryTarget: TARGETS.ggufMemoryOverSize,
    memoryMet: ggufMemoryRatio <= TARGETS.ggufMemoryOverSize,
    warmAttributionSeconds: { gguf: warm(ggufPeak), bf16: warm(bf16Peak) },
    attributionRatio,
    coldAttributionRatio: ggufPeak.attributionSeconds / bf16Peak.attributionSeconds,
    attributionTarget: TARGETS.ggufOverBf16Attribution,
    attributionMet: attributionRatio <= TARGETS.ggufOverBf16Attribution,
  };
}

/** --only-gguf: the overhead of (f) and section (k), on their own. */
async function onlyGguf(
  settings: Settings,
  quick: boolean,
  cache: string,
  tinyDir: string,
  threads: number,
  outDir: string,
  started: number,
  host: ReturnType<typeof machine>,
): Promise<void> {
  const child = await buildExplainPeak(cache);
  const overhead = explainPeak(child, tinyDir, 8, 2, threads);
  const k_gguf = ggufSection(settings, quick, cache, child, overhead, threads);
  const result = {
    schema: 1,
    timestamp: new Date().toISOString(),
    quick,
    durationSeconds: (performance.now() - started) / 1000,
    machine: host,
    k_gguf,
  };
  const json = JSON.stringify(result, null, 2) + '\n';
  const stamp = result.timestamp.replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `${stamp}-gguf${quick ? '-quick' : ''}.json`), json);
  const latest = join(outDir, quick ? 'latest-gguf-quick.json' : 'latest-gguf.json');
  writeFileSync(latest, json);
  log(
    `(k) memory ${k_gguf.memoryRatio.toFixed(2)} of the file (target ${k_gguf.memoryTarget}), ` +
      `attribution ${k_gguf.attributionRatio.toFixed(2)}x bf16's warm, ${k_gguf.coldAttributionRatio.toFixed(2)}x ` +
      `cold (target ${k_gguf.attributionTarget})`,
  );
  process.stdout.write(latest + '\n');
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = (name: string) => argv.includes(name);
  const option = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
  };
  const quick = flag('--quick');
  const settings = quick ? QUICK : FULL;
  const outDir = resolve(option('--out-dir', 'bench/results'));
  const cache = resolve(option('--cache', 'bench/.cache'));
  mkdirSync(outDir, { recursive: true });
  mkdirSync(cache, { recursive: true });
  const threads = availableParallelism();
  const started = performance.now();
  const loadStart = loadavg();
  const host = machine(); // at the start: the commit whose code this run loaded
  const N = settings.promptTokens;
  const M = settings.responseTokens;
  const T = N + M - 1;

  // what the sections need, installed before anything is measured: a section that cannot run fails the bench
  if (!flag('--no-torch') && !flag('--only-concepts') && !flag('--only-gguf')) {
    log('(e) the PyTorch peer: bench/torch/setup.sh');
    const setup = spawnSync('bash', ['bench/torch/setup.sh'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (setup.status !== 0)
      throw new Error(
        `(e) the PyTorch peer cannot be installed (bench/torch/setup.sh exited with ${setup.status}); ` +
          `pass --no-torch to measure without it`,
      );
  }

  // checkpoints: the model in f32 and bf16 (same draws), and the tiny one for the fixed overhead
  log('writing checkpoints');
  const name = quick ? 'quick' : 'llama-58m';
  const f32 = writeBenchCheckpoint(join(cache, `${name}-f32`), settings.shape, 'F32', WEIGHT_SEED);
  if (flag('--only-concepts'))
    return onlyConcepts(
      settings,
      quick,
      f32.dir,
      threads,
      outDir,
      started,
      loadStart,
      host,
      Number(option('--wait-quiet', '120')),
    );
  const bf16 = writeBenchCheckpoint(join(cache, `${name}-bf16`), settings.shape, 'BF16', WEIGHT_SEED);
  const tiny = writeBenchCheckpoint(join(cache, 'tiny-f32'), TINY, 'F32', WEIGHT_SEED);
  if (flag('--only-gguf')) return onlyGguf(settings, quick, cache, tiny.dir, threads, outDir, started, host);
  const ids = randomIds(N + M, settings.shape.vocabSize, IDS_SEED);
  const promptIds = ids.slice(0, N);
  const responseIds = ids.slice(N);

  const quiet = quick
    ? { waitedSeconds: 0, othersCpuShare: 0 }
    : await waitForQuiet(Number(option('--wait-quiet', '120')));
  if (!quick)
    log(
      `others used ${(100 * quiet.othersCpuShare).toFixed(0)}% of the CPU after waiting ` +
        `${quiet.waitedSeconds.toFixed(0)} s for a quiet machine`,
    );
  // before each timed try, a shorter bounded wait for a quiet moment (the whole run stays within minutes)
  let settledSeconds = 0;
  const settle = async () => {
    if (quick) return;
    settledSeconds += (await waitForQuiet(settings.settleSeconds, 0.15, 2)).waitedSeconds;
  };

  const checkpoint = await open(f32.dir);
  const { config } = checkpoint;
  const model = await lensModel(checkpoint, threads);

  // (a) the unit and (b) the attribution as the product runs it, in interleaved rounds: other work on the
  // machine comes and goes, and each side keeps its best, so both are taken as near an idle machine as
  // this run got
  log('(a) MatMul throughput, (b) attribution');
  await model.attribute(promptIds, responseIds); // warm-up: arena, thread pool
  const peakRounds: MatMulPeak[] = [];
  const attributionTimes: number[] = [];
  const attributionContention: number[] = [];
  let ours: Attribution | undefined;
  const gemvRounds: GemvBandwidth[] = [];
  for (let r = 0; r < settings.rounds; r++) {
    await settle();
    peakRounds.push(await matmulPeak(settings.matmulShapes, settings.matmulRepeats, threads));
    gemvRounds.push(await gemvBandwidth(settings.gemv.n, settings.gemv.k, settings.matmulRepeats, threads));
    await settle();
    const interval = startInterval();
    const t0 = performance.now();
    ours = await model.attribute(promptIds, responseIds);
    attributionTimes.push(seconds(t0));
    attributionContention.push(interval.stop());
  }
  const peak = bestPeak(peakRounds);
  const gemv = gemvRounds.reduce((a, b) => (b.gbPerSecond > a.gbPerSecond ? b : a));
  const oursSeconds = Math.min(...attributionTimes);
  const counted = countFlops(lensGraphOutputs(checkpoint).attribution, attributionDims(T, M));
  const dims = {
    D: config.hiddenSize,
    I: config.intermediateSize,
    L: config.numLayers,
    H: config.numHeads,
    Hkv: config.numKvHeads,
    Dh: config.headDim,
    V: config.vocabSize,
  };
  const formula = attributionFlopsFormula(dims, N, M);
  const achievedGflops = counted.total / oursSeconds / 1e9;

  // (g) head patterns over a word list of distinct single-token words (ids drawn with a seed): the whole
  // computation from the mapped checkpoint (weights read, word vectors, baseline, products, pairing) is
  // timed, its FLOPs are the projection products'. Rounds keep their best, as (b) does.
  log('(g) heads');
  const headsWordIds = distinctIds(settings.headsWords, config.vocabSize, HEADS_WORDS_SEED);
  const headsInput = {
    weights: globalWeights(config, checkpoint.weights),
    words: headsWordIds.map((id) => ({ word: `w${id}`, ids: [id] })),
    instructionVerbs: INSTRUCTION_VERBS,
    generalVerbs: GENERAL_VERBS,
    settings: { ...DEFAULT_HEADS_SETTINGS, threads },
  };
  const runHeads = async (): Promise<HeadsComputation> => {
    const r = await computeHeadPatterns(headsInput);
    if (!r.ok) throw new Error(`${r.error.message} (${r.error.hint})`);
    return r.value;
  };
  await runHeads(); // warm-up: the Gemm session, compromise's verb conjugations
  const headsTimes: number[] = [];
  const headsContention: number[] = [];
  let heads: HeadsComputation | undefined;
  for (let r = 0; r < settings.headsRounds; r++) {
    await settle();
    const interval = startInterval();
    const t0 = performance.now();
    const run = await runHeads();
    const s = seconds(t0);
    headsContention.push(interval.stop());
    if (!heads || s < Math.min(...headsTimes)) heads = run;
    headsTimes.push(s);
  }
  const headsSeconds = Math.min(...headsTimes);
  const headsGflops = heads!.flops / headsSeconds / 1e9;

  // (h) feed-forward concepts of every layer (bench/conceptsSection.ts)
  log('(h) concepts');
  const concepts = await runConcepts(checkpoint, threads, settings.conceptsRounds, settle, settings.conceptsRepeats);

  // (d) generation: a decode step with the cache against nextLogits over the same sequence. Rounds of both,
  // interleaved, so a burst of load from elsewhere hits both sides; each side keeps its best round's median.
  log('(d) generation');
  let decodeMs: number[] = [];
  let recomputeMs: number[] = [];
  let sameTokens = true;
  const decodeInterval = startInterval();
  for (let round = 0; round < settings.decodeRounds; round++) {
    await settle();
    const stamps: number[] = [];
    const generated = await model.generate(
      promptIds,
      settings.decodeSteps + 1,
      () => void stamps.push(performance.now()),
    );
    const decode = stamps.slice(1).map((t, i) => t - stamps[i]); // each interval: one step of one token
    const recompute: number[] = [];
    for (let i = 1; i < generated.length; i++) {
      const t0 = performance.now();
      const logits = await model.nextLogits([...promptIds, ...generated.slice(0, i)]);
      recompute.push(performance.now() - t0);
      let best = 0;
      for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
      sameTokens &&= best === generated[i];
    }
    if (round === 0 || median(decode) < median(decodeMs)) decodeMs = decode;
    if (round === 0 || median(recompute) < median(recomputeMs)) recomputeMs = recompute;
  }
  const decodeContention = decodeInterval.stop();
  model.dispose();
  // the same at the roofline: recomputing at (a)'s peak, a step reading every weight matrix once (f32) at
  // the one-row Gemm's bandwidth (the input embedding table is only gathered from)
  const recomputeFlops = countFlops(lensGraphOutputs(checkpoint).step, { S: N + 1, P: 0, K: N + 1 }).total;
  const recomputeFloorMs = (recomputeFlops / (peak.peakGflops * 1e9)) * 1000;
  const decodeFloorMs =
    (((f32.parameters - config.vocabSize * config.hiddenSize) * 4) / (gemv.gbPerSecond * 1e9)) * 1000;

  // (c) the naive method, in its own session. Its M runs are timed one by one and each keeps its best over
  // the repeats, as (b) keeps its best attribution.
  log('(c) naive attribution');
  const naive = await loadNaiveAttributor(checkpoint, threads);
  await naive.attribute(promptIds, responseIds.slice(0, 1)); // warm-up: one run
  const naiveTotals: number[] = [];
  const naiveContention: number[] = [];
  let naiveBestRuns: number[] = [];
  let naiveResult = await naive.attribute(promptIds, responseIds.slice(0, 1));
  for (let r = 0; r < settings.naiveRepeats; r++) {
    await settle();
    const interval = startInterval();
    naiveResult = await naive.attribute(promptIds, responseIds);
    naiveContention.push(interval.stop());
    naiveTotals.push(naiveResult.runSeconds.reduce((a, b) => a + b, 0));
    naiveBestRuns =
      r === 0 ? naiveResult.runSeconds : naiveBestRuns.map((t, m) => Math.min(t, naiveResult.runSeconds[m]));
  }
  await naive.release();
  const naiveSeconds = naiveBestRuns.reduce((a, b) => a + b, 0);
  const naiveFlops = M * countFlops(naive.outputs, { T }).total;

  // where the time goes (for the investigation of missed targets)
  log('profile');
  const profile = await profileLensModel(checkpoint, promptIds, responseIds, threads, cache);

  // (e) PyTorch
  let torch: Record<string, unknown>;
  if (flag('--no-torch')) {
    torch = { ok: false, notRun: '--no-torch' };
  } else {
    log('(e) PyTorch peer');
    await settle();
    const interval = startInterval();
    const peer = runTorchPeer(f32.dir, cache, promptIds, responseIds, settings.torchRepeats);
    const othersCpuShare = interval.stop();
    torch = peer.ok
      ? {
          ok: true,
          seconds: peer.run.seconds,
          secondsAll: peer.run.secondsAll,
          forwardSeconds: peer.run.forwardSeconds,
          threads: peer.run.threads,
          blasThreads: peer.run.blasThreads,
          torchVersion: peer.run.torchVersion,
          othersCpuShare,
          oursSeconds,
          ratio: peer.run.seconds / oursSeconds,
          target: TARGETS.torchOverOurs,
          met: peer.run.seconds / oursSeconds > TARGETS.torchOverOurs,
          attributionAgreement: relativeError(ours!.attribution, peer.run.attribution),
          probabilityAgreement: relativeError(ours!.probabilities, peer.run.probabilities),
        }
      : (() => {
          throw new Error(`(e) the PyTorch peer failed: ${peer.reason}`);
        })();
  }

  // (f) peak memory, each explanation in a fresh process
  log('(f) peak memory');
  const child = await buildExplainPeak(cache);
  const explain = (dir: string, n: number, m: number, batch?: number): ExplainPeak =>
    explainPeak(child, dir, n, m, threads, batch);
  const overhead = explain(tiny.dir, 8, 2);
  const memory = (w: typeof f32, batch?: number) => {
    const run = explain(w.dir, N, M, batch);
    const ratio = (run.vmHwmBytes - overhead.vmHwmBytes) / w.bytesOnDisk;
    return {
      peakBytes: run.vmHwmBytes,
      afterLoadPeakBytes: run.afterLoadHwmBytes,
      afterGeneratePeakBytes: run.afterGenerateHwmBytes,
      sizeBytes: w.bytesOnDisk,
      generated: run.generated,
      seconds: run.seconds,
      ratio,
      met: ratio <= TARGETS.memoryOverSize,
    };
  };
  const memF32 = memory(f32);
  const memBf16 = memory(bf16);
  // not the product's default: what a smaller attribution batch (LoadOptions.attributionBatch) buys
  const smallBatch = Math.max(1, Math.ceil(M / 4));
  const memF32Small = memory(f32, smallBatch);

  // (k) a Q4_K_M-style GGUF file against the same weights in bf16 safetensors
  const k_gguf = ggufSection(settings, quick, cache, child, overhead, threads);

  // (i) the cost estimate that `explain --estimate` prints, against what this run measured: the attribution
  // (its FLOPs against the profile too), a decode step, and the peak memory of (f)
  log('(i) estimate');
  const calibration = await measureCalibration(threads);
  const costF32 = new CostModel(checkpoint);
  const given = { promptTokens: N, responseTokens: M, generated: false };
  const estimated = costF32.seconds(given, costF32.cost(given), calibration, true);
  const decodeEstimateMs = (M: number) => {
    const shape = { promptTokens: N, responseTokens: M, generated: true };
    return costF32.seconds(shape, costF32.cost(shape), calibration, true).generation * 1000;
  };
  const estimatedDecodeMs =
    decodeEstimateMs(settings.decodeSteps + 1) / (settings.decodeSteps + 1) -
    decodeEstimateMs(1) / (settings.decodeSteps + 1);
  const peakOf = async (dir: string, m: number) =>
    new CostModel(await open(dir)).cost({ promptTokens: N, responseTokens: m, generated: true }).peakMemoryBytes;
  const i_estimate = {
    calibration,
    attribution: {
      estimatedSeconds: estimated.attribution,
      measuredSeconds: oursSeconds,
      ratio: estimated.attribution / oursSeconds,
      estimatedFlops: costF32.attributionFlops(N, M),
      profiledFlops: profile.attribution.productFlops,
    },
    decode: {
      estimatedMsPerToken: estimatedDecodeMs,
      measuredMsPerToken: median(decodeMs),
      ratio: estimatedDecodeMs / median(decodeMs),
    },
    peakMemory: {
      f32: { estimatedBytes: await peakOf(f32.dir, memF32.generated), measuredBytes: memF32.peakBytes },
      bf16: { estimatedBytes: await peakOf(bf16.dir, memBf16.generated), measuredBytes: memBf16.peakBytes },
    },
  };

  // (j) the attribution on other families' shapes against the same MatMul peak: Gemma 2's layer (its norms,
  // soft caps and windows are elementwise work the count leaves out) and a mixture of experts, whose count
  // holds only the experts each token is routed to (the routed shares sum to the products run, as
  // test/runtime/explainCost.test.ts checks against onnxruntime's profile)
  log('(j) attribution on gemma2- and MoE-shaped models');
  const j_families = [];
  for (const f of settings.families) {
    const written = writeBenchCheckpoint(join(cache, `${f.name}-f32`), f.shape, 'F32', WEIGHT_SEED);
    const familyCheckpoint = await open(written.dir);
    const familyModel = await lensModel(familyCheckpoint, threads);
    await familyModel.attribute(promptIds, responseIds); // warm-up
    const times: number[] = [];
    const contention: number[] = [];
    for (let r = 0; r < settings.familyRounds; r++) {
      await settle();
      const interval = startInterval();
      const t0 = performance.now();
      await familyModel.attribute(promptIds, responseIds);
      times.push(seconds(t0));
      contention.push(interval.stop());
    }
    familyModel.dispose();
    const familyFlops = countFlops(lensGraphOutputs(familyCheckpoint).attribution, attributionDims(T, M)).total;
    const best = Math.min(...times);
    const gflops = familyFlops / best / 1e9;
    const E = f.shape.experts ?? 1;
    const k = f.shape.expertsPerToken ?? 1;
    const feedForward = 3 * f.shape.hiddenSize * f.shape.intermediateSize * f.shape.numLayers;
    j_families.push({
      name: f.name,
      family: familyCheckpoint.config.modelType,
      shape: f.shape,
      parameters: written.parameters,
      activeParameters: written.parameters - (E - k) * feedForward, // what one token's forward pass multiplies by
      seconds: best,
      secondsAll: times,
      othersCpuShare: contention,
      flops: familyFlops,
      achievedGflops: gflops,
      fractionOfPeak: gflops / peak.peakGflops,
      overLlama: gflops / achievedGflops, // of the llama model's rate in (b)
      target: TARGETS.attributionFractionOfPeak,
      met: gflops / peak.peakGflops >= TARGETS.attributionFractionOfPeak,
    });
  }

  // ---------------------------------------------------------------------------------------------------
  const summarise = (p: ProfileSummary) => ({ ...p, byOp: p.byOp.slice(0, 12) });
  const result = {
    schema: 1,
    timestamp: new Date().toISOString(),
    quick,
    durationSeconds: 0,
    machine: { ...host, loadavgStart: loadStart, loadavgEnd: loadavg(), threads, quietAtStart: quiet, settledSeconds },
    model: {
      family: 'llama',
      ...settings.shape,
      headDim: config.headDim,
      parameters: f32.parameters,
      nonEmbeddingParameters: f32.nonEmbeddingParameters,
      bytesOnDisk: { f32: f32.bytesOnDisk, bf16: bf16.bytesOnDisk },
      promptTokens: N,
      responseTokens: M,
      weightSeed: WEIGHT_SEED,
      idsSeed: IDS_SEED,
    },
    a_matmul: { ...peak, gemv },
    b_attribution: {
      seconds: oursSeconds,
      secondsAll: attributionTimes,
      othersCpuShare: attributionContention,
      flops: counted.total,
      flopsByOp: counted.byOp,
      flopsFormula: formula.forward + formula.backward,
      flopsProfiled: profile.attribution.productFlops,
      forwardPassEquivalents: counted.total / formula.forward,
      achievedGflops,
      peakGflops: peak.peakGflops,
      fractionOfPeak: achievedGflops / peak.peakGflops,
      target: TARGETS.attributionFractionOfPeak,
      met: achievedGflops / peak.peakGflops >= TARGETS.attributionFractionOfPeak,
    },
    c_naive: {
      seconds: naiveSeconds, // the sum over the M runs of each run's best
      totalsAll: naiveTotals,
      othersCpuShare: naiveContention,
      runs: M,
      weightGradients: naive.weightCount,
      flops: naiveFlops,
      achievedGflops: naiveFlops / naiveSeconds / 1e9,
      oursSeconds,
      flopRatio: naiveFlops / counted.total,
      ratio: naiveSeconds / oursSeconds,
      target: TARGETS.naiveOverOurs,
      met: naiveSeconds / oursSeconds >= TARGETS.naiveOverOurs,
      attributionAgreement: relativeError(ours!.attribution, naiveResult.attribution),
    },
    d_generation: {
      prefixTokens: N,
      steps: decodeMs.length,
      decodeMsPerToken: median(decodeMs),
      recomputeMsPerToken: median(recomputeMs),
      decodeMsAll: decodeMs,
      recomputeMsAll: recomputeMs,
      sameTokens,
      othersCpuShare: decodeContention,
      ratio: median(recomputeMs) / median(decodeMs),
      decodeFloorMs,
      recomputeFlops,
      recomputeFloorMs,
      rooflineRatio: recomputeFloorMs / decodeFloorMs, // the best ratio this machine allows for this model
      target: TARGETS.recomputeOverCached,
      met: median(recomputeMs) / median(decodeMs) >= TARGETS.recomputeOverCached,
    },
    e_torch: torch,
    g_heads: {
      words: settings.headsWords,
      top: DEFAULT_HEADS_SETTINGS.top,
      dims: DEFAULT_HEADS_SETTINGS.dims,
      seconds: headsSeconds,
      secondsAll: headsTimes,
      othersCpuShare: headsContention,
      prepareSeconds: heads!.timing.prepare,
      layersSeconds: heads!.timing.layers,
      patternsSeconds: heads!.timing.patterns,
      flops: heads!.flops,
      flopsFormula: 'L * 2 * W * (H + Hkv) * Dh * D',
      pairs: heads!.layers.reduce((n, l) => n + l.counts.pairs, 0),
      achievedGflops: headsGflops,
      peakGflops: peak.peakGflops,
      fractionOfPeak: headsGflops / peak.peakGflops,
      target: TARGETS.headsFractionOfPeak,
      met: headsGflops / peak.peakGflops >= TARGETS.headsFractionOfPeak,
    },
    h_concepts: conceptsFigures(concepts, peak.peakGflops),
    f_memory: {
      overheadPeakBytes: overhead.vmHwmBytes,
      f32: memF32,
      bf16: memBf16,
      f32SmallBatch: { attributionBatch: smallBatch, ...memF32Small },
      target: TARGETS.memoryOverSize,
    },
    i_estimate,
    j_families,
    k_gguf,
    profile: { attribution: summarise(profile.attribution), decodeStep: summarise(profile.decodeStep) },
  };
  result.durationSeconds = seconds(started);
  const json = JSON.stringify(result, null, 2) + '\n';
  const stamp = result.timestamp.replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `${stamp}${quick ? '-quick' : ''}.json`), json);
  // a quick run's figures mean nothing: it must not replace the last real result
  const latest = join(outDir, quick ? 'latest-quick.json' : 'latest.json');
  writeFileSync(latest, json);
  log(`wrote ${latest} in ${result.durationSeconds.toFixed(0)} s`);
  process.stdout.write(latest + '\n'); // for bench/run.sh
}

/** (a) and (h) alone, in interleaved rounds: each keeps its best, as in the whole run. */
async function onlyConcepts(
  settings: Settings,
  quick: boolean,
  dir: string,
  threads: number,
  outDir: string,
  started: number,
  loadStart: number[],
  host: ReturnType<typeof machine>,
  waitQuiet: number,
): Promise<void> {
  const quiet = quick ? { waitedSeconds: 0, othersCpuShare: 0 } : await waitForQuiet(waitQuiet);
  if (!quick)
    log(
      `others used ${(100 * quiet.othersCpuShare).toFixed(0)}% of the CPU after waiting ` +
        `${quiet.waitedSeconds.toFixed(0)} s for a quiet machine`,
    );
  let settledSeconds = 0;
  const settle = async () => {
    if (!quick) settledSeconds += (await waitForQuiet(settings.settleSeconds, 0.15, 2)).waitedSeconds;
  };
  const checkpoint = await open(dir);
  const peakRounds: MatMulPeak[] = [];
  const rounds = [];
  log('(a) MatMul throughput and (h) concepts, interleaved');
  for (let r = 0; r < settings.conceptsRounds; r++) {
    await settle();
    peakRounds.push(await matmulPeak(settings.matmulShapes, settings.matmulRepeats, threads));
    rounds.push(await runConcepts(checkpoint, threads, 1, settle, settings.conceptsRepeats));
  }
  const peak = bestPeak(peakRounds);
  const best = rounds.reduce((a, b) => (Math.min(...b.secondsAll) < Math.min(...a.secondsAll) ? b : a));
  const concepts = {
    ...best,
    secondsAll: rounds.flatMap((r) => r.secondsAll),
    othersCpuShare: rounds.map((r) => r.othersCpuShare[0]),
  };
  const result = {
    schema: 1,
    timestamp: new Date().toISOString(),
    quick,
    onlyConcepts: true,
    durationSeconds: seconds(started),
    machine: { ...host, loadavgStart: loadStart, loadavgEnd: loadavg(), threads, quietAtStart: quiet, settledSeconds },
    model: { family: 'llama', ...settings.shape, parameters: checkpoint.parameterCount, weightSeed: WEIGHT_SEED },
    a_matmul: peak,
    h_concepts: conceptsFigures(concepts, peak.peakGflops),
  };
  const json = JSON.stringify(result, null, 2) + '\n';
  const stamp = result.timestamp.replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `${stamp}-concepts${quick ? '-quick' : ''}.json`), json);
  const latest = join(outDir, quick ? 'latest-concepts-quick.json' : 'latest-concepts.json');
  writeFileSync(latest, json);
  log(`wrote ${latest} in ${result.durationSeconds.toFixed(0)} s`);
  process.stdout.write(latest + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
