// The plain-text report of head patterns: a per-layer table of the instruction-verb and general-verb shares
// of the word pairs, then each head's first pairs (query word -> key word, leading dimension first, each pair once).
import { addCounts, NO_PAIRS, share, type PairCounts } from './headPatterns';
import type { HeadsResult } from './run';

const PAIRS_SHOWN = 5;

const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);

function row(label: string, c: PairCounts): string {
  return (
    `${label.padStart(5)}  ${String(c.pairs).padStart(6)}  ` +
    `${pct(share(c.instructionVerbPairs, c.pairs)).padStart(17)}  ` +
    `${pct(share(c.generalVerbPairs, c.pairs)).padStart(13)}`
  );
}

export function renderHeads(r: HeadsResult): string {
  const m = r.model;
  const b = r.baseline;
  const source =
    r.relatednessSource === 'glove'
      ? `GloVe ${r.request.gloveFile} (${r.wordsWithVector} of the words have a vector)`
      : "the model's input embeddings";
  const wordSource =
    r.wordSource === 'file'
      ? r.request.wordsFile
      : r.wordSource === 'vocabulary'
        ? 'the vocabulary (its lower-case tokens that are common English words, plus the listed verbs)'
        : 'the vocabulary (every whole alphabetic token: it has few English words; plus the listed verbs)';
  const lines = [
    `model    ${m.path} (${m.architecture}, ${(m.parameters / 1e6).toFixed(2)}M parameters): ` +
      `${m.layers} layers x ${m.heads} heads (${m.kvHeads} key/value), head dim ${m.headDim}`,
    `words    ${r.words.length} from ${wordSource}` +
      `; top ${r.settings.top} per side on the ${r.settings.dims} leading dims of each head`,
    `related  cosine in ${source} > ${b.threshold.toFixed(3)} (mean ${b.mean.toFixed(3)} + 1.96 std ` +
      `${b.std.toFixed(3)} of ${b.pairs} random word pairs)`,
    '',
    `layer   pairs  instruction verbs  general verbs`,
  ];
  let total = NO_PAIRS;
  r.layers.forEach((l, i) => {
    lines.push(row(String(i), l.counts));
    total = addCounts(total, l.counts);
  });
  lines.push(row('all', total));
  lines.push('', `word pairs per head (query -> key; instruction verb share / general verb share)`);
  r.layers.forEach((l, i) => {
    for (const h of l.heads) {
      const pairs = [
        ...new Set(h.leading.flatMap((d) => d.pairs).map((p) => `${r.words[p.query].word}->${r.words[p.key].word}`)),
      ].slice(0, PAIRS_SHOWN);
      const c = h.counts;
      lines.push(
        `L${i}.H${h.head}  ${String(c.pairs).padStart(4)} pairs  ` +
          `${pct(share(c.instructionVerbPairs, c.pairs))} / ${pct(share(c.generalVerbPairs, c.pairs))}  ` +
          `${pairs.join(', ') || '(none)'}`,
      );
    }
  });
  const t = r.timing;
  lines.push(
    '',
    `time     load ${t.load.toFixed(2)} s, words ${t.words.toFixed(2)} s` +
      `${t.glove > 0 ? `, GloVe ${t.glove.toFixed(2)} s` : ''}, layers ${t.layers.toFixed(2)} s (` +
      `${(r.flops / 1e9).toFixed(2)} GFLOP of projections)`,
  );
  return lines.join('\n');
}
