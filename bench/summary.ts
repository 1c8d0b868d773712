// Prints a bench result (bench/results/*.json, written by engine.bench.ts) as ratios against their targets.
//
//   npx tsx bench/summary.ts [bench/results/latest.json]
import { readFileSync } from 'node:fs';

/* eslint-disable @typescript-eslint/no-explicit-any -- a JSON file, read for printing only */
type Json = any;

const MiB = 1024 * 1024;
const x = (v: number) => `${v.toFixed(2)}x`;
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const busy = (shares: number[] | number) => {
  const v = Array.isArray(shares) ? Math.max(...shares) : shares;
  return v > 0.1 ? ` (others used up to ${pct(v)} of the CPU meanwhile: noisy)` : '';
};
const verdict = (met: boolean | undefined) => (met === undefined ? '' : met ? '  [target met]' : '  [TARGET MISSED]');

/** (k)'s lines: the GGUF file's memory and attribution time against bf16's. */
function ggufLines(k: Json): string[] {
  const lines: string[] = [];
  lines.push(
    `(k) GGUF Q4_K_M ${(k.fileBytes / MiB).toFixed(0)} MiB (${(k.parameters / 1e6).toFixed(0)}M ` +
      `parameters) against the same weights in bf16 (${(k.bf16Bytes / MiB).toFixed(0)} MiB), ` +
      `${k.promptTokens} + ${k.responseTokens} tokens:`,
  );
  lines.push(
    `    memory (peak ${(k.gguf.vmHwmBytes / MiB).toFixed(0)} MiB - ` +
      `${(k.overheadPeakBytes / MiB).toFixed(0)} overhead) / file ${k.memoryRatio.toFixed(2)}, target ` +
      `<= ${k.memoryTarget}${verdict(k.memoryMet)}; bf16 peak ` +
      `${(k.bf16.vmHwmBytes / MiB).toFixed(0)} MiB`,
  );
  const warm = k.warmAttributionSeconds;
  const first = `${k.gguf.attributionSeconds.toFixed(2)} s against ${k.bf16.attributionSeconds.toFixed(2)} s`;
  const verdictLine = `, target <= ${k.attributionTarget}x${verdict(k.attributionMet)}`;
  lines.push(
    // results written before (k) timed warm attributions hold the first one only
    (warm
      ? `    attribution (best warm) ${warm.gguf.toFixed(2)} s against bf16 ${warm.bf16.toFixed(2)} s: ` +
        `${k.attributionRatio.toFixed(2)}x${verdictLine}; the first (cold) ${first}: ` +
        `${k.coldAttributionRatio.toFixed(2)}x`
      : `    attribution (the first) ${first}: ${k.attributionRatio.toFixed(2)}x${verdictLine}`) +
      `; whole explanation ${k.gguf.seconds.toFixed(1)} s against ${k.bf16.seconds.toFixed(1)} s`,
  );
  return lines;
}

