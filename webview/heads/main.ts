// The heads side view's page: the layers x heads grid (global: instruction-verb share of each head's word
// pairs; local: attention of the current response to its instruction tokens), a head's word pairs and
// attention map, and a layer's feed-forward concepts. It renders what the host sends.
import type {
  ConceptsView,
  HeadDetailView,
  HeadsGridView,
  HeadsMode,
  HeadsViewMessage,
  HeadsViewUpdate,
} from '../../src/protocol';
import { el, fill, formatNumber } from '../dom';
import { heatmap } from '../heatmap';
import { connect } from '../host';
import { button, progressRing, radioGroup } from '../toolkit';
import { demonstratorNotice } from '../demonstratorNotice';

const root = document.getElementById('root')!;
const post = connect<HeadsViewUpdate, HeadsViewMessage>(receive);

let mode: HeadsMode = 'global';
let grid: HeadsGridView | undefined;
let selected: { layer: number; head: number } | null = null;
const status = el('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
const gridSection = el('section', { 'aria-label': 'Heads' });
const detail = el('section', { class: 'detail', 'aria-live': 'polite' });
fill(root, status, gridSection, detail);

function receive(update: HeadsViewUpdate): void {
  root.setAttribute('aria-busy', String(update.type === 'busy'));
  switch (update.type) {
    case 'busy':
      return fill(status, el('div', { class: 'busy' }, progressRing(), el('span', {}, update.message)));
    case 'failed':
      return fill(
        status,
        el(
          'div',
          { class: 'message error', role: 'alert' },
          el('p', {}, update.message),
          el('p', { class: 'hint' }, update.hint),
        ),
      );
    case 'empty':
      grid = undefined;
      fill(status);
      fill(detail);
      return fill(
        gridSection,
        demonstratorNotice(update.demonstrator, addModel),
        el('h1', {}, update.modelName),
        el(
          'p',
          { class: 'muted' },
          'Which attention heads pair instruction verbs with their objects (global, from the weights), ' +
            'and which attend to the instruction of the prompt you explained (local).',
        ),
        computeButton(update.modelName),
        el(
          'p',
          { class: 'muted hint' },
          'Or explain a prompt (select it in an editor, then Explain Instruction Following) to shade the ' +
            'heads by their attention to its instruction.',
        ),
      );
    case 'grid':
      fill(status);
      grid = update.view;
      if (selected && (selected.layer >= grid.layers || selected.head >= grid.heads)) selected = null;
      return renderGrid();
    case 'head':
      fill(status);
      selected = { layer: update.view.layer, head: update.view.head };
      renderGrid();
      return renderHead(update.view);
    case 'concepts':
      fill(status);
      return renderConcepts(update.view);
  }
}

const addModel = () => post({ type: 'addModel' });

function computeButton(modelName: string): HTMLElement {
  return button('Compute head patterns', () => post({ type: 'load' }), {
    id: 'compute-heads',
    title: `Word pairs of every head of ${modelName} (weights only, no prompt)`,
  });
}

function renderGrid(): void {
  if (!grid) return;
  const g = grid;
  const hasGlobal = g.cells.some((c) => c.verbShare !== null);
  const hasLocal = g.cells.some((c) => c.instructionAttention !== null);
  if (mode === 'local' && !hasLocal && hasGlobal) mode = 'global';
  if (mode === 'global' && !hasGlobal && hasLocal) mode = 'local';
  const cell = (layer: number, head: number) => g.cells[layer * g.heads + head];
  // a head without instruction-verb pairs says "none" (no shade), not a 0 that reads like a measured share
  const none = (layer: number, head: number) => mode === 'global' && cell(layer, head).verbPairs === 0;
  const value = (layer: number, head: number) => {
    const c = cell(layer, head);
    return mode === 'global' ? (none(layer, head) ? null : c.verbShare) : c.instructionAttention;
  };
  const values = Array.from({ length: g.layers }, (_, l) => Array.from({ length: g.heads }, (_, h) => value(l, h)));
  const max = Math.max(1e-9, ...values.flat().filter((v): v is number => v !== null));
  const what = mode === 'global' ? 'instruction-verb share' : 'attention to the instruction';
  fill(
    gridSection,
    demonstratorNotice(g.demonstrator, addModel),
    el('h1', {}, g.modelName),
    radioGroup(
      'Shade heads by',
      [
        { value: 'global', label: 'instruction-verb share (global)' },
        { value: 'local', label: 'attention to the instruction (local)' },
      ],
      mode,
      (v) => {
        mode = v as HeadsMode;
        renderGrid();
      },
    ),
    mode === 'global' && !hasGlobal ? computeButton(g.modelName) : null,
    mode === 'local' && !hasLocal
      ? el('p', { class: 'muted' }, `Explain a prompt with ${g.modelName} to see this.`)
      : null,
    mode === 'local' && g.promptExcerpt ? el('p', { class: 'muted' }, 'Prompt: ', el('q', {}, g.promptExcerpt)) : null,
    heatmap({
      label: `Attention heads by layer, shaded by ${what}. Arrow keys move, Enter shows the head.`,
      className: mode,
      rowLabels: Array.from({ length: g.layers }, (_, l) => `L${l}`),
      columnLabels: Array.from({ length: g.heads }, (_, h) => `H${h}`),
      values: values.map((row) => row.map((v) => (v === null ? null : v / max))),
      cellLabel: (l, h) => {
        const v = value(l, h);
        const shown = v === null ? 'not computed' : `${Math.round(v * 100)}%`;
        return `Layer ${l}, head ${h}: ${none(l, h) ? 'no word pair with an instruction verb' : `${what} ${shown}`}`;
      },
      cellText: (l, h) => (none(l, h) ? 'none' : value(l, h) === null ? '' : String(Math.round(value(l, h)! * 100))),
      onActivate: ({ row, column }) => post({ type: 'selectHead', layer: row, head: column }),
      rowEnd: (l) =>
        button('Concepts', () => post({ type: 'showConcepts', layer: l }), {
          secondary: true,
          ariaLabel: `Feed-forward concepts of layer ${l}`,
        }),
      selected: selected ? { row: selected.layer, column: selected.head } : null,
    }),
    el(
      'p',
      { class: 'muted hint' },
      `Cells: ${what} in percent` +
        (mode === 'global'
          ? ' of the head\'s word pairs ("none": the head has no pair with an instruction verb)'
          : ' (mean over the response, summed over instruction tokens)') +
        '; shading relative to the largest.',
    ),
  );
}

function renderHead(v: HeadDetailView): void {
  const pairs =
    v.pairs.length === 0
      ? el(
          'p',
          { class: 'muted' },
          'No word pairs (compute head patterns, or this head has none that pass the filters).',
        )
      : el(
          'table',
          { class: 'pairs', 'aria-label': `Word pairs of layer ${v.layer}, head ${v.head}` },
          el(
            'thead',
            {},
            el('tr', {}, el('th', { scope: 'col' }, 'query word'), el('th', { scope: 'col' }, 'key word')),
          ),
          el(
            'tbody',
            {},
            ...v.pairs.map((p) =>
              el('tr', { class: p.instructionVerb ? 'verb' : undefined }, el('td', {}, p.query), el('td', {}, p.key)),
            ),
          ),
        );
  const a = v.attention;
  const map = a
    ? el(
        'div',
        { class: 'scroll' },
        heatmap({
          label: `Attention of layer ${v.layer}, head ${v.head}: rows are query tokens, columns key tokens`,
          className: 'local attention-map',
          rowLabels: a.tokens.map((t) => t.trim() || '·'),
          columnLabels: a.tokens.map((t) => t.trim() || '·'),
          columnHeaderClass: 'column',
          values: a.rows,
          cellLabel: (q, k) =>
            `${JSON.stringify(a.tokens[q])} attends ${JSON.stringify(a.tokens[k])}: ` +
            `${formatNumber(a.rows[q][k], 3)}${k < a.promptLength ? ' (prompt)' : ' (response)'}`,
        }),
      )
    : el('p', { class: 'muted' }, "Explain a prompt with this model to see the head's attention map.");
  const more =
    v.totalPairs > v.pairs.length
      ? el('p', { class: 'muted' }, `${v.pairs.length} of ${v.totalPairs} pairs, instruction verbs first.`)
      : null;
  fill(
    detail,
    el('h2', {}, `Layer ${v.layer}, head ${v.head}`),
    el('h3', {}, 'Word pairs (instruction verbs highlighted)'),
    pairs,
    more,
    el('h3', {}, 'Attention over the current prompt and response'),
    map,
  );
}

function renderConcepts(v: ConceptsView): void {
  const max = Math.max(1e-9, ...v.components.map((c) => c.explainedVariance));
  fill(
    detail,
    el('h2', {}, `Feed-forward concepts, layer ${v.layer}`),
    el('p', { class: 'muted' }, "Principal components of the layer's down-projection, with the words closest to each."),
    v.namedBy
      ? el('p', { class: 'muted' }, `Names in italics from ${v.namedBy}.`)
      : button('Name with a language model', () => post({ type: 'nameConcepts', layer: v.layer }), {
          secondary: true,
          id: 'name-concepts',
          title: 'Sends the top words of each component to a language model you have in VS Code (Language Model API)',
        }),
    ...v.components.map((c) => {
      const bar = el('span', { class: 'bar', 'aria-hidden': 'true' });
      bar.style.width = `${Math.round((c.explainedVariance / max) * 80)}px`;
      return el(
        'div',
        { class: 'concept' },
        el('strong', {}, `#${c.index + 1}`),
        c.modelName ? el('em', {}, ` ${c.modelName}`) : null,
        ' ',
        bar,
        el(
          'span',
          { class: 'muted' },
          `${(c.explainedVariance * 100).toFixed(1)}% variance${c.label ? ` · ${c.label}` : ''}`,
        ),
        el('div', {}, c.words.join(', ')),
      );
    }),
  );
}
