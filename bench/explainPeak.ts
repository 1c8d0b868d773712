// (f), (k) Child process: one explanation's peak memory. Loads a checkpoint (or GGUF file), builds its one LensModel
// (one
// onnxruntime session), generates the response greedily, attributes it, and prints one JSON line with the
// process's peak resident set (VmHWM) read from /proc/self/status. A fresh process per measurement, so the
// peak is this explanation's and nothing else's; the bench bundles this file with esbuild and runs it with
// plain node, as dist/ runs the product (no TypeScript loader in the measured process).
//
// With WARM_REPEATS > 0 it then attributes the same response that many times more and reports the best, timed
// as (b) times it: after a first run has grown onnxruntime's arena (the first run's time is reported too).
//
//   node explainPeak.cjs MODEL_DIR PROMPT_TOKENS RESPONSE_TOKENS SEED THREADS [ATTRIBUTION_BATCH [WARM_REPEATS]]
//   (ATTRIBUTION_BATCH 0: the default)
import { readFileSync } from 'node:fs';
import { openCheckpoint } from '../src/runtime/openCheckpoint';
import { LensModel } from '../src/runtime/lensModel';
import { randomIds } from './randomLlama';

export interface ExplainPeak {
  readonly afterLoadHwmBytes: number; // checkpoint opened, model built, session created
  readonly afterGenerateHwmBytes: number;
  readonly vmHwmBytes: number; // after the attribution: the explanation's peak
  readonly vmRssBytes: number;
  readonly generated: number;
  readonly seconds: number; // load, generation and the first attribution
  readonly attributionSeconds: number; // the first attribution alone
  readonly warmAttributionSeconds: readonly number[]; // each repeat's, after the first
}

function statusBytes(field: string): number {
  const m = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  if (!m) throw new Error(`/proc/self/status has no ${field}`);
  return Number(m[1]) * 1024;
}

async function main(): Promise<void> {
  const [dir, promptTokens, responseTokens, seed, threads, batch, warmRepeats] = process.argv.slice(2);
  const t0 = performance.now();
  const checkpoint = await openCheckpoint(dir);
  if (!checkpoint.ok) throw new Error(checkpoint.error.message);
  const model = await LensModel.load(checkpoint.value, {
    threads: Number(threads),
    ...(batch && batch !== '0' ? { attributionBatch: Number(batch) } : {}),
  });
  if (!model.ok) throw new Error(model.error.message);
  const afterLoadHwmBytes = statusBytes('VmHWM');
  const prompt = randomIds(Number(promptTokens), checkpoint.value.config.vocabSize, Number(seed));
  const response = await model.value.generate(prompt, Number(responseTokens));
  const afterGenerateHwmBytes = statusBytes('VmHWM');
  const attributionStart = performance.now();
  await model.value.attribute(prompt, response);
  const attributionSeconds = (performance.now() - attributionStart) / 1000;
  const vmHwmBytes = statusBytes('VmHWM');
  const seconds = (performance.now() - t0) / 1000; // one explanation, the repeats left out
  const warmAttributionSeconds: number[] = [];
  for (let i = 0; i < Number(warmRepeats ?? 0); i++) {
    const start = performance.now();
    await model.value.attribute(prompt, response);
    warmAttributionSeconds.push((performance.now() - start) / 1000);
  }
  const result: ExplainPeak = {
    afterLoadHwmBytes,
    afterGenerateHwmBytes,
    vmHwmBytes,
    vmRssBytes: statusBytes('VmRSS'),
    generated: response.length,
    seconds,
    attributionSeconds,
    warmAttributionSeconds,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  model.value.dispose();
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
