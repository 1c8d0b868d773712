// The webview pages in a real browser (Chromium through playwright-core) under the exact page and
// Content-Security-Policy the extension serves: no CSP violation and no script error while each page renders
// what the host sends; the toolkit's components upgrade; the compare page draws its charts. Screenshots go to
// test-artifacts/webview/. Skipped where Chromium or playwright-core is missing (the e2e setup installs both).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { explainView } from '../../src/ui/viewModel/explainView';
import { compareView } from '../../src/ui/viewModel/compareView';
import { webviewHtml } from '../../src/ui/webviewHtml';
import { fixture } from '../ui/explainFixture';

const ROOT = join(__dirname, '..', '..');
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'webview');
const playwright = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('playwright-core') as typeof import('playwright-core');
  } catch {
    return undefined;
  }
})();
const skip = !playwright
  ? 'playwright-core is not installed'
  : !existsSync(CHROMIUM)
    ? `no Chromium at ${CHROMIUM} (npm run test:e2e installs it; or set E2E_CHROMIUM)`
    : false;

// a few of VS Code's theme variables, as a webview gets them (dark and light)
const THEMES = {
  dark: [
    '--vscode-foreground:#cccccc;--vscode-editor-background:#1f1f1f;',
    '--vscode-descriptionForeground:#9d9d9d;--vscode-charts-orange:#d18616;',
    '--vscode-charts-blue:#3794ff;--vscode-charts-purple:#b180d7;--vscode-charts-green:#89d185;',
    '--vscode-charts-red:#f14c4c;--vscode-focusBorder:#0078d4;--vscode-panel-border:#2b2b2b;',
    '--vscode-font-family:sans-serif;--vscode-font-size:13px;',
    '--vscode-editor-font-family:monospace;--vscode-editor-font-size:13px;',
    '--vscode-button-background:#0078d4;--vscode-button-foreground:#fff',
  ].join(''),
  light: [
    '--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;',
    '--vscode-descriptionForeground:#717171;--vscode-charts-orange:#d18616;',
    '--vscode-charts-blue:#1a85ff;--vscode-charts-purple:#652d90;--vscode-charts-green:#388a34;',
    '--vscode-charts-red:#e51400;--vscode-focusBorder:#005fb8;--vscode-panel-border:#e5e5e5;',
    '--vscode-font-family:sans-serif;--vscode-font-size:13px;',
    '--vscode-editor-font-family:monospace;--vscode-editor-font-size:13px;',
    '--vscode-button-background:#005fb8;--vscode-button-foreground:#fff',
  ].join(''),
};

let server: Server;
let origin = '';

before(() => {
  if (skip) return;
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const file =
      url.pathname.startsWith('/dist/webview/') || url.pathname.startsWith('/media/') ? join(ROOT, url.pathname) : null;
    if (url.pathname.startsWith('/page/')) {
      const [, , bundle, theme] = url.pathname.split('/');
      const html = webviewHtml({
        cspSource: origin,
        scriptUri: `${origin}/dist/webview/${bundle}.js`,
        styleUri: `${origin}/media/lens.css`,
        title: bundle,
      });
      res.setHeader('content-type', 'text/html');
      // the theme's variables: VS Code puts them on <html style=...>; here as a stylesheet from the allowed origin
      return res.end(html.replace('</head>', `<link rel="stylesheet" href="${origin}/theme/${theme}.css"></head>`));
    }
    if (url.pathname.startsWith('/theme/')) {
      res.setHeader('content-type', 'text/css');
      return res.end(`html{${THEMES[url.pathname.includes('light') ? 'light' : 'dark']}}`);
    }
    if (url.pathname === '/favicon.ico') return res.writeHead(204).end(); // the browser asks; a webview does not
    if (!file || !existsSync(file)) return res.writeHead(404).end();
    res.setHeader(
      'content-type',
      file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'image/svg+xml',
    );
    res.end(readFileSync(file));
  });
  return new Promise<void>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve();
    }),
  );
});

after(() => server?.close());

