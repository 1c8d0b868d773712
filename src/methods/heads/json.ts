// The CLI's JSON contract for head patterns (docs/cli.md, "JSON schema (`heads --json`)"): snake_case names, words
// as text, shares as fractions (null when a head or layer has no pairs). Other tools and the tests read these.
import { addCounts, NO_PAIRS, share, type PairCounts, type WordActivation, type WordPair } from './headPatterns';
import type { HeadsResult } from './run';

export const HEADS_FORMAT_VERSION = 1;

function counts(c: PairCounts) {
  return {
    pairs: c.pairs,
    instruction_verb_pairs: c.instructionVerbPairs,
    general_verb_pairs: c.generalVerbPairs,
    instruction_verb_share: share(c.instructionVerbPairs, c.pairs),
    general_verb_share: share(c.generalVerbPairs, c.pairs),
  };
}

/** `heads --json`, as the CLI writes it and the worker sends it to the views. */
export type HeadsJson = ReturnType<typeof headsJson>;

export function headsJson(r: HeadsResult) {
  const word = (i: number) => r.words[i].word;
  const activations = (list: readonly WordActivation[]) =>
    list.map((a) => ({ word: word(a.word), activation: a.activation }));
  const pair = (p: WordPair) => ({
    query: word(p.query),
    key: word(p.key),
    query_activation: p.queryActivation,
    key_activation: p.keyActivation,
    cosine: p.cosine,
  });
  const total = r.layers.reduce((sum, l) => addCounts(sum, l.counts), NO_PAIRS);
  return {
    format_version: HEADS_FORMAT_VERSION,
    method: 'heads' as const,
    model: {
      path: r.model.path,
      architecture: r.model.architecture,
      parameters: r.model.parameters,
      layers: r.model.layers,
      heads: r.model.heads,
      kv_heads: r.model.kvHeads,
      head_dim: r.model.headDim,
    },
    settings: {
      top: r.settings.top,
      dims: r.settings.dims,
      baseline_pairs: r.settings.baselinePairs,
      seed: r.settings.seed,
      words_file: r.request.wordsFile ?? null,
      relatedness_source: r.relatednessSource,
      glove_file: r.request.gloveFile ?? null,
      instruction_verbs: r.instructionVerbs,
      general_verbs: r.generalVerbs,
    },
    words: {
      count: r.words.length,
      source: r.wordSource,
      multi_token: r.words.filter((w) => w.ids.length > 1).length,
      with_relatedness_vector: r.wordsWithVector,
    },
    relatedness: {
      pairs: r.baseline.pairs,
      mean: r.baseline.mean,
      std: r.baseline.std,
      threshold: r.baseline.threshold,
    },
    summary: counts(total),
    layers: r.layers.map((l, layer) => ({
      layer,
      ...counts(l.counts),
      heads: l.heads.map((h) => ({
        head: h.head,
        kv_head: h.kvHead,
        ...counts(h.counts),
        dim_order: Array.from(h.dimOrder),
        dim_energy: Array.from(h.dimEnergy),
        dims: h.leading.map((d) => ({
          dim: d.dim,
          energy: d.energy,
          top_query: activations(d.topQuery),
          top_key: activations(d.topKey),
          pairs: d.pairs.map(pair),
        })),
      })),
    })),
    flops: r.flops,
    timing: r.timing,
  };
}
