// Playwright helpers for driving VS Code's workbench in code-server: the command palette (retried: an
// extension's command shows up some seconds after the workbench), Quick Open, the editor, the Output
// panel, webviews (two nested iframes), the colour theme.
import type { FrameLocator, Page } from 'playwright-core';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` returns a value other than undefined, polling; throws with `what` after timeoutMs. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function openWorkbench(page: Page, url: string, folder: string): Promise<void> {
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // the status bar is among the last parts to render; the extension host starts after it
  await page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: 60_000 });
}

const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** The quick-input row whose label is exactly `label` (not merely containing it). */
function quickInputRow(page: Page, label: string) {
  return page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exactly(label) }) })
    .first();
}

/**
 * Picks the row labelled `label` from a quick-input list opened by `open` (F1, Ctrl+P, ...) with `typed` in
 * its box; retried, since a new extension's commands show up a few seconds after the workbench.
 */
async function pickFromQuickInput(
  page: Page,
  open: () => Promise<void>,
  typed: string,
  label: string,
  attempts: number,
  thenOpensPicker = false,
): Promise<void> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    await open();
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(typed);
    const row = quickInputRow(page, label);
    try {
      await row.waitFor({ timeout: 2000 });
      await row.click();
      if (!thenOpensPicker) await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 });
      return;
    } catch {
      await page.keyboard.press('Escape');
      await sleep(1000);
    }
  }
  throw new Error(`"${label}" did not show up in the quick input after ${attempts} attempts (typed "${typed}")`);
}

/** Clicks the first row of the open quick input that contains `text` (a label or a description). */
export async function chooseInQuickInput(page: Page, text: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
}

/**
 * A row of the open quick pick: its label (without codicons), description and detail, and whether its label carries a
 * check mark.
 */
export interface QuickPickRow {
  readonly label: string;
  readonly description: string;
  readonly detail: string;
  readonly checked: boolean;
}

/** The rows of the quick pick titled `title` (waits for it to open and list something). */
export async function quickPickRows(page: Page, title: string): Promise<QuickPickRow[]> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ timeout: 10_000 });
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 10_000 });
  return page.locator('.quick-input-list .monaco-list-row').evaluateAll((rows) =>
    rows.map((row) => {
      // a row is a label line (name, description) and, below it, a detail line
      const line = row.querySelector('.quick-input-list-row');
      const name = line?.querySelector('.label-name');
      return {
        label: (name?.textContent ?? '').trim(),
        description: (line?.querySelector('.label-description')?.textContent ?? '').trim(),
        detail: (row.querySelector('.quick-input-list-label-meta .label-name')?.textContent ?? '').trim(),
        checked: name?.querySelector('.codicon-check') != null,
      };
    }),
  );
}

/** Clicks the quick-pick row whose label (codicons aside) is exactly `label`. */
export async function chooseQuickPickItem(page: Page, label: string): Promise<void> {
  const name = page.locator('.quick-input-list-row .label-name', {
    hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
  });
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: name }).first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
}

/**
 * Sets a number setting in the Settings editor, the way a user does (search for its id, type the value, Tab
 * away), then closes the editor. The caller waits for the value to reach settings.json.
 */
export async function setNumberSetting(page: Page, id: string, value: number): Promise<void> {
  await runCommand(page, 'Preferences: Open User Settings');
  const search = page.locator('.settings-editor .settings-header .suggest-input-container');
  await search.waitFor({ timeout: 15_000 });
  await search.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(id);
  // the search narrows the list to this one setting
  const items = page.locator('.settings-editor .settings-tree-container .setting-item-number');
  await waitFor(
    `the setting ${id} alone in the Settings editor`,
    async () => ((await items.count()) === 1 ? true : undefined),
    15_000,
  );
  const input = items.locator('input[type="number"]');
  await input.fill(String(value));
  await input.press('Tab');
  const tab = page.locator('.tabs-container .tab', { hasText: 'Settings' });
  await tab.locator('.codicon-close').click();
  await tab.waitFor({ state: 'detached', timeout: 10_000 });
}

/**
 * Types `word` (no spaces: the editor renders them as no-break spaces) at the active editor's cursor one key at
 * a time; returns, per key, the ms from the key press until the editor shows the text typed so far.
 */
export async function keystrokeLatencies(page: Page, word: string): Promise<number[]> {
  const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines');
  const latencies: number[] = [];
  for (let i = 1; i <= word.length; i++) {
    const t0 = Date.now();
    await page.keyboard.press(word[i - 1]!);
    await lines.filter({ hasText: word.slice(0, i) }).waitFor({ timeout: 10_000 });
    latencies.push(Date.now() - t0);
  }
  return latencies;
}

/**
 * Runs a command from the palette by its title as shown there ("Category: Title"). `thenOpensPicker`: the
 * command shows a quick pick of its own, so the quick input stays open.
 */
export async function runCommand(
  page: Page,
  title: string,
  options: { attempts?: number; thenOpensPicker?: boolean } = {},
): Promise<void> {
  await pickFromQuickInput(
    page,
    () => page.keyboard.press('F1'),
    `>${title}`,
    title,
    options.attempts ?? 30,
    options.thenOpensPicker,
  );
}

/** Opens a workspace file by name through Quick Open and waits for its editor tab. */
export async function openFile(page: Page, name: string): Promise<void> {
  await pickFromQuickInput(page, () => page.keyboard.press('Control+P'), name, name, 15);
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 15_000 });
}

/** Selects the whole text of the active editor. */
export async function selectAllInEditor(page: Page): Promise<void> {
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
  await page.locator('.editor-group-container.active .monaco-editor .selected-text').first().waitFor({ timeout: 5000 });
}

/**
 * The text of the Output panel's editor: the lines it renders (a short channel in a maximized panel is
 * rendered whole), a wrapped line as several lines.
 */
export async function outputPanelText(page: Page): Promise<string> {
  const lines = await page
    .locator('#workbench\\.parts\\.panel .output-view .monaco-editor .view-lines .view-line')
    .evaluateAll((nodes) =>
      nodes
        .map((n) => ({
          top: parseFloat((n as HTMLElement).style.top || '0'),
          text: (n.textContent ?? '').replace(/\u00a0/g, ' '),
        }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text),
    );
  return lines.join('\n');
}

/** The notification toasts' messages (errors from the extension show up here; toasts hide after a while). */
export async function notifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-list-item-message').allTextContents();
}

/** The messages of error and warning toasts. */
export async function errorNotifications(page: Page): Promise<string[]> {
  return page
    .locator('.notifications-toasts .notification-list-item')
    .filter({ has: page.locator('.codicon-error, .codicon-warning') })
    .locator('.notification-list-item-message')
    .allTextContents();
}

/**
 * The document of the webview that shows `selector`, waiting for one to. A webview is an outer iframe
 * (`iframe.webview.ready`) around the page's own `iframe#active-frame`; the outer frame is then addressed by
 * its own name, so the locator keeps pointing at that webview when others open or close.
 */
