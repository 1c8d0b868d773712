// Self-contained HTML reports of explanations: a pure function from the explain JSON contract (docs/cli.md,
// "JSON schema") to one HTML string. No network: inline CSS, a small inline script for hover, and a
// Content-Security-Policy that forbids loading anything. Every text from the model or the user is escaped.
//
// What a report shows: the prompt with each token shaded by importance density (instruction tokens
// outlined), the response, the scores; hovering a response token y_m shades the prompt by column m of the
// attribution matrix instead, normalised by that column's largest |A[n][m]| over non-special tokens (red
// positive, blue negative). `compareHtml` puts two explanations side by side, with optional tables of
// global comparisons (e.g. per-layer figures of the heads and concepts methods).
//
import type { ExplainJson } from './json';
import { tokenLabel } from '../../model/tokenTexts';

/** A table of numbers for the comparison report, one row per layer (or per anything). */
export interface ComparisonTable {
  readonly title: string;
  /** Header of the label column, then one header per value column. */
  readonly columns: readonly string[];
  readonly rows: readonly { readonly label: string; readonly values: readonly (number | string | null)[] }[];
  readonly note?: string;
}

export interface CompareExtra {
  /** Names of the two models in the report; default "base" and "tuned". */
  readonly labels?: readonly [string, string];
  /** Global comparisons (heads, concepts), each rendered as a table. */
  readonly global?: ComparisonTable | readonly ComparisonTable[];
}

// ---- escaping ----

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** JSON safe inside <script>: no "<", ">" or "&" (so no "</script>" or "<!--"), no JS line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// ---- formatting ----

export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2);
  return Number(x.toPrecision(3)).toString();
}

/** Density shading: alpha of the red shade is density / max density, to 3 decimals. */
export function densityAlpha(d: number | null, max: number): number {
  if (d === null || !(max > 0)) return 0;
  return Math.round((d / max) * 1000) / 1000;
}

const DENSITY_RGB = '220,40,30';

function shadeStyle(alpha: number): string {
  return `background-color:rgba(${DENSITY_RGB},${alpha})`;
}

// ---- one explanation ----

function maxDensity(json: ExplainJson): number {
  let max = 0;
  for (const d of json.density) if (d !== null && d > max) max = d;
  return max;
}

/** The prompt in token order: each token a span; text between tokens (if any) plain. */
function promptHtml(json: ExplainJson): string {
  const max = maxDensity(json);
  const mask = json.instruction_mask ?? [];
  let pos = 0;
  let html = '';
  json.prompt_tokens.forEach((t, n) => {
    if (t.special) {
      html +=
        `<span class="t sp" data-n="${n}" title="special token ${escapeHtml(t.text)} (not scored)">` +
        `${escapeHtml(t.text)}</span>`;
      return;
    }
    if (t.start > pos) html += escapeHtml(json.prompt.slice(pos, t.start));
    // byte pieces of one character share its range: the first shows the character, the others stay empty
    const from = Math.max(t.start, pos);
    const text = t.end > from ? json.prompt.slice(from, t.end) : '';
    pos = Math.max(pos, t.end);
    const d = json.density[n];
    const alpha = densityAlpha(d, max);
    const classes = ['t', mask[n] ? 'ins' : '', text === '' ? 'e' : ''].filter(Boolean).join(' ');
    const title = `${tokenLabel(json.prompt_tokens, n)} density ${formatNumber(d)}${mask[n] ? ', instruction' : ''}`;
    html +=
      `<span class="${classes}" data-n="${n}" data-a="${alpha}" style="${shadeStyle(alpha)}" title="` +
      `${escapeHtml(title)}">${escapeHtml(text)}</span>`;
  });
  if (pos < json.prompt.length) html += escapeHtml(json.prompt.slice(pos));
  return html;
}

