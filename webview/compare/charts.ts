// Charts of the global comparison, drawn with Chart.js (tree-shaken: bar and line charts only) in the
// theme's chart colours; each chart carries an ARIA label and a data table for screen readers and copying.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { CompareChart } from '../../src/protocol';
import { el } from '../dom';

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
);

const css = (name: string, fallback: string) =>
  getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

// the drawn charts with their data: a canvas keeps the colours it was drawn with, so a theme change redraws
const drawn: { chart: Chart; canvas: HTMLCanvasElement; spec: CompareChart }[] = [];

export function destroyCharts(): void {
  for (const d of drawn.splice(0)) d.chart.destroy();
}

function draw(canvas: HTMLCanvasElement, spec: CompareChart): Chart {
  const colours = [
    css('--vscode-charts-blue', '#3794ff'),
    css('--vscode-charts-orange', '#d18616'),
    css('--vscode-charts-green', '#89d185'),
  ];
  const text = css('--vscode-foreground', '#888');
  const grid = css('--vscode-panel-border', 'rgba(128,128,128,0.3)');
  return new Chart(canvas, {
    type: spec.kind,
    data: {
      labels: [...spec.labels],
      datasets: spec.series.map((s, i) => ({
        label: s.label,
        data: [...s.values],
        backgroundColor: colours[i % colours.length],
        borderColor: colours[i % colours.length],
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      color: text,
      scales: {
        x: { ticks: { color: text }, grid: { color: grid } },
        y: {
          beginAtZero: true,
          title: { display: true, text: spec.yLabel, color: text },
          ticks: { color: text },
          grid: { color: grid },
        },
      },
      plugins: { legend: { labels: { color: text } } },
    },
  });
}

// VS Code marks the theme on <body> (vscode-light, vscode-dark, vscode-high-contrast) and sets its colours on <html>
new MutationObserver(() => {
  for (const d of drawn) {
    d.chart.destroy();
    d.chart = draw(d.canvas, d.spec);
  }
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

export function chartFigure(chart: CompareChart): HTMLElement {
  if (chart.emptyNote !== null) {
    return el(
      'figure',
      { class: 'figure' },
      el('h3', {}, chart.title),
      el('p', { class: 'muted' }, chart.description),
      el('p', { class: 'muted empty-note', role: 'note' }, chart.emptyNote),
    );
  }
  const canvas = el('canvas', {
    role: 'img',
    'aria-label':
      `${chart.title}: ` +
      `${chart.series.map((s) => `${s.label} ${s.values.map((v) => v.toFixed(3)).join(', ')}`).join('; ')}`,
  });
  drawn.push({ chart: draw(canvas, chart), canvas, spec: chart });
  const table = el(
    'table',
    { class: 'pairs' },
    el(
      'thead',
      {},
      el('tr', {}, el('th', { scope: 'col' }, ''), ...chart.series.map((s) => el('th', { scope: 'col' }, s.label))),
    ),
    el(
      'tbody',
      {},
      ...chart.labels.map((label, i) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, label),
          ...chart.series.map((s) => el('td', {}, s.values[i].toFixed(3))),
        ),
      ),
    ),
  );
  return el(
    'figure',
    { class: 'figure' },
    el('h3', {}, chart.title),
    el('p', { class: 'muted' }, chart.description),
    el('div', { class: 'chart' }, canvas),
    el('details', {}, el('summary', {}, 'Data'), table),
  );
}
