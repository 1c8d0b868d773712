// A small element builder. Text goes in as text nodes (never as HTML): model output and prompts are
// arbitrary text.

type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/** Sets the 0..1 value the stylesheet shades an element by (CSSOM, allowed under the CSP). */
export function setShade(element: HTMLElement, shade: number): void {
  element.style.setProperty('--shade', String(Math.max(0, Math.min(1, shade))));
}

export function formatNumber(x: number | null, digits = 3): string {
  if (x === null || !Number.isFinite(x)) return '–';
  return Math.abs(x) >= 1000 || (x !== 0 && Math.abs(x) < 0.001) ? x.toExponential(2) : x.toFixed(digits);
}
