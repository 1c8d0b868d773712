// Shades, classes and labels of an explanation's token lists for the current interaction: used by the explain
// page and by each column of the compare page.
import type { ExplainView } from '../src/protocol';
import { formatNumber, setShade } from './dom';
import { promptShading, responseShading, type Interaction } from './explain/interaction';
import type { TokenList } from './tokenList';

export function paintTokens(view: ExplainView, interaction: Interaction, prompt: TokenList, response: TokenList): void {
  const shading = promptShading(view, interaction);
  prompt.element.classList.toggle('by-attribution', shading.mode === 'attribution');
  prompt.tokens.forEach((token, n) => {
    const t = view.promptTokens[n];
    const selected = interaction.selection.has(n);
    setShade(token, shading.shades[n]);
    token.classList.toggle('special', t.special);
    token.classList.toggle('instruction', t.instruction);
    token.classList.toggle('selected', selected);
    token.classList.toggle('focused', interaction.focus.kind === 'prompt' && interaction.focus.index === n);
    token.setAttribute('aria-selected', String(selected));
    const what =
      shading.mode === 'density'
        ? `density ${formatNumber(t.density, 2)}`
        : `attribution share ${Math.round(shading.shades[n] * 100)}%`;
    token.setAttribute(
      'aria-label',
      `${spoken(t)}${t.special ? ', special token' : `, ${what}`}${t.instruction ? ', instruction' : ''}`,
    );
    token.title = t.special ? 'special token (left out of density)' : what;
  });
  const driven = responseShading(view, interaction);
  response.element.classList.toggle('by-attribution', driven !== null);
  response.tokens.forEach((token, m) => {
    const t = view.responseTokens[m];
    const pinned = interaction.focus.kind === 'response' && interaction.focus.index === m;
    setShade(token, driven ? driven[m] : 0);
    token.classList.toggle('focused', pinned);
    token.setAttribute('aria-selected', String(pinned));
    token.setAttribute(
      'aria-label',
      `${spoken(t)}, probability ${formatNumber(t.probability, 2)}` +
        `${driven ? `, driven ${Math.round(driven[m] * 100)}% by the focused prompt token` : ''}`,
    );
    token.title = `p = ${formatNumber(t.probability, 3)}`;
  });
}

/** A token as a screen reader says it: its text, or that it continues the character before it. */
function spoken(t: { readonly text: string; readonly continuation: boolean }): string {
  return t.continuation ? 'continuation of the character before' : JSON.stringify(t.text);
}
