// Seeded randomness for the data builders: mulberry32 (a 32-bit state, one multiply-xorshift per draw), so that
// `npm run train:models` writes byte-identical files on every machine. Not for anything that needs quality
// randomness beyond shuffling and picking phrasings.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  /** A new array: Fisher–Yates over a copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** k distinct items (all of them when k >= items.length), in random order. */
  sample<T>(items: readonly T[], k: number): T[];
}

export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const shuffle = <T>(items: readonly T[]): T[] => {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  return {
    next,
    int,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)];
    },
    shuffle,
    sample: (items, k) => {
      if (k >= items.length) return shuffle(items);
      // partial Fisher–Yates: only the first k places are settled
      const out = items.slice();
      for (let i = 0; i < k; i++) {
        const j = i + int(out.length - i);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out.slice(0, k);
    },
  };
}

/** A child generator whose stream depends only on (seed, label): adding a family does not shift the others. */
export function derive(seed: number, label: string): Rng {
  let h = 0x811c9dc5 ^ seed; // FNV-1a over the label, started from the seed
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mulberry32(h >>> 0);
}