function responseHtml(json: ExplainJson): string {
  return json.response_tokens
    .map((t, m) => {
      const title = `${tokenLabel(json.response_tokens, m)} p = ${formatNumber(json.probabilities[m])}`;
      return (
        `<span class="r${t.special ? ' sp' : ''}${t.continuation ? ' e' : ''}" data-m="${m}" ` +
        `tabindex="0" title="${escapeHtml(title)}">${escapeHtml(t.text)}</span>`
      );
    })
    .join('');
}

function topTokensHtml(json: ExplainJson, k = 10): string {
  const ranked = json.prompt_tokens
    .map((t, n) => ({ t, n, d: json.density[n] }))
    .filter((x): x is { t: ExplainJson['prompt_tokens'][number]; n: number; d: number } => x.d !== null && x.d > 0)
    .sort((a, b) => b.d - a.d)
    .slice(0, k);
  if (ranked.length === 0) return '<p class="muted">No prompt token is above the sparsity threshold.</p>';
  const rows = ranked
    .map(
      ({ n, d }) =>
        `<tr><td class="tok">${escapeHtml(tokenLabel(json.prompt_tokens, n))}</td><td>${n}</td><td>` +
        `${formatNumber(d)}</td><td>${json.instruction_mask?.[n] ? 'yes' : ''}</td></tr>`,
    )
    .join('');
  return (
    '<table class="num"><thead><tr>' +
    '<th>token</th><th>position</th><th>density</th><th>instruction</th>' +
    `</tr></thead><tbody>${rows}</tbody></table>`
  );
}

function scoresHtml(json: ExplainJson): string {
  const N = json.prompt_tokens.length;
  const M = json.response_tokens.length;
  const timing = json.timing;
  const rows: [string, string][] = [
    ['instruction importance', formatNumber(json.instruction_importance)],
    ['max density', formatNumber(maxDensity(json))],
    ['prompt tokens', `${N} (${json.prompt_tokens.filter((t) => t.special).length} special)`],
    ['response tokens', `${M}${json.settings?.response_given ? ' (given)' : ' (generated)'}`],
    ['mean p(response token)', formatNumber(M > 0 ? json.probabilities.reduce((a, p) => a + p, 0) / M : null)],
  ];
  if (timing)
    rows.push([
      'time',
      `load ${formatNumber(timing.load)} s, generation ${formatNumber(timing.generation)} s, ` +
        `attribution ${formatNumber(timing.attribution)} s`,
    ]);
  return (
    `<table class="kv">` +
    `${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}` +
    `</table>`
  );
}

function spansHtml(json: ExplainJson): string {
  const spans = json.instruction_spans ?? [];
  if (spans.length === 0) return '<p class="muted">No instruction found in the prompt.</p>';
  return (
    '<ul class="spans">' +
    spans
      .map(
        (s) =>
          `<li><q>${escapeHtml(s.text)}</q> ` +
          `<span class="muted">(${escapeHtml(s.source)}, characters ${s.start}–${s.end})</span></li>`,
      )
      .join('') +
    '</ul>'
  );
}

/** The data the hover script reads; the attribution matrix exactly as in the JSON. */
function panelData(json: ExplainJson): string {
  return jsonForScript({
    attribution: json.attribution,
    special: json.prompt_tokens.map((t) => t.special),
    probabilities: json.probabilities,
    response: json.response_tokens.map((t) => t.text),
  });
}

function legendSwatch(alpha: number, label: string): string {
  return `<span class="sw" style="${shadeStyle(alpha)}">${escapeHtml(label)}</span>`;
}

