// The compare panel's page: two explanations side by side, the scores and their difference, and the global
// comparisons as charts. It renders what the host sends.
import type { ComparePanelMessage, ComparePanelUpdate, CompareView } from '../../src/protocol';
import { el, fill, formatNumber } from '../dom';
import { explanationColumn } from '../explanationColumn';
import { connect } from '../host';
import { button, progressRing } from '../toolkit';
import { chartFigure, destroyCharts } from './charts';
import { demonstratorNotice } from '../demonstratorNotice';

const root = document.getElementById('root')!;
const post = connect<ComparePanelUpdate, ComparePanelMessage>(receive);

function receive(update: ComparePanelUpdate): void {
  root.setAttribute('aria-busy', String(update.type === 'busy'));
  if (update.type === 'busy') {
    root.querySelector('.busy')?.remove();
    root.prepend(el('div', { class: 'busy', role: 'status' }, progressRing(), el('span', {}, update.message)));
    return;
  }
  destroyCharts();
  if (update.type === 'failed')
    return fill(
      root,
      el(
        'section',
        { class: 'message error', role: 'alert' },
        el('p', {}, update.message),
        el('p', { class: 'hint' }, update.hint),
      ),
    );
  render(update.view);
}

function render(v: CompareView): void {
  const d = v.difference;
  fill(
    root,
    demonstratorNotice(v.demonstrator, () => post({ type: 'addModel' })),
    el('h1', {}, `${v.base.modelName} vs ${v.tuned.modelName}`),
    el(
      'p',
      { class: 'score', id: 'compare-scores', 'aria-live': 'polite' },
      `Instruction importance: ${v.base.modelName} ${formatNumber(v.base.instructionImportance)}, ` +
        `${v.tuned.modelName} ${formatNumber(v.tuned.instructionImportance)}; difference `,
      el(
        'strong',
        { class: d >= 0 ? 'delta-pos' : 'delta-neg', id: 'importance-difference' },
        `${d >= 0 ? '+' : ''}${formatNumber(d)}`,
      ),
    ),
    el(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Export' },
      button('Export JSON', () => post({ type: 'export', format: 'json' }), { secondary: true, id: 'export-json' }),
      button('Export HTML', () => post({ type: 'export', format: 'html' }), { secondary: true, id: 'export-html' }),
    ),
    el(
      'div',
      { class: 'columns' },
      explanationColumn(v.base, v.base.modelName),
      explanationColumn(v.tuned, v.tuned.modelName),
    ),
    el('h2', {}, 'Global comparison'),
    v.chartsNote ? el('p', { class: 'muted', role: 'status' }, v.chartsNote) : null,
    ...v.charts.map(chartFigure),
  );
}
