// A row of tokens as an ARIA listbox: one tab stop (roving tabindex), arrows/Home/End move, Enter or Space
// activates. Used for the explain panel's prompt and response.
import { el } from './dom';
import { moveIndex } from './explain/interaction';

export interface TokenListOptions {
  readonly label: string;
  readonly multiselect: boolean;
  readonly texts: readonly string[];
  /** Per token: it only continues the character shown by the token before it (its text is empty). */
  readonly continuations?: readonly boolean[];
  readonly className: string;
  readonly onActivate: (index: number, shift: boolean) => void;
  readonly onHover?: (index: number | null) => void;
  readonly onFocusToken?: (index: number) => void;
}

export interface TokenList {
  readonly element: HTMLElement;
  readonly tokens: readonly HTMLElement[];
}

export function tokenList(o: TokenListOptions): TokenList {
  const list = el('div', {
    role: 'listbox',
    'aria-label': o.label,
    'aria-multiselectable': o.multiselect ? 'true' : undefined,
    class: `tokens ${o.className}`,
  });
  const tokens = o.texts.map((text, i) => {
    const continuation = o.continuations?.[i] === true;
    const token = el(
      'span',
      {
        role: 'option',
        class: continuation ? 'token continuation' : 'token',
        tabindex: i === 0 ? '0' : '-1',
        'data-index': String(i),
        'aria-label': continuation ? 'continues the character before' : undefined,
      },
      text,
    );
    token.addEventListener('click', (e) => o.onActivate(i, e.shiftKey));
    if (o.onHover) {
      token.addEventListener('mouseenter', () => o.onHover?.(i));
      token.addEventListener('mouseleave', () => o.onHover?.(null));
    }
    token.addEventListener('focus', () => o.onFocusToken?.(i));
    return token;
  });
  list.append(...tokens);
  list.addEventListener('keydown', (e) => {
    const current = tokens.findIndex((t) => t === document.activeElement);
    if (current < 0) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      o.onActivate(current, e.shiftKey);
      return;
    }
    const next = moveIndex(current, e.key, tokens.length);
    if (next !== current) {
      e.preventDefault();
      tokens[current].setAttribute('tabindex', '-1');
      tokens[next].setAttribute('tabindex', '0');
      tokens[next].focus();
    }
  });
  return { element: list, tokens };
}
