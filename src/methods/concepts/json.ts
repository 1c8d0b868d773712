// The CLI's JSON contract for feed-forward concepts (docs/cli.md, "JSON schema (`concepts --json`)"): snake_case
// names, words as their decoded token text, ratios and part-of-speech shares as fractions. The component
// vectors are not written (k x d_model floats a layer); ConceptsResult.layers[].vectors holds them in memory.
import type { ConceptsResult } from './run';

export const CONCEPTS_FORMAT_VERSION = 1;

/** `concepts --json`, as the CLI writes it and the worker sends it to the views. */
export type ConceptsJson = ReturnType<typeof conceptsJson>;

export function conceptsJson(r: ConceptsResult) {
  const m = r.model;
  return {
    format_version: CONCEPTS_FORMAT_VERSION,
    method: 'concepts' as const,
    model: {
      path: m.path,
      architecture: m.architecture,
      parameters: m.parameters,
      hidden_size: m.hiddenSize,
      intermediate_size: m.intermediateSize,
      num_layers: m.numLayers,
      vocab_size: m.vocabSize,
    },
    settings: { components: r.components, top: r.top, expert: r.expert ?? null },
    candidate_words: r.candidateWords,
    layers: r.layers.map((l) => ({
      layer: l.layer,
      // a mixture-of-experts layer: how many experts, and whose neurons ("pooled": all of them together)
      experts: l.experts && { count: l.experts.count, of: l.experts.of },
      total_variance: l.totalVariance,
      explained_variance_ratio: l.components.reduce((s, c) => s + c.explainedRatio, 0),
      converged: l.converged,
      max_residual: l.maxResidual,
      flops: l.flops,
      seconds: l.seconds,
      components: l.components.map((c) => ({
        index: c.index,
        variance: c.variance,
        explained_variance_ratio: c.explainedRatio,
        words: c.words.map((w) => ({ id: w.id, text: w.text, cosine: w.cosine })),
        part_of_speech: c.label.partOfSpeech,
        category: c.label.category.category,
        category_matches: c.label.category.matches,
        category_counts: c.label.category.counts,
      })),
    })),
    flops: r.flops,
    timing: r.timing,
  };
}
