// A heatmap as an ARIA grid: a table whose cells are shaded by --shade and labelled for screen readers, one
// tab stop (roving tabindex) moved by gridMove's keys; Enter or Space activates a cell.
import { el, setShade } from './dom';
import { gridMove, type Cell } from './gridNavigation';

export interface HeatmapOptions {
  readonly label: string;
  readonly className: string;
  readonly rowLabels: readonly string[];
  readonly columnLabels: readonly string[];
  /** rows x columns; null cells are drawn empty */
  readonly values: readonly (readonly (number | null)[])[];
  readonly cellLabel: (row: number, column: number) => string;
  /** Shown in the cell (short), or nothing. */
  readonly cellText?: (row: number, column: number) => string;
  readonly onActivate?: (cell: Cell) => void;
  /** Extra element at the end of each row (e.g. a button). */
  readonly rowEnd?: (row: number) => HTMLElement;
  readonly selected?: Cell | null;
  readonly columnHeaderClass?: string;
}

export function heatmap(o: HeatmapOptions): HTMLTableElement {
  const rows = o.rowLabels.length;
  const columns = o.columnLabels.length;
  const cells: HTMLTableCellElement[][] = [];
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col' }, ''),
    ...o.columnLabels.map((c) => el('th', { scope: 'col', class: o.columnHeaderClass }, c)),
  );
  const body = o.rowLabels.map((label, r) => {
    const row: HTMLTableCellElement[] = [];
    for (let c = 0; c < columns; c++) {
      const v = o.values[r][c];
      const td = el(
        'td',
        {
          role: 'gridcell',
          tabindex: '-1',
          'aria-label': o.cellLabel(r, c),
          'data-row': String(r),
          'data-column': String(c),
          class: v === null ? 'empty' : undefined,
        },
        o.cellText?.(r, c) ?? '',
      );
      setShade(td, v ?? 0);
      if (o.selected && o.selected.row === r && o.selected.column === c) {
        td.classList.add('selected');
        td.setAttribute('aria-selected', 'true');
      }
      td.addEventListener('click', () => o.onActivate?.({ row: r, column: c }));
      row.push(td);
    }
    cells.push(row);
    return el(
      'tr',
      {},
      el('th', { scope: 'row' }, label),
      ...row,
      o.rowEnd ? el('td', { class: 'row-end' }, o.rowEnd(r)) : null,
    );
  });
  const start = o.selected ?? { row: 0, column: 0 };
  if (rows > 0 && columns > 0) cells[start.row][start.column].tabIndex = 0;
  const table = el(
    'table',
    { role: 'grid', 'aria-label': o.label, class: `heatmap ${o.className}` },
    el('thead', {}, head),
    el('tbody', {}, ...body),
  );
  table.addEventListener('keydown', (e) => {
    const td = (e.target as HTMLElement).closest('td[role="gridcell"]') as HTMLTableCellElement | null;
    if (!td) return;
    const at = { row: Number(td.dataset.row), column: Number(td.dataset.column) };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      o.onActivate?.(at);
      return;
    }
    const next = gridMove(at, e.key, e.ctrlKey || e.metaKey, rows, columns);
    if (next.row === at.row && next.column === at.column) return;
    e.preventDefault();
    td.tabIndex = -1;
    const target = cells[next.row][next.column];
    target.tabIndex = 0;
    target.focus();
  });
  return table;
}