function panelHtml(json: ExplainJson, heading: string): string {
  const m = json.model;
  return `<section class="panel">
<h2>${escapeHtml(heading)}</h2>
<p class="model">${escapeHtml(m.path)} <span class="muted">(${escapeHtml(m.architecture)}, \
${formatNumber(m.parameters / 1e6)}M parameters)</span></p>
${scoresHtml(json)}
<h3>Prompt <span class="muted">shaded by importance density; instruction tokens outlined</span></h3>
<div class="text prompt">${promptHtml(json)}</div>
<p class="legend">density ${legendSwatch(0, '0')}${legendSwatch(0.5, formatNumber(maxDensity(json) / 2))}\
${legendSwatch(1, formatNumber(maxDensity(json)))} <span class="ins-key">instruction</span></p>
<h3>Response <span class="muted">hover a token to see its attributions</span></h3>
<div class="text response">${responseHtml(json)}</div>
<p class="info" aria-live="polite">Hover (or focus) a response token: the prompt is shaded by its column of the \
attribution matrix, normalised by the column's largest magnitude (red positive, blue negative).</p>
<h3>Instruction</h3>
${spansHtml(json)}
<h3>Most important prompt tokens</h3>
${topTokensHtml(json)}
<script type="application/json" class="lens-data">${panelData(json)}</script>
</section>`;
}

// ---- the page ----

const STYLE = `
:root{color-scheme:light}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1b1b;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:0 0 4px}h3{font-size:14px;margin:18px 0 6px}
.muted{color:#666;font-weight:normal}
.panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:24px}
.panel{border:1px solid #ddd;border-radius:6px;padding:14px;min-width:0}
.text{font:13px/1.9 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-word;
  border:1px solid #eee;border-radius:4px;padding:8px;background:#fafafa}
.t{border-radius:2px}
.t.ins{outline:1.5px solid #1f6feb;outline-offset:-1px}
.t.e{display:inline-block;min-width:.35em;height:1em;vertical-align:middle}
.sp{color:#888;background:#eee;border-radius:3px;padding:0 2px;font-size:11px}
.r{cursor:pointer;border-bottom:1px dotted #999}
.r.e{display:inline-block;min-width:.35em;height:1em;vertical-align:middle}
.r:hover,.r:focus,.r.on{background:#ffe08a;outline:none}
.legend .sw{display:inline-block;padding:0 6px;margin-right:2px;border:1px solid #ddd}
.ins-key{outline:1.5px solid #1f6feb;padding:0 4px;margin-left:8px}
table{border-collapse:collapse;margin:4px 0}th,td{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}
table.num td{font-variant-numeric:tabular-nums}
table.kv th{font-weight:normal;color:#555}
.tok{font-family:ui-monospace,Menlo,Consolas,monospace}
.delta-pos{color:#0a7a2f}.delta-neg{color:#b3261e}
.info{color:#555;min-height:1.5em}
`;

// Hover: shade the prompt of the same panel by the hovered response token's column; restore on leave.
const SCRIPT = `
(function(){
  function shade(v){return v>=0?'rgba(${DENSITY_RGB},'+v+')':'rgba(30,90,220,'+(-v)+')';}
  document.querySelectorAll('.panel').forEach(function(panel){
    var el=panel.querySelector('script.lens-data'); if(!el) return;
    var data=JSON.parse(el.textContent);
    var toks=panel.querySelectorAll('.prompt .t[data-a]');
    var info=panel.querySelector('.info'); var infoText=info.textContent;
    function show(m){
      var col=data.attribution.map(function(row){return row[m];});
      var max=0; col.forEach(function(a,n){if(!data.special[n]&&Math.abs(a)>max)max=Math.abs(a);});
      toks.forEach(function(t){var n=+t.dataset.n; var v=max>0?col[n]/max:0;
        t.style.backgroundColor=shade(Math.round(v*1000)/1000); t.dataset.col=String(col[n]);});
      info.textContent='response token '+m+' '+JSON.stringify(data.response[m])
        +', p = '+data.probabilities[m].toPrecision(3)+'; column max |A| = '+max.toPrecision(3);
    }
    function hide(){
      toks.forEach(function(t){t.style.backgroundColor='rgba(${DENSITY_RGB},'+t.dataset.a+')'; delete t.dataset.col;});
      info.textContent=infoText;
    }
    panel.querySelectorAll('.response .r').forEach(function(r){
      var m=+r.dataset.m;
      r.addEventListener('mouseenter',function(){show(m);}); r.addEventListener('focus',function(){show(m);});
      r.addEventListener('mouseleave',hide); r.addEventListener('blur',hide);
    });
  });
})();
`;

