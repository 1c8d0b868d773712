// The plain-text report of feed-forward concepts: per layer, each leading component with its share of the
// variance, its category and part-of-speech mix, and its top words. A word is shown as its token's decoded
// text: a token that starts a word without its leading space (" apple" -> apple), one that continues a word
// with a hyphen before it ("olog" -> -olog), punctuation as it is, and white space or text with a comma quoted.
import { PARTS_OF_SPEECH } from './conceptLabels';
import type { ConceptComponent, ConceptsResult } from './run';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

function shown(text: string): string {
  const t = text.trim();
  if (t === '' || /\s|,/.test(t)) return JSON.stringify(text);
  if (/^\s/.test(text)) return t;
  return /^[\p{L}\p{N}]/u.test(t) ? `-${t}` : t;
}

function partsOfSpeech(c: ConceptComponent): string {
  const mix = c.label.partOfSpeech;
  return PARTS_OF_SPEECH.filter((p) => mix[p] > 0)
    .map((p) => `${p} ${Math.round(100 * mix[p])}%`)
    .join(' ');
}

export function renderConcepts(r: ConceptsResult): string {
  const m = r.model;
  const lines = [
    `model    ${m.path} (${m.architecture}, ${(m.parameters / 1e6).toFixed(2)}M parameters): ` +
      `${m.numLayers} layers, d_model ${m.hiddenSize}, d_ff ${m.intermediateSize}, vocabulary ` +
      `${m.vocabSize}`,
    `concepts the ${r.components} leading principal components of W_down^T per layer; top ${r.top} ` +
      `of ${r.candidateWords} tokens by |cosine| with the output embeddings (-x: a token that ` +
      `continues a word)`,
  ];
  for (const l of r.layers) {
    const explained = l.components.reduce((s, c) => s + c.explainedRatio, 0);
    const experts =
      l.experts === null
        ? ''
        : l.experts.of === 'pooled'
          ? ` (its ${l.experts.count} experts' neurons pooled)`
          : ` (expert ${l.experts.of} of ${l.experts.count})`;
    lines.push(
      '',
      `layer ${l.layer}${experts}: ${pct(explained)} of the variance in ${l.components.length} ` +
        `components` +
        `${l.converged ? '' : ` (eigensolver not converged: residual ${l.maxResidual.toExponential(1)})`}`,
    );
    for (const c of l.components) {
      const category = c.label.category.category.replace('_', ' ');
      lines.push(
        `  ${String(c.index + 1).padStart(3)}  ${pct(c.explainedRatio).padStart(6)}  ` +
          `${category.padEnd(18)}  ${partsOfSpeech(c)}`,
      );
      lines.push(`       ${c.words.map((w) => shown(w.text)).join(', ')}`);
    }
  }
  const t = r.timing;
  const f = r.flops;
  lines.push(
    '',
    `time     load ${t.load.toFixed(2)} s, PCA ${t.pca.toFixed(2)} s, words ${t.words.toFixed(2)} ` +
      `s, labels ${t.labels.toFixed(2)} s (` +
      `${((f.covariance + f.eigensolver + f.words) / 1e9).toFixed(2)} GFLOP of products)`,
  );
  return lines.join('\n');
}
