// One explanation, read-only, as a compare column: the prompt shaded by importance density (instruction
// outlined), the response; hovering or clicking a response token shades the prompt by its attribution,
// clicking a prompt token shades the response by what it drove.
import type { ExplainView } from '../src/protocol';
import { el, formatNumber } from './dom';
import { clickPrompt, clickResponse, hoverResponse, initialInteraction, type Interaction } from './explain/interaction';
import { paintTokens } from './tokenPaint';
import { tokenList } from './tokenList';

export function explanationColumn(view: ExplainView, heading: string): HTMLElement {
  let interaction: Interaction = initialInteraction;
  const update = (next: Interaction) => {
    // a column selects nothing: a prompt click only focuses the token
    interaction = { ...next, selection: new Set() };
    paint();
  };
  const prompt = tokenList({
    label: `${heading}: prompt tokens, shaded by importance density`,
    multiselect: false,
    texts: view.promptTokens.map((t) => t.text),
    continuations: view.promptTokens.map((t) => t.continuation),
    className: 'prompt',
    onActivate: (n) => update(clickPrompt(interaction, view, n, false)),
  });
  const response = tokenList({
    label: `${heading}: response tokens`,
    multiselect: false,
    texts: view.responseTokens.map((t) => t.text),
    continuations: view.responseTokens.map((t) => t.continuation),
    className: 'response',
    onActivate: (m) => update(clickResponse(interaction, m)),
    onHover: (m) => update(hoverResponse(interaction, m)),
  });
  const paint = () => paintTokens(view, interaction, prompt, response);
  paint();
  return el(
    'section',
    { class: 'column', 'aria-label': heading },
    el('h2', {}, heading),
    el(
      'p',
      { class: 'score' },
      'Instruction importance ',
      el('strong', { class: 'score-value' }, formatNumber(view.instructionImportance)),
      el('span', { class: 'muted' }, ` over ${view.instructionTokens} tokens`),
    ),
    el('h3', {}, 'Prompt'),
    prompt.element,
    el('h3', {}, 'Response'),
    response.element,
  );
}
