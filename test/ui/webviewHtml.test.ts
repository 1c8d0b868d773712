// The webview page's Content-Security-Policy: nothing from the network, scripts only with the nonce.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, nonce, webviewHtml } from '../../src/ui/webviewHtml';

test('strict CSP with a fresh nonce on the one script', () => {
  const n = nonce();
  assert.match(n, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(nonce(), n);
  const csp = contentSecurityPolicy('https://x.vscode-cdn.net', n);
  assert.match(csp, /^default-src 'none';/);
  assert.match(csp, new RegExp(`script-src 'nonce-${n}'(;|$)`));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https:(?!\/\/x)|\*/);
  const html = webviewHtml(
    { cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x/a.js', styleUri: 'https://x/a.css', title: 'T <b>' },
    n,
  );
  assert.equal(html.match(/<script/g)!.length, 1);
  assert.match(html, new RegExp(`<script nonce="${n}" src="https://x/a.js">`));
  assert.match(html, new RegExp(`<meta property="csp-nonce" content="${n}">`));
  assert.match(html, /<title>T &lt;b&gt;<\/title>/);
});