async function open(bundle: string, theme: 'dark' | 'light', messages: unknown[]) {
  const browser = await playwright!.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  // the VS Code API stand-in and a CSP violation log, injected before the page's own script (not subject to
  // its CSP); as source text, since tsx would add helpers to a function that the page does not have
  await page.addInitScript({
    content: `window.posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.posted.push(m) });
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
  await page.goto(`${origin}/page/${bundle}/${theme}`);
  await page.waitForFunction('window.posted.length > 0');
  for (const m of messages) await page.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`);
  await page.waitForTimeout(300);
  return { browser, page, problems };
}

const view = explainView(fixture(), 'wordnet-tuned', false);

for (const theme of ['dark', 'light'] as const) {
  test(`explain page under its CSP (${theme})`, { skip }, async () => {
    const { browser, page, problems } = await open('explain', theme, [{ type: 'explanation', view }]);
    try {
      assert.equal(await page.locator('.tokens.prompt .token').count(), view.promptTokens.length);
      // the toolkit's button upgraded (it has a shadow root with a real <button>)
      assert.equal(
        await page.locator('#export-json').evaluate((b) => b.shadowRoot?.querySelector('button') !== null),
        true,
      );
      await page.locator('.tokens.response .token').nth(1).hover();
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `explain-${theme}.png`), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
}

test('heads and compare pages under their CSP (dark)', { skip }, async () => {
  const grid = {
    modelName: 'wordnet-tuned',
    layers: 4,
    heads: 4,
    cells: Array.from({ length: 16 }, (_, i) => ({
      layer: i >> 2,
      head: i & 3,
      verbShare: (i % 5) / 10,
      instructionAttention: (i % 3) / 3,
    })),
    promptExcerpt: 'Spell the word apple.',
  };
  const heads = await open('heads', 'dark', [
    { type: 'grid', view: grid },
    {
      type: 'head',
      view: {
        layer: 1,
        head: 2,
        pairs: [
          { query: 'write', key: 'poem', instructionVerb: true },
          { query: 'cat', key: 'dog', instructionVerb: false },
        ],
        totalPairs: 2,
        attention: {
          tokens: ['<s>', 'Spell', ' apple', 'a'],
          promptLength: 3,
          rows: [
            [1, 0, 0, 0],
            [0.5, 0.5, 0, 0],
            [0.2, 0.3, 0.5, 0],
            [0.1, 0.2, 0.3, 0.4],
          ],
        },
      },
    },
  ]);
  try {
    assert.equal(await heads.page.locator('table.heatmap >> nth=0').locator('td[role="gridcell"]').count(), 16);
    await heads.page.screenshot({ path: join(ARTIFACTS, 'heads-dark.png'), fullPage: true });
    assert.deepEqual(heads.problems, []);
  } finally {
    await heads.browser.close();
  }
  const side = (seed: number) => ({ name: seed === 1 ? 'wordnet-base' : 'wordnet-tuned', explanation: fixture(seed) });
  const global = {
    layers: [0, 1, 2, 3].map((layer) => ({
      layer,
      instruction_verb_share: { base: 0.02 * (layer + 1), tuned: 0.05 * (layer + 1) },
      general_verb_share: { base: 0.1, tuned: 0.09 },
      mean_principal_angle_deg: 20 + 5 * layer,
    })),
    overall: { categories: { base: { food: 2, tasks: 1 }, tuned: { food: 1, tasks: 3 } } },
  };
  const compare = await open('compare', 'dark', [
    { type: 'compare', view: compareView(side(1), side(2), global, false) },
  ]);
  try {
    // Chart.js drew into each canvas (some pixel is not transparent)
    const drawn = await compare.page.locator('figure canvas').evaluateAll((canvases) =>
      canvases.map((c) => {
        const ctx = (c as HTMLCanvasElement).getContext('2d')!;
        const { data } = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
        return data.some((v, i) => i % 4 === 3 && v > 0);
      }),
    );
    assert.deepEqual(drawn, [true, true, true, true]);
    await compare.page.screenshot({ path: join(ARTIFACTS, 'compare-dark.png'), fullPage: true });
    // a theme change (VS Code swaps <body>'s theme class and the colour variables) redraws the charts in the new
    // colours
    const legendColour = () =>
      compare.page.locator('figure canvas >> nth=0').evaluate((c) => {
        const canvas = c as HTMLCanvasElement;
        // the x-axis labels
        const { data } = canvas.getContext('2d')!.getImageData(0, canvas.height - 8, canvas.width, 8);
        let darkest = 255 * 3;
        for (let i = 0; i < data.length; i += 4)
          if (data[i + 3] > 200) darkest = Math.min(darkest, data[i] + data[i + 1] + data[i + 2]);
        return darkest;
      });
    const before = await legendColour();
    // as VS Code does it: CSSOM (a style attribute would be refused by the CSP)
    const vars = THEMES.light.split(';').map((d) => d.split(':'));
    await compare.page.evaluate(
      `for (const [k, v] of ${JSON.stringify(vars)}) document.documentElement.style.setProperty(k, ` +
        `v); document.body.className = 'vscode-light'`,
    );
    await compare.page.waitForTimeout(300);
    const after = await legendColour();
    assert.ok(after < before, `labels drawn darker for the light theme (${before} -> ${after})`);
    await compare.page.screenshot({ path: join(ARTIFACTS, 'compare-light.png'), fullPage: true });
    assert.deepEqual(compare.problems, []);
  } finally {
    await compare.browser.close();
  }
});
