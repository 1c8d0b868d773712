// `batch --shard K/N`: which prompts shard K of N explains. The assignment is a pure function of the prompt's
// id (FNV-1a over its UTF-8 bytes, modulo N), so the nodes of a cluster agree without talking to each other,
// and adding prompts to a dataset moves no other prompt to another shard.
import { fail, ok, type Result } from '../../lensError';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export function parseShard(text: string): Result<Shard> {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const hint =
    'Pass --shard K/N with 1 <= K <= N, e.g. --shard 2/8 (Slurm: --shard "$SLURM_ARRAY_TASK_ID/8" with --array=1-8).';
  if (!m) return fail('bad-argument', `--shard ${text}: not of the form K/N`, hint);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count)
    return fail('bad-argument', `--shard ${text}: K must be between 1 and N`, hint);
  return ok({ index, count });
}

/** FNV-1a, 32 bits, of the UTF-8 bytes of `text`. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The shard (1-based) that explains the prompt with this id. */
export const shardOf = (id: string, count: number): number => (fnv1a(id) % count) + 1;

export const shardLabel = (s: Shard): string => `shard ${s.index}/${s.count}`;
