// The HTML report: self-contained (nothing loaded from anywhere), hostile text escaped, every token present,
// density shading equal to density / max density, the embedded attribution matrix equal to the JSON's, and
// the hover script (run in happy-dom) shading the prompt by the hovered column normalised by its max |A|.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Window } from 'happy-dom';
import type { ExplainJson } from '../../../src/methods/attribution/json';
import { compareHtml, escapeHtml, explainHtml, jsonForScript } from '../../../src/methods/attribution/html';
import { mulberry32 } from '../../helpers/prng';

const HOSTILE = `</script><img src="https://evil.example/x.png" onerror="alert(1)"><!-- & 'q' "dq" \u2028`;

/** An explanation in the JSON contract's shape, built by hand: BOS, the prompt's words, given numbers. */
function fakeExplanation(prompt: string, seed: number, responseTexts: string[] = [' A', ' fruit', '.']): ExplainJson {
  const rand = mulberry32(seed);
  const words = [...prompt.matchAll(/\s*\S+/g)].map((m) => ({ start: m.index!, end: m.index! + m[0].length }));
  const prompt_tokens = [
    { id: 1, text: '<s>', start: 0, end: 0, special: true },
    ...words.map((w, i) => ({
      id: 100 + i,
      text: prompt.slice(w.start, w.end),
      start: w.start,
      end: w.end,
      special: false,
    })),
  ];
  const N = prompt_tokens.length;
  const M = responseTexts.length;
  const attribution = Array.from({ length: N }, () => Array.from({ length: M }, () => (rand() - 0.4) * 1e-3));
  const density = prompt_tokens.map((t) => (t.special ? null : Math.floor(rand() * 4) === 0 ? 0 : 1 + rand() * 1.5));
  const instruction_mask = prompt_tokens.map((t, n) => !t.special && n <= 2);
  return {
    format_version: 1,
    model: { path: '/models/x', architecture: 'LlamaForCausalLM', parameters: 2_600_000 },
    prompt,
    settings: { max_new_tokens: 8, chat: false, response_given: false },
    prompt_tokens,
    response_tokens: responseTexts.map((text, m) => ({ id: 200 + m, text, special: false })),
    probabilities: responseTexts.map(() => rand()),
    attribution,
    density,
    instruction_spans: [
      {
        start: 0,
        end: prompt_tokens[2]?.end ?? 0,
        text: prompt.slice(0, prompt_tokens[2]?.end ?? 0),
        source: 'detected',
      },
    ],
    instruction_mask,
    instruction_importance: 0.71,
    timing: { load: 0.5, generation: 0.25, attribution: 0.125 },
  };
}

function dataScripts(html: string): unknown[] {
  return [...html.matchAll(/<script type="application\/json" class="lens-data">([\s\S]*?)<\/script>/g)].map((m) =>
    JSON.parse(m[1]),
  );
}

/** Runs the page's own inline script in happy-dom (which does not evaluate scripts itself). */
function load(html: string) {
  const window = new Window();
  window.document.write(html);
  const script = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  new Function('document', 'JSON', script)(window.document, JSON);
  return window.document;
}

const alphaOf = (style: string) => {
  const m = /rgba\(\s*(\d+),\s*(\d+),\s*(\d+),\s*([\d.]+)\s*\)/.exec(style);
  assert.ok(m, `no rgba in ${style}`);
  return { rgb: `${m[1]},${m[2]},${m[3]}`, alpha: Number(m[4]) };
};

test('escaping: hostile prompt, response and model path stay text', () => {
  const json = {
    ...fakeExplanation(`Define ${HOSTILE} now.`, 1, [HOSTILE, ' ok']),
    model: { path: HOSTILE, architecture: HOSTILE, parameters: 1 },
  };
  const html = explainHtml(json);
  assert.doesNotMatch(html, /<img/i);
  assert.doesNotMatch(html, /<!--/);
  // exactly two script elements: the data and the hover script; nothing closes them early
  assert.equal(html.match(/<script/g)?.length, 2);
  assert.equal(html.match(/<\/script>/g)?.length, 2);
  assert.ok(html.includes(escapeHtml(HOSTILE)), 'the hostile text is shown, escaped');
  // a browser's parse agrees: no img element, the texts are text
  const doc = load(html);
  assert.equal(doc.querySelectorAll('img').length, 0);
  assert.equal(doc.querySelectorAll('script').length, 2);
  assert.equal(doc.querySelector('.model')!.textContent!.startsWith(HOSTILE), true);
  assert.equal(doc.querySelector('.response .r[data-m="0"]')!.textContent, HOSTILE);
  // the embedded data survives the escaping exactly
  const [data] = dataScripts(html) as { response: string[] }[];
  assert.deepEqual(data.response, [HOSTILE, ' ok']);
  assert.equal(JSON.parse(jsonForScript(HOSTILE)), HOSTILE);
  assert.doesNotMatch(jsonForScript(HOSTILE), /[<>&\u2028]/);
});

