// Runs a built webview bundle (dist/webview/NAME.js) in happy-dom with a stand-in for the VS Code webview API.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Window } from 'happy-dom';

export function page(bundle: 'explain' | 'heads' | 'compare') {
  const window = new Window();
  const posted: unknown[] = [];
  // messages leave the page's realm as JSON, as they do through VS Code
  (window as unknown as { acquireVsCodeApi: unknown }).acquireVsCodeApi = () => ({
    postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m))),
  });
  window.document.write('<!DOCTYPE html><html><head></head><body><main id="root"></main></body></html>');
  window.eval(readFileSync(join(__dirname, '..', '..', 'dist', 'webview', `${bundle}.js`), 'utf8'));
  const send = (data: unknown) => window.dispatchEvent(new window.MessageEvent('message', { data }));
  return { window, document: window.document, posted, send };
}

export const shadeOf = (el: unknown) =>
  Number((el as { style: { getPropertyValue(n: string): string } }).style.getPropertyValue('--shade'));
