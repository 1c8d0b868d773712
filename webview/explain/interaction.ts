// What the user is pointing at in the explain panel, and which shading follows from it. Pure (no DOM):
// tested in test/webview/interaction.test.ts. The shades themselves come from the host (ExplainView); this
// only picks which of them to show.
import type { ExplainView } from '../../src/protocol';

export type Focus =
  | { readonly kind: 'none' }
  /** A response token: the prompt is shaded by its attribution. Hover shows; click pins. */
  | { readonly kind: 'response'; readonly index: number; readonly pinned: boolean }
  /** A prompt token: the response is shaded by what this token drove. */
  | { readonly kind: 'prompt'; readonly index: number };

export interface Interaction {
  readonly focus: Focus;
  /** Prompt tokens selected for marking as instruction. */
  readonly selection: ReadonlySet<number>;
  /** Where a shift-click range starts. */
  readonly anchor: number | null;
}

export const initialInteraction: Interaction = { focus: { kind: 'none' }, selection: new Set(), anchor: null };

/**
 * Click (or Space) on a prompt token: toggles it in the selection; with shift, selects the range from the anchor.
 * Special tokens are never selected.
 */
export function clickPrompt(state: Interaction, view: ExplainView, index: number, shift: boolean): Interaction {
  const selection = new Set(state.selection);
  if (shift && state.anchor !== null) {
    const [from, to] = state.anchor <= index ? [state.anchor, index] : [index, state.anchor];
    for (let n = from; n <= to; n++) if (!view.promptTokens[n].special) selection.add(n);
  } else if (!view.promptTokens[index].special) {
    if (selection.has(index)) selection.delete(index);
    else selection.add(index);
  }
  return { focus: { kind: 'prompt', index }, selection, anchor: shift && state.anchor !== null ? state.anchor : index };
}

/** Click (or Enter) on a response token pins it; on the pinned one, unpins it. */
export function clickResponse(state: Interaction, index: number): Interaction {
  const pinned = state.focus.kind === 'response' && state.focus.pinned && state.focus.index === index;
  return { ...state, focus: pinned ? { kind: 'none' } : { kind: 'response', index, pinned: true } };
}

/** Hover over a response token (null: the pointer left); a pinned token stays until unpinned. */
export function hoverResponse(state: Interaction, index: number | null): Interaction {
  if (state.focus.kind === 'response' && state.focus.pinned) return state;
  if (index === null) return state.focus.kind === 'response' ? { ...state, focus: { kind: 'none' } } : state;
  return { ...state, focus: { kind: 'response', index, pinned: false } };
}

export function clearSelection(state: Interaction): Interaction {
  return { ...state, selection: new Set(), anchor: null };
}

/** After the host sends a new view: keep what still fits it. */
export function fitToView(state: Interaction, view: ExplainView): Interaction {
  const N = view.promptTokens.length;
  const M = view.responseTokens.length;
  const focus =
    (state.focus.kind === 'response' && state.focus.index >= M) ||
    (state.focus.kind === 'prompt' && state.focus.index >= N)
      ? { kind: 'none' as const }
      : state.focus;
  return {
    focus,
    selection: new Set([...state.selection].filter((n) => n < N)),
    anchor: state.anchor !== null && state.anchor < N ? state.anchor : null,
  };
}

export interface PromptShading {
  readonly mode: 'density' | 'attribution';
  readonly shades: readonly number[];
}

export function promptShading(view: ExplainView, state: Interaction): PromptShading {
  if (state.focus.kind === 'response') return { mode: 'attribution', shades: view.byResponse[state.focus.index] };
  return { mode: 'density', shades: view.promptTokens.map((t) => t.shade) };
}

/** Shades of the response tokens: what the focused prompt token drove; null when none is focused. */
export function responseShading(view: ExplainView, state: Interaction): readonly number[] | null {
  return state.focus.kind === 'prompt' ? view.byPrompt[state.focus.index] : null;
}

/** Keyboard movement in a token list: arrows, Home and End. */
export function moveIndex(index: number, key: string, length: number): number {
  if (length === 0) return 0;
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowUp':
      return Math.max(0, index - 1);
    case 'ArrowRight':
    case 'ArrowDown':
      return Math.min(length - 1, index + 1);
    case 'Home':
      return 0;
    case 'End':
      return length - 1;
    default:
      return index;
  }
}
