// Rotary position embeddings as Hugging Face Llama applies them: the head dim is split into halves
// [x1, x2] and rotated as [x1 cos - x2 sin, x2 cos + x1 sin], with inv_freq[i] = theta^(-2i/d).
import type { RopeScaling } from '../model/config';
import { Tensor, add, cast, concat, cos, greater, mul, neg, reshape, sin, slice, where } from '../graph';

/**
 * Inverse frequencies (d/2 of them), after llama3, linear or per-frequency scaling; longrope's short ones (see
 * ropeFor).
 */
export function inverseFrequencies(headDim: number, theta: number, scaling: RopeScaling | null): number[] {
  const base = Array.from({ length: headDim / 2 }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  if (!scaling) return base;
  if (scaling.type === 'linear') return base.map((f) => f / scaling.factor);
  if (scaling.type === 'longrope') return base.map((f, i) => f / scaling.shortFactor[i]);
  if (scaling.type === 'frequencyFactors') return base.map((f, i) => f / scaling.factors[i]);
  // llama3: long wavelengths are slowed by `factor`, short ones kept, the band between interpolated
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositions } = scaling;
  const lowFreqWavelen = originalMaxPositions / lowFreqFactor;
  const highFreqWavelen = originalMaxPositions / highFreqFactor;
  return base.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) return f;
    if (wavelen > lowFreqWavelen) return f / factor;
    const smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}

export interface RopeTables {
  readonly cos: Tensor; // (S, Dh)
  readonly sin: Tensor; // (S, Dh)
}

/** cos/sin tables for the given int64 positions (S,). */
export function ropeTables(positions: Tensor, invFreq: readonly number[]): RopeTables {
  const g = positions.graph;
  return tablesOf(positions, g.constant(invFreq, [1, invFreq.length]), 1);
}

/** Tables from inverse frequencies given as a (1, R/2) tensor, cos and sin times `scale`. */
function tablesOf(positions: Tensor, invFreq: Tensor, scale: number): RopeTables {
  const g = positions.graph;
  const S = positions.shape[0];
  const pos = reshape(cast(positions, g.computeDtype), [S, 1]);
  const angles = mul(pos, invFreq); // (S, R/2)
  const full = concat([angles, angles], 1); // (S, R)
  return scale === 1 ? { cos: cos(full), sin: sin(full) } : { cos: mul(cos(full), scale), sin: mul(sin(full), scale) };
}

/**
 * The tables for a rotation of `rotaryDim` dims with base `theta` and `scaling`. Longrope picks its frequencies
 * by the sequence's length, (1,) int64, as transformers' dynamic update does (the highest position + 1, or the
 * whole sequence's length for an attribution run over a prefix of it): the short factors up to the original
 * context, the long ones beyond; cos and sin are scaled by its attention factor.
 */
export function ropeFor(
  positions: Tensor,
  rotaryDim: number,
  theta: number,
  scaling: RopeScaling | null,
  length: () => Tensor,
): RopeTables {
  if (scaling?.type !== 'longrope') return ropeTables(positions, inverseFrequencies(rotaryDim, theta, scaling));
  const g = positions.graph;
  const base = inverseFrequencies(rotaryDim, theta, null);
  const short = g.constant(
    base.map((f, i) => f / scaling.shortFactor[i]),
    [1, base.length],
  );
  const long = g.constant(
    base.map((f, i) => f / scaling.longFactor[i]),
    [1, base.length],
  );
  const beyond = greater(length(), g.constant([scaling.originalMaxPositions], [1], 'int64')); // (1,) bool
  return tablesOf(positions, where(beyond, long, short), scaling.attentionFactor);
}

/**
 * x: (..., S, Dh). Tables narrower than Dh (phi3's partial_rotary_factor) rotate the leading dims only, the
 * rest passing unchanged, as HF's Phi3 apply_rotary_pos_emb does.
 */
export function applyRope(x: Tensor, t: RopeTables): Tensor {
  const Dh = x.shape[x.rank - 1] as number;
  const R = t.cos.shape[t.cos.rank - 1] as number; // rotated dims
  const part = R === Dh ? x : slice(x, -1, 0, R);
  const half = R / 2;
  const rotated = concat([neg(slice(part, -1, half, R)), slice(part, -1, 0, half)], -1);
  const turned = add(mul(part, t.cos), mul(rotated, t.sin));
  return R === Dh ? turned : concat([turned, slice(x, -1, R, Dh)], -1);
}
