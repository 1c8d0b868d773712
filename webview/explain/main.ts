// The explain panel's page: renders the ExplainView the host sends, shades tokens as the user points at
// them, and sends instruction edits and export requests back. It computes no score: after an edit the host
// sends a new view with the new instruction importance.
import { demonstratorNotice } from '../demonstratorNotice';
import type { ExplainPanelMessage, ExplainPanelUpdate, ExplainView } from '../../src/protocol';
import { el, fill, formatNumber } from '../dom';
import { connect } from '../host';
import { tokenList, type TokenList } from '../tokenList';
import { button, progressRing, setDisabled, tag } from '../toolkit';
import { paintTokens } from '../tokenPaint';
import {
  clearSelection,
  clickPrompt,
  clickResponse,
  fitToView,
  hoverResponse,
  initialInteraction,
  type Interaction,
} from './interaction';

const root = document.getElementById('root')!;
const post = connect<ExplainPanelUpdate, ExplainPanelMessage>(receive);

let view: ExplainView | undefined;
let interaction: Interaction = initialInteraction;
let parts:
  | {
      prompt: TokenList;
      response: TokenList;
      legend: HTMLElement;
      controls: Record<'mark' | 'unmark' | 'clear' | 'reset', HTMLElement>;
    }
  | undefined;

function receive(update: ExplainPanelUpdate): void {
  if (update.type === 'busy') return showBusy(update.message);
  root.setAttribute('aria-busy', 'false');
  if (update.type === 'failed') {
    view = undefined;
    fill(
      root,
      el(
        'section',
        { class: 'message error', role: 'alert' },
        el('p', {}, update.message),
        el('p', { class: 'hint' }, update.hint),
      ),
    );
    return;
  }
  const sameTokens =
    view !== undefined &&
    view.promptTokens.length === update.view.promptTokens.length &&
    view.modelPath === update.view.modelPath;
  view = update.view;
  interaction = sameTokens ? fitToView(interaction, view) : initialInteraction;
  render(view);
}

function showBusy(message: string): void {
  root.setAttribute('aria-busy', 'true');
  root.querySelector('.busy')?.remove();
  root.prepend(el('div', { class: 'busy', role: 'status' }, progressRing(), el('span', {}, message)));
}

type FocusPlace = { list: 'prompt' | 'response'; index: number } | { id: string } | null;

/** Which token or control had the keyboard focus, so a re-render (after an edit) can give it back. */
function focusedPlace(): FocusPlace {
  const active = document.activeElement as HTMLElement | null;
  if (!active || active === document.body) return null;
  const list = active.closest('.tokens.prompt') ? 'prompt' : active.closest('.tokens.response') ? 'response' : null;
  if (list && active.dataset.index !== undefined) return { list, index: Number(active.dataset.index) };
  return active.id ? { id: active.id } : null;
}

function restoreFocus(at: FocusPlace): void {
  if (!at || !parts) return;
  if ('id' in at) return document.getElementById(at.id)?.focus();
  const tokens = parts[at.list].tokens;
  if (!tokens[at.index]) return;
  for (const t of tokens) t.setAttribute('tabindex', '-1');
  tokens[at.index].setAttribute('tabindex', '0');
  tokens[at.index].focus();
}

