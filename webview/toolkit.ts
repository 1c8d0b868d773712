// The one module that knows the webview UI toolkit (@vscode/webview-ui-toolkit). The toolkit is no longer
// maintained upstream: everything else builds controls through these functions, so replacing it means
// rewriting this file only. Components take VS Code's theme colours by themselves (light, dark, high contrast).
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDivider,
  vsCodeProgressRing,
  vsCodeRadio,
  vsCodeRadioGroup,
  vsCodeTag,
} from '@vscode/webview-ui-toolkit';

provideVSCodeDesignSystem().register(
  vsCodeButton(),
  vsCodeDivider(),
  vsCodeProgressRing(),
  vsCodeRadio(),
  vsCodeRadioGroup(),
  vsCodeTag(),
);

export interface ButtonOptions {
  readonly secondary?: boolean;
  readonly ariaLabel?: string;
  readonly title?: string;
  readonly disabled?: boolean;
  readonly id?: string;
}

export function button(label: string, onClick: () => void, options: ButtonOptions = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (options.secondary) b.setAttribute('appearance', 'secondary');
  if (options.ariaLabel) b.setAttribute('aria-label', options.ariaLabel);
  if (options.title) b.title = options.title;
  if (options.id) b.id = options.id;
  setDisabled(b, options.disabled ?? false);
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

export function setDisabled(control: HTMLElement, disabled: boolean): void {
  if (disabled) control.setAttribute('disabled', '');
  else control.removeAttribute('disabled');
}

export function progressRing(): HTMLElement {
  return document.createElement('vscode-progress-ring');
}

export function divider(): HTMLElement {
  return document.createElement('vscode-divider');
}

export function tag(text: string): HTMLElement {
  const t = document.createElement('vscode-tag');
  t.textContent = text;
  return t;
}

/** A horizontal radio group; `onChange` gets the chosen option's value. */
export function radioGroup(
  label: string,
  options: readonly { value: string; label: string }[],
  selected: string,
  onChange: (value: string) => void,
): HTMLElement {
  const group = document.createElement('vscode-radio-group');
  const caption = document.createElement('label');
  caption.slot = 'label';
  caption.textContent = label;
  group.append(caption);
  for (const o of options) {
    const radio = document.createElement('vscode-radio');
    radio.setAttribute('value', o.value);
    radio.textContent = o.label;
    if (o.value === selected) radio.setAttribute('checked', '');
    group.append(radio);
  }
  // the group also fires 'change' while it sets up its initial value: report real changes only
  let current = selected;
  group.addEventListener('change', () => {
    const value = (group as HTMLElement & { value?: string }).value;
    if (!value || value === current) return;
    current = value;
    onChange(value);
  });
  return group;
}