// The report is one self-contained file: no network, only its own inline style and script.
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const METHOD_LINE =
  'Input→output attribution (gradient × input) and importance density, after Wu et al., arXiv 2310.00492.';

const shortText = (s: string, n = 60) => (s.length > n ? s.slice(0, n - 1) + '…' : s).replace(/\s+/g, ' ');

export function explainHtml(json: ExplainJson): string {
  const body = `<h1>Instruction Lens</h1>
<p class="muted">${METHOD_LINE}</p>
<div class="panels">${panelHtml(json, `instruction importance ${formatNumber(json.instruction_importance)}`)}</div>`;
  return page(`Instruction Lens: ${shortText(json.prompt)}`, body);
}

function tableHtml(t: ComparisonTable): string {
  const width = t.columns.length - 1;
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const rows = t.rows
    .map((r) => {
      const cells = Array.from({ length: Math.max(width, r.values.length) }, (_, i) => {
        const v = r.values[i];
        const text = typeof v === 'number' || v === null || v === undefined ? formatNumber(v) : v;
        return `<td>${escapeHtml(text)}</td>`;
      });
      return `<tr><th>${escapeHtml(r.label)}</th>${cells.join('')}</tr>`;
    })
    .join('');
  return (
    `<section class="global"><h3>${escapeHtml(t.title)}</h3>` +
    `${t.note ? `<p class="muted">${escapeHtml(t.note)}</p>` : ''}<table class="num"><thead><tr>` +
    `${head}</tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

const MORE = 'attends more to the instruction';

/** Two explanations of the same prompt (a base model and its tuned sibling) side by side. */

export function compareHtml(base: ExplainJson, tuned: ExplainJson, extra: CompareExtra = {}): string {
  const [baseLabel, tunedLabel] = extra.labels ?? ['base', 'tuned'];
  const a = base.instruction_importance;
  const b = tuned.instruction_importance;
  const delta = a !== undefined && b !== undefined ? b - a : undefined;
  const verdict =
    delta === undefined
      ? ''
      : `<p>Instruction importance: ${escapeHtml(baseLabel)} ${formatNumber(a)}, ` +
        `${escapeHtml(tunedLabel)} ${formatNumber(b)}; change <span class="` +
        `${delta >= 0 ? 'delta-pos' : 'delta-neg'}">${delta >= 0 ? '+' : ''}` +
        `${escapeHtml(formatNumber(delta))}</span> (` +
        `${escapeHtml(delta > 0 ? `${tunedLabel} ${MORE}` : delta < 0 ? `${baseLabel} ${MORE}` : 'equal')}).</p>`;
  const samePrompt =
    base.prompt === tuned.prompt ? '' : '<p class="delta-neg">The two explanations are of different prompts.</p>';
  const tables =
    extra.global === undefined
      ? []
      : Array.isArray(extra.global)
        ? (extra.global as readonly ComparisonTable[])
        : [extra.global as ComparisonTable];
  const body = `<h1>Instruction Lens: ${escapeHtml(baseLabel)} vs ${escapeHtml(tunedLabel)}</h1>
<p class="muted">${METHOD_LINE}</p>
${samePrompt}${verdict}
<div class="panels">${panelHtml(base, `${baseLabel}: instruction importance ${formatNumber(a)}`)}\
${panelHtml(tuned, `${tunedLabel}: instruction importance ${formatNumber(b)}`)}</div>
${tables.length > 0 ? `<h2 style="margin-top:24px">Global comparison</h2>${tables.map(tableHtml).join('')}` : ''}`;
  return page(`Instruction Lens: ${baseLabel} vs ${tunedLabel}: ${shortText(tuned.prompt)}`, body);
}
