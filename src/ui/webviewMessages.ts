// Checks what a webview sends before the host acts on it. A webview's script is ours, but what runs in it
// renders model output and user text, so its messages are untrusted input: each must be exactly one of the
// protocol's shapes (no extra fields), with indices inside what the view was sent. Anything else is dropped.
// Pure (no vscode): tested in test/ui/webviewMessages.test.ts.
import type { ComparePanelMessage, ExplainPanelMessage, HeadsViewMessage } from '../protocol';

type Fields = Record<string, unknown>;

function record(raw: unknown, type: string, keys: readonly string[]): Fields | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const fields = raw as Fields;
  const present = Object.keys(fields);
  if (fields.type !== type || present.length !== keys.length + 1) return null;
  return keys.every((k) => Object.hasOwn(fields, k)) ? fields : null;
}

const typeOf = (raw: unknown): unknown => (typeof raw === 'object' && raw !== null ? (raw as Fields).type : undefined);

const index = (v: unknown, size: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < size;

const format = (v: unknown): v is 'json' | 'html' => v === 'json' || v === 'html';

/** `promptLength`: how many prompt tokens the panel shows now (token indices must be below it). */
export function parseExplainPanelMessage(raw: unknown, promptLength: number): ExplainPanelMessage | null {
  switch (typeOf(raw)) {
    case 'ready':
      return record(raw, 'ready', []) && { type: 'ready' };
    case 'resetInstruction':
      return record(raw, 'resetInstruction', []) && { type: 'resetInstruction' };
    case 'addModel':
      return record(raw, 'addModel', []) && { type: 'addModel' };
    case 'export': {
      const m = record(raw, 'export', ['format']);
      return m && format(m.format) ? { type: 'export', format: m.format } : null;
    }
    case 'setInstruction': {
      const m = record(raw, 'setInstruction', ['tokens', 'instruction']);
      if (!m || typeof m.instruction !== 'boolean' || !Array.isArray(m.tokens)) return null;
      const tokens: unknown[] = m.tokens;
      if (tokens.length === 0 || tokens.length > promptLength || !tokens.every((t) => index(t, promptLength)))
        return null;
      return { type: 'setInstruction', tokens: [...new Set(tokens as number[])], instruction: m.instruction };
    }
    default:
      return null;
  }
}

/** `grid`: the layers and heads of the grid the view shows now, or null while it shows none. */
export function parseHeadsViewMessage(
  raw: unknown,
  grid: { layers: number; heads: number } | null,
): HeadsViewMessage | null {
  switch (typeOf(raw)) {
    case 'ready':
      return record(raw, 'ready', []) && { type: 'ready' };
    case 'load':
      return record(raw, 'load', []) && { type: 'load' };
    case 'addModel':
      return record(raw, 'addModel', []) && { type: 'addModel' };
    case 'selectHead': {
      const m = record(raw, 'selectHead', ['layer', 'head']);
      return m && grid && index(m.layer, grid.layers) && index(m.head, grid.heads)
        ? { type: 'selectHead', layer: m.layer, head: m.head }
        : null;
    }
    case 'showConcepts':
    case 'nameConcepts': {
      const type = (raw as Fields).type as 'showConcepts' | 'nameConcepts';
      const m = record(raw, type, ['layer']);
      return m && grid && index(m.layer, grid.layers) ? { type, layer: m.layer } : null;
    }
    default:
      return null;
  }
}

export function parseComparePanelMessage(raw: unknown): ComparePanelMessage | null {
  switch (typeOf(raw)) {
    case 'ready':
      return record(raw, 'ready', []) && { type: 'ready' };
    case 'addModel':
      return record(raw, 'addModel', []) && { type: 'addModel' };
    case 'export': {
      const m = record(raw, 'export', ['format']);
      return m && format(m.format) ? { type: 'export', format: m.format } : null;
    }
    default:
      return null;
  }
}
