// The HTML page of every webview: one bundled script and one stylesheet from the extension's own folders,
// under a strict Content-Security-Policy. Nothing loads from the network; scripts run only with the page's
// nonce; styles come from our stylesheet, from constructable stylesheets (the toolkit's components) or from
// <style> elements carrying the nonce (the toolkit reads it from the csp-nonce meta tag). Pure (no vscode).
import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../methods/attribution/html';

export interface WebviewPage {
  /** webview.cspSource: the origin the webview serves the extension's files from. */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly title: string;
}

export function nonce(): string {
  return randomBytes(18).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonceValue: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonceValue}'`,
    `style-src ${cspSource} 'nonce-${nonceValue}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
  ].join('; ');
}

export function webviewHtml(page: WebviewPage, nonceValue = nonce()): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(page.cspSource, nonceValue))}">
<meta property="csp-nonce" content="${nonceValue}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(page.styleUri)}">
<title>${escapeHtml(page.title)}</title>
</head>
<body>
<main id="root" aria-busy="true"></main>
<script nonce="${nonceValue}" src="${escapeHtml(page.scriptUri)}"></script>
</body>
</html>`;
}