function render(v: ExplainView): void {
  const hadFocus = focusedPlace();
  const prompt = tokenList({
    label: 'Prompt tokens, shaded by importance density. Enter selects a token; shift extends the selection.',
    multiselect: true,
    texts: v.promptTokens.map((t) => t.text),
    continuations: v.promptTokens.map((t) => t.continuation),
    className: 'prompt',
    onActivate: (n, shift) => update(clickPrompt(interaction, v, n, shift)),
  });
  const response = tokenList({
    label: 'Response tokens. Enter pins a token and shades the prompt by its attribution.',
    multiselect: false,
    texts: v.responseTokens.map((t) => t.text),
    continuations: v.responseTokens.map((t) => t.continuation),
    className: 'response',
    onActivate: (m) => update(clickResponse(interaction, m)),
    onHover: (m) => update(hoverResponse(interaction, m)),
    onFocusToken: (m) => update(hoverResponse(interaction, m)),
  });
  const controls = {
    mark: button('Mark as instruction', () => edit(true), {
      id: 'mark-instruction',
      title: 'Mark the selected prompt tokens as instruction',
    }),
    unmark: button('Unmark', () => edit(false), {
      secondary: true,
      id: 'unmark-instruction',
      title: 'Unmark the selected prompt tokens',
    }),
    clear: button('Clear selection', () => update(clearSelection(interaction)), {
      secondary: true,
      id: 'clear-selection',
    }),
    reset: button('Reset instruction', () => post({ type: 'resetInstruction' }), {
      secondary: true,
      id: 'reset-instruction',
      title: 'Back to the instruction the explanation was computed with',
    }),
  };
  const legend = el('p', { class: 'legend', 'aria-live': 'polite' });
  parts = { prompt, response, legend, controls };

  const spans = v.instructionSpans.map((s) => el('q', {}, s.text));
  const source = v.edited
    ? 'chosen by you'
    : v.instructionSpans.some((s) => s.source === 'user')
      ? 'given'
      : 'detected';
  fill(
    root,
    demonstratorNotice(v.demonstrator, () => post({ type: 'addModel' })),
    el(
      'header',
      {},
      el('h1', {}, v.modelName),
      el(
        'p',
        { class: 'muted' },
        `${v.architecture}, ${(v.parameters / 1e6).toFixed(2)}M parameters, chat template ` +
          `${v.chat ? 'on' : 'off'}${v.responseGiven ? ', given response' : ''}`,
      ),
    ),
    el(
      'section',
      { class: 'score', 'aria-live': 'polite', id: 'score' },
      el('span', { class: 'score-label' }, 'Instruction importance '),
      el('strong', { class: 'score-value', id: 'instruction-importance' }, formatNumber(v.instructionImportance)),
      el(
        'span',
        { class: 'muted' },
        ` over ${v.instructionTokens} instruction token${v.instructionTokens === 1 ? '' : 's'} (${source})`,
      ),
      v.edited ? tag('edited') : null,
    ),
    spans.length > 0
      ? el('p', { class: 'spans' }, 'Instruction: ', ...spans.flatMap((s, i) => (i > 0 ? [' · ', s] : [s])))
      : el('p', { class: 'spans muted' }, 'No instruction marked.'),
    el(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Instruction and export' },
      controls.mark,
      controls.unmark,
      controls.clear,
      controls.reset,
      el('span', { class: 'spacer' }),
      button('Export JSON', () => post({ type: 'export', format: 'json' }), { secondary: true, id: 'export-json' }),
      button('Export HTML', () => post({ type: 'export', format: 'html' }), { secondary: true, id: 'export-html' }),
    ),
    el('h2', {}, 'Prompt'),
    legend,
    prompt.element,
    el('h2', {}, 'Response'),
    response.element,
    el(
      'p',
      { class: 'muted hint' },
      'Hover or click a response token to see its attribution over the prompt; click prompt tokens to ' +
        'select them (shift-click for a range) and to see which response tokens they drove.',
    ),
    el(
      'footer',
      { class: 'muted' },
      `load ${v.seconds.load.toFixed(2)} s · generation ${v.seconds.generation.toFixed(2)} s · ` +
        `attribution ${v.seconds.attribution.toFixed(2)} s`,
    ),
  );
  paint();
  restoreFocus(hadFocus);
}

function update(next: Interaction): void {
  interaction = next;
  paint();
}

function edit(instruction: boolean): void {
  if (interaction.selection.size === 0) return;
  post({ type: 'setInstruction', tokens: [...interaction.selection], instruction });
  interaction = clearSelection(interaction);
  paint();
}

/** Updates shades, classes and labels to the current interaction (no re-render). */
function paint(): void {
  if (!view || !parts) return;
  const v = view;
  paintTokens(v, interaction, parts.prompt, parts.response);
  const focus = interaction.focus;
  parts.legend.textContent =
    focus.kind === 'response'
      ? `Shading: attribution of response token ${JSON.stringify(v.responseTokens[focus.index].text)}` +
        `${focus.pinned ? ' (pinned; click it again to unpin)' : ''}.`
      : focus.kind === 'prompt'
        ? `Shading: importance density. The response is shaded by what ` +
          `${JSON.stringify(v.promptTokens[focus.index].text)} drove.`
        : 'Shading: importance density (darker = more important); instruction tokens are outlined.';
  const none = interaction.selection.size === 0;
  setDisabled(parts.controls.mark, none);
  setDisabled(parts.controls.unmark, none);
  setDisabled(parts.controls.clear, none);
  setDisabled(parts.controls.reset, !v.edited);
}