export async function findWebview(page: Page, selector: string, timeoutMs = 60_000): Promise<FrameLocator> {
  return waitFor(
    `a webview showing ${selector}`,
    async () => {
      const outers = page.locator('iframe.webview.ready');
      const n = await outers.count();
      for (let i = 0; i < n; i++) {
        const inner = outers.nth(i).contentFrame().frameLocator('iframe#active-frame');
        if ((await inner.locator(selector).count()) === 0) continue;
        const name = await outers.nth(i).getAttribute('name');
        return name
          ? page.locator(`iframe.webview.ready[name="${name}"]`).contentFrame().frameLocator('iframe#active-frame')
          : inner;
      }
      return undefined;
    },
    timeoutMs,
  );
}

/**
 * Switches the colour theme the way a user does (Preferences: Color Theme, pick by label, e.g. "Dark
 * Modern"), then waits for the workbench's theme class. (Rewriting settings.json is not picked up live by
 * code-server.)
 */
export async function setColorTheme(page: Page, label: 'Light Modern' | 'Dark Modern'): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme', { thenOpensPicker: true });
  const input = page.locator('.quick-input-widget .quick-input-box input[placeholder*="Color Theme"]');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(label);
  const row = quickInputRow(page, label);
  await row.waitFor({ timeout: 10_000 });
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 });
  await waitForTheme(page, label === 'Dark Modern' ? 'dark' : 'light');
}

/** Waits for the workbench to show the light (`vs`) or dark (`vs-dark`) theme class. */
export async function waitForTheme(page: Page, kind: 'light' | 'dark'): Promise<void> {
  const cls = kind === 'light' ? 'vs' : 'vs-dark';
  await waitFor(
    `the ${kind} theme`,
    async () =>
      (await page.locator('.monaco-workbench').getAttribute('class'))?.split(/\s+/).includes(cls) ? true : undefined,
    30_000,
  );
  await sleep(500); // let webviews pick up the new theme variables
}
