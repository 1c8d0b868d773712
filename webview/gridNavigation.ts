// Keyboard movement in a rows x columns heatmap (ARIA grid pattern): arrows by one cell, Home/End to the row's
// ends, Ctrl+Home/End to the grid's corners, PageUp/PageDown to the first/last row. Pure.

export interface Cell {
  readonly row: number;
  readonly column: number;
}

export function gridMove(at: Cell, key: string, ctrl: boolean, rows: number, columns: number): Cell {
  const clamp = (row: number, column: number): Cell => ({
    row: Math.max(0, Math.min(rows - 1, row)),
    column: Math.max(0, Math.min(columns - 1, column)),
  });
  switch (key) {
    case 'ArrowUp':
      return clamp(at.row - 1, at.column);
    case 'ArrowDown':
      return clamp(at.row + 1, at.column);
    case 'ArrowLeft':
      return clamp(at.row, at.column - 1);
    case 'ArrowRight':
      return clamp(at.row, at.column + 1);
    case 'Home':
      return ctrl ? clamp(0, 0) : clamp(at.row, 0);
    case 'End':
      return ctrl ? clamp(rows - 1, columns - 1) : clamp(at.row, columns - 1);
    case 'PageUp':
      return clamp(0, at.column);
    case 'PageDown':
      return clamp(rows - 1, at.column);
    default:
      return at;
  }
}