export function summary(r: Json): string {
  const m = r.model;
  const lines: string[] = [];
  lines.push(`Instruction Lens bench ${r.timestamp}${r.quick ? ' (QUICK: tiny model, figures meaningless)' : ''}`);
  lines.push(
    `machine  ${r.machine.cpuModel}, ${r.machine.cores} cores, ` +
      `${(r.machine.memoryBytes / 2 ** 30).toFixed(1)} GiB; onnxruntime ${r.machine.onnxruntime}` +
      (r.machine.loadavgStart
        ? `; load ${r.machine.loadavgStart[0].toFixed(2)} -> ${r.machine.loadavgEnd[0].toFixed(2)}`
        : ''),
  );
  lines.push(`commit   ${r.machine.commit}${r.machine.dirty ? ' (src/ modified)' : ''}`);
  // --only-gguf results hold (k) alone: its model is its own
  if (r.k_gguf && !r.a_matmul) return [...lines, ...ggufLines(r.k_gguf)].join('\n');
  lines.push(
    `model    llama D=${m.hiddenSize} L=${m.numLayers} H=${m.numHeads}/${m.numKvHeads} I=` +
      `${m.intermediateSize} V=${m.vocabSize}: ${(m.parameters / 1e6).toFixed(1)}M params` +
      (m.promptTokens === undefined
        ? ''
        : ` (${(m.nonEmbeddingParameters / 1e6).toFixed(1)}M non-embedding); ` +
          `N=${m.promptTokens} prompt, M=${m.responseTokens} response tokens`),
  );
  const a = r.a_matmul;
  lines.push(
    `(a) MatMul peak ${a.peakGflops.toFixed(1)} GFLOP/s on ${a.threads} threads (best of ` +
      `${a.results.length} shape/operand runs)` +
      `${a.gemv ? `; one-row Gemm ${a.gemv.gbPerSecond.toFixed(1)} GB/s` : ''}`,
  );
  if (!r.onlyConcepts) {
    const b = r.b_attribution;
    lines.push(
      `(b) attribution ${b.seconds.toFixed(2)} s, ${(b.flops / 1e9).toFixed(1)} GFLOP (` +
        `${b.forwardPassEquivalents.toFixed(1)} forward passes) -> ${b.achievedGflops.toFixed(1)} ` +
        `GFLOP/s = ${pct(b.fractionOfPeak)} of (a); target >= ${pct(b.target)}${verdict(b.met)}` +
        `${busy(b.othersCpuShare)}`,
    );
    const c = r.c_naive;
    lines.push(
      `(c) naive (${c.runs} forward+backward runs, weight grads; each run's best) ` +
        `${c.seconds.toFixed(2)} s vs ours ${c.oursSeconds.toFixed(2)} s: ${x(c.ratio)} (FLOP ratio ` +
        `${x(c.flopRatio)}); target >= ${x(c.target)}${verdict(c.met)}; attributions agree to ` +
        `${c.attributionAgreement.ratio.toExponential(1)}${busy(c.othersCpuShare)}`,
    );
    const d = r.d_generation;
    lines.push(
      `(d) generation at ${d.prefixTokens}-token prefix: ${d.decodeMsPerToken.toFixed(1)} ms/token ` +
        `cached vs ${d.recomputeMsPerToken.toFixed(1)} ms recomputed: ${x(d.ratio)}; target >= ` +
        `${x(d.target)}${verdict(d.met)}; roofline allows ${x(d.rooflineRatio)} (` +
        `${d.recomputeFloorMs.toFixed(1)} ms at (a)'s peak / ${d.decodeFloorMs.toFixed(1)} ms at the ` +
        `one-row Gemm's bandwidth)${busy(d.othersCpuShare)}`,
    );
    const e = r.e_torch;
    if (e.ok) {
      lines.push(
        `(e) PyTorch ${e.torchVersion} (${e.threads} threads) ${e.seconds.toFixed(2)} s vs ours ` +
          `${e.oursSeconds.toFixed(2)} s: ${x(e.ratio)}; target > ${x(e.target)}${verdict(e.met)}; ` +
          `attribution max abs err / max abs value ${e.attributionAgreement.ratio.toExponential(2)}` +
          `${busy(e.othersCpuShare)}`,
      );
    } else {
      lines.push(`(e) PyTorch peer not run: ${e.notRun}`);
    }
    const f = r.f_memory;
    const mem = (k: string, v: Json) =>
      `${k} peak ${(v.peakBytes / MiB).toFixed(0)} MiB, size ${(v.sizeBytes / MiB).toFixed(0)} MiB: ` +
      `${v.ratio.toFixed(2)}${verdict(v.met)}`;
    const phases = (k: string, v: Json) =>
      `${k} after load ${(v.afterLoadPeakBytes / MiB).toFixed(0)}, after generate ` +
      `${(v.afterGeneratePeakBytes / MiB).toFixed(0)}, after attribute ` +
      `${(v.peakBytes / MiB).toFixed(0)} MiB`;
    lines.push(
      `(f) memory (peak - ${(f.overheadPeakBytes / MiB).toFixed(0)} MiB overhead) / size, target <= ` +
        `${f.target}: ${mem('f32', f.f32)}; ${mem('bf16', f.bf16)}`,
    );
    lines.push(`    peak by phase: ${phases('f32', f.f32)}; ${phases('bf16', f.bf16)}`);
    if (f.f32SmallBatch)
      lines.push(
        `    not the default: f32 with attribution batches of ${f.f32SmallBatch.attributionBatch} ` +
          `tokens: ${mem('f32', f.f32SmallBatch)} (whole explanation ${f.f32SmallBatch.seconds.toFixed(1)} ` +
          `s vs ${f.f32.seconds.toFixed(1)} s)`,
      );
  }
  if (r.k_gguf) lines.push(...ggufLines(r.k_gguf));
  const g = r.g_heads;
  if (g) {
    lines.push(
      `(g) heads ${g.words} words, top ${g.top} on ${g.dims} dims: ${g.seconds.toFixed(2)} s ` +
        `(products and pairing ${g.layersSeconds.toFixed(2)} s), ${(g.flops / 1e9).toFixed(1)} GFLOP of ` +
        `projections -> ${g.achievedGflops.toFixed(1)} GFLOP/s = ${pct(g.fractionOfPeak)} of (a); target ` +
        `>= ${pct(g.target)}${verdict(g.met)}${busy(g.othersCpuShare)}`,
    );
  }
  const h = r.h_concepts;
  if (h) {
    lines.push(
      `(h) concepts ${h.components} components x ${h.top} words, all layers: ${h.seconds.toFixed(2)} ` +
        `s (+ labels ${h.labelsSeconds.toFixed(2)} s), ${(h.flops / 1e9).toFixed(1)} GFLOP of ` +
        `covariances and words -> ${h.achievedGflops.toFixed(1)} GFLOP/s = ${pct(h.fractionOfPeak)} of ` +
        `(a); target >= ${pct(h.target)}${verdict(h.met)}${busy(h.othersCpuShare)}`,
    );
    if (h.medianSeconds !== undefined)
      lines.push(
        `    best of ${h.secondsAll.length} runs; their median ${h.medianSeconds.toFixed(2)} s = ` +
          `${pct(h.medianFractionOfPeak)} of (a)`,
      );
    lines.push(
      `    eigensolver ${(h.eigensolverFlops / 1e9).toFixed(1)} GFLOP more (all products ` +
        `${h.allProductsGflops.toFixed(1)} GFLOP/s); per layer (covariance + eigensolver) ` +
        h.layers
          .map((l: Json) => `L${l.layer} ${(l.flops / 1e9).toFixed(2)} GFLOP ${pct(l.fractionOfPeak)}`)
          .join(', ') +
        `; words ${(h.words.flops / 1e9).toFixed(2)} GFLOP ${pct(h.words.fractionOfPeak)}`,
    );
    if (h.breakdown) {
      const k = Object.entries(h.breakdown.kernels).map(
        ([name, v]: [string, Json]) =>
          `${name} ${(v.seconds * 1000).toFixed(0)} ms/${v.calls} calls` +
          `${v.gflops ? ` @${v.gflops.toFixed(0)} GFLOP/s` : ''}`,
      );
      lines.push(
        `    time: ${k.join(', ')}, other (JS: reads, means, orthonormalisation, Rayleigh-Ritz) ` +
          `${(h.breakdown.otherSeconds * 1000).toFixed(0)} ms; passes ` +
          `${h.layers.map((l: Json) => l.passes).join(',')}`,
      );
    }
  }
  const i = r.i_estimate;
  if (i) {
    const ratio = (est: number, meas: number) => `${x(est / meas)}`;
    lines.push(
      `(i) estimate / measured: attribution ${i.attribution.estimatedSeconds.toFixed(2)} s / ` +
        `${i.attribution.measuredSeconds.toFixed(2)} s = ` +
        `${ratio(i.attribution.estimatedSeconds, i.attribution.measuredSeconds)} (FLOPs ` +
        `${(i.attribution.estimatedFlops / 1e9).toFixed(1)} / profiled ` +
        `${(i.attribution.profiledFlops / 1e9).toFixed(1)} GFLOP); decode ` +
        `${i.decode.estimatedMsPerToken.toFixed(1)} / ${i.decode.measuredMsPerToken.toFixed(1)} ms = ` +
        `${ratio(i.decode.estimatedMsPerToken, i.decode.measuredMsPerToken)}; peak f32 ` +
        `${(i.peakMemory.f32.estimatedBytes / MiB).toFixed(0)} / ` +
        `${(i.peakMemory.f32.measuredBytes / MiB).toFixed(0)} MiB, bf16 ` +
        `${(i.peakMemory.bf16.estimatedBytes / MiB).toFixed(0)} / ` +
        `${(i.peakMemory.bf16.measuredBytes / MiB).toFixed(0)} MiB (calibration ` +
        `${i.calibration.productGflops.toFixed(0)} GFLOP/s, ${i.calibration.weightGBps.toFixed(0)} GB/s)`,
    );
  }
  for (const j of r.j_families ?? []) {
    const moe = j.shape.experts
      ? `, ${j.shape.experts} experts (${j.shape.expertsPerToken} a token): ` +
        `${(j.activeParameters / 1e6).toFixed(1)}M of ${(j.parameters / 1e6).toFixed(1)}M params active`
      : `: ${(j.parameters / 1e6).toFixed(1)}M params`;
    lines.push(
      `(j) attribution on ${j.name} (${j.family}${moe}) ${j.seconds.toFixed(2)} s, ` +
        `${(j.flops / 1e9).toFixed(1)} GFLOP${j.shape.experts ? ' (routed experts only)' : ''} -> ` +
        `${j.achievedGflops.toFixed(1)} GFLOP/s = ${pct(j.fractionOfPeak)} of (a), ${x(j.overLlama)} the ` +
        `llama model's rate; target >= ${pct(j.target)}${verdict(j.met)}${busy(j.othersCpuShare)}`,
    );
  }
  if (r.profile) {
    const top = (p: Json) =>
      p.byOp
        .slice(0, 5)
        .map((o: Json) => `${o.op} ${pct(o.share)}${o.gflops ? ` @${o.gflops.toFixed(0)} GFLOP/s` : ''}`)
        .join(', ');
    lines.push(`profile  attribution: ${top(r.profile.attribution)}`);
    lines.push(`profile  decode step: ${top(r.profile.decodeStep)}`);
  }
  lines.push(`took ${r.durationSeconds.toFixed(0)} s`);
  return lines.join('\n');
}

if (require.main === module) {
  const path = process.argv[2] ?? 'bench/results/latest.json';
  process.stdout.write(summary(JSON.parse(readFileSync(path, 'utf8'))) + '\n');
}