test('self-contained: no URL, no src/href attribute, no url() or @import; a CSP forbids loading', () => {
  for (const html of [
    explainHtml(fakeExplanation('Define the word apple.', 2)),
    compareHtml(fakeExplanation('Define the word apple.', 3), fakeExplanation('Define the word apple.', 4)),
  ]) {
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.doesNotMatch(html, /\b(src|href)\s*=/i);
    assert.doesNotMatch(html, /url\(|@import/i);
    const csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${csp}">`));
  }
  // a prompt with a URL shows it as text, still no attribute loads it
  const html = explainHtml(fakeExplanation('Summarise https://example.com/page for me.', 5));
  assert.doesNotMatch(html, /<[^>]*\s(src|href)\s*=/i);
  assert.equal(load(html).querySelectorAll('[src], [href], link, img, iframe').length, 0);
});

test('every prompt and response token is present, in order, with its text', () => {
  const prompt = 'Write a <b>poem</b> & a "story".\n\nInput: cats';
  const json = fakeExplanation(prompt, 6, [' Roses', ' are', '\n', ' red']);
  const doc = load(explainHtml(json));
  const spans = [...doc.querySelectorAll('.prompt .t')];
  assert.deepEqual(
    spans.map((s) => Number(s.getAttribute('data-n'))),
    json.prompt_tokens.map((_, n) => n),
  );
  spans.forEach((s, n) => {
    const t = json.prompt_tokens[n];
    assert.equal(s.textContent, t.special ? t.text : prompt.slice(t.start, t.end), `token ${n}`);
  });
  // the prompt area reads as BOS followed by the prompt itself
  assert.equal(doc.querySelector('.prompt')!.textContent, '<s>' + prompt);
  const resp = [...doc.querySelectorAll('.response .r')];
  assert.deepEqual(
    resp.map((r) => r.textContent),
    json.response_tokens.map((t) => t.text),
  );
  // instruction tokens are marked by the mask
  spans.forEach((s, n) => assert.equal(s.classList.contains('ins'), json.instruction_mask![n], `token ${n}`));
});

test('byte pieces sharing one character: the character once, every token still has its span', () => {
  const prompt = 'Say 世 now';
  const json: ExplainJson = {
    ...fakeExplanation(prompt, 7),
    prompt_tokens: [
      { id: 1, text: '<s>', start: 0, end: 0, special: true },
      { id: 2, text: 'Say', start: 0, end: 3, special: false },
      { id: 3, text: '<0xE4>', start: 3, end: 5, special: false },
      { id: 4, text: '<0xB8>', start: 4, end: 5, special: false },
      { id: 5, text: '<0x96>', start: 4, end: 5, special: false },
      { id: 6, text: ' now', start: 5, end: 9, special: false },
    ],
    density: [null, 1, 2, 2, 2, 1],
    instruction_mask: [false, true, false, false, false, false],
    attribution: Array.from({ length: 6 }, () => [1, 2, 3]),
  };
  const doc = load(explainHtml(json));
  assert.equal(doc.querySelectorAll('.prompt .t').length, 6);
  assert.equal(doc.querySelector('.prompt')!.textContent, '<s>' + prompt);
});

test('density shading: alpha = density / max density, specials unshaded', () => {
  const json = fakeExplanation('Explain why the sky is blue in two short sentences please.', 8);
  const html = explainHtml(json);
  const doc = load(html);
  const max = Math.max(...json.density.filter((d): d is number => d !== null));
  for (const s of doc.querySelectorAll('.prompt .t')) {
    const n = Number(s.getAttribute('data-n'));
    const d = json.density[n];
    if (d === null) {
      assert.ok(s.classList.contains('sp'));
      assert.equal(s.getAttribute('style'), null);
      continue;
    }
    const { rgb, alpha } = alphaOf(s.getAttribute('style')!);
    assert.equal(rgb, '220,40,30');
    assert.ok(Math.abs(alpha - d / max) <= 5e-4, `token ${n}: alpha ${alpha}, density/max ${d / max}`);
    assert.equal(Number(s.getAttribute('data-a')), alpha);
  }
  // the densest token is fully shaded, a zero-density one not at all
  const densest = json.density.indexOf(max);
  assert.equal(alphaOf(doc.querySelector(`.prompt .t[data-n="${densest}"]`)!.getAttribute('style')!).alpha, 1);
  const zero = json.density.indexOf(0);
  assert.ok(zero > 0, 'the fixture has a zero-density token');
  assert.equal(alphaOf(doc.querySelector(`.prompt .t[data-n="${zero}"]`)!.getAttribute('style')!).alpha, 0);
  // the scores are shown
  assert.match(doc.querySelector('.kv')!.textContent!, /instruction importance0\.71/);
});

test('the embedded attribution matrix equals the JSON; hovering shades by that column / its max |A|', () => {
  const json = fakeExplanation('List three fruits that are red and sweet.', 9, [
    ' Apple',
    ',',
    ' cherry',
    ' and',
    ' strawberry',
  ]);
  // the special BOS row is the largest (it must not set the scale), and column 3's largest magnitude is negative
  (json.attribution[0] as number[]).fill(5e-3);
  (json.attribution[4] as number[])[3] = -2e-3;
  const html = explainHtml(json);
  const [data] = dataScripts(html) as { attribution: number[][]; special: boolean[] }[];
  assert.deepEqual(data.attribution, json.attribution);
  assert.deepEqual(
    data.special,
    json.prompt_tokens.map((t) => t.special),
  );

  const doc = load(html);
  const tokens = [...doc.querySelectorAll('.prompt .t[data-a]')];
  const before = tokens.map((t) => alphaOf(t.getAttribute('style')!).alpha);
  for (const m of [0, 3]) {
    doc
      .querySelector(`.response .r[data-m="${m}"]`)!
      .dispatchEvent(new (doc.defaultView as unknown as Window).Event('mouseenter'));
    // naive reference: column m over non-special tokens, divided by its largest magnitude
    const col = json.attribution.map((row) => row[m]);
    const maxAbs = Math.max(...col.filter((_, n) => !json.prompt_tokens[n].special).map(Math.abs));
    for (const t of tokens) {
      const n = Number(t.getAttribute('data-n'));
      const { rgb, alpha } = alphaOf((t as unknown as { style: { backgroundColor: string } }).style.backgroundColor);
      const want = col[n] / maxAbs;
      assert.equal(rgb, want >= 0 ? '220,40,30' : '30,90,220', `token ${n} column ${m}`);
      assert.ok(Math.abs(alpha - Math.abs(want)) <= 5e-4, `token ${n} column ${m}: ${alpha} vs ${want}`);
    }
    assert.match(doc.querySelector('.info')!.textContent!, new RegExp(`response token ${m} `));
  }
  doc
    .querySelector('.response .r[data-m="3"]')!
    .dispatchEvent(new (doc.defaultView as unknown as Window).Event('mouseleave'));
  assert.deepEqual(
    tokens.map((t) => alphaOf((t as unknown as { style: { backgroundColor: string } }).style.backgroundColor).alpha),
    before,
  );
});

test('compareHtml: two panels side by side, each with its own matrix and hover; global tables rendered', () => {
  const prompt = 'Define the word apple.';
  const base = fakeExplanation(prompt, 10, [' An', ' apple']);
  const tuned = { ...fakeExplanation(prompt, 11, [' A', ' round', ' fruit', '.']), instruction_importance: 0.9 };
  const html = compareHtml(base, tuned, {
    labels: ['wordnet-base', '<tuned>'],
    global: {
      title: 'Instruction-verb pairs per layer',
      columns: ['layer', 'base', 'tuned', 'change'],
      rows: [0, 1, 2].map((l) => ({ label: `layer ${l}`, values: [l, l * 2 + 0.5, l + 0.5] })),
      note: 'share of head pairs',
    },
  });
  const doc = load(html);
  assert.equal(doc.querySelectorAll('.panel').length, 2);
  const data = dataScripts(html) as { attribution: number[][] }[];
  assert.deepEqual(
    data.map((d) => d.attribution),
    [base.attribution, tuned.attribution],
  );
  assert.match(html, /&lt;tuned&gt;/);
  assert.match(doc.body.textContent!, /wordnet-base 0\.71, <tuned> 0\.9; change \+0\.19/);
  const rows = [...doc.querySelectorAll('.global tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
  assert.deepEqual(rows, [
    ['layer 0', '0', '0.5', '0.5'],
    ['layer 1', '1', '2.5', '1.5'],
    ['layer 2', '2', '4.5', '2.5'],
  ]);
  // hovering in the tuned panel changes only the tuned panel's prompt
  const [p0, p1] = [...doc.querySelectorAll('.panel')];
  const styles = (p: typeof p0) =>
    [...p.querySelectorAll('.prompt .t[data-a]')].map(
      (t) => (t as unknown as { style: { backgroundColor: string } }).style.backgroundColor,
    );
  const [s0, s1] = [styles(p0), styles(p1)];
  p1.querySelector('.response .r[data-m="2"]')!.dispatchEvent(
    new (doc.defaultView as unknown as Window).Event('mouseenter'),
  );
  assert.deepEqual(styles(p0), s0);
  assert.notDeepEqual(styles(p1), s1);
  // without extra: no global section, default labels
  const plain = compareHtml(base, tuned);
  assert.doesNotMatch(plain, /Global comparison/);
  assert.match(plain, /base vs tuned/);
});
