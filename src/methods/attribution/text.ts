// The plain-text report of an explanation: the prompt with each token shaded by its importance density
// (white -> orange -> red) on a terminal, then the response. Without colour (NO_COLOR, or not a terminal)
// each token is followed by its density in brackets instead. The CLI prints it; the extension shows it too.
import type { ExplainResult } from './types';
import { tokenLabel } from '../../model/tokenTexts';

function shade(t: number): string {
  // white (255,255,255) at 0 to red (220,40,30) at 1, through orange
  const r = Math.round(255 - 35 * t);
  const g = Math.round(255 - 215 * t);
  const b = Math.round(255 - 225 * t);
  return `\x1b[48;2;${r};${g};${b}m\x1b[38;2;0;0;0m`;
}

const RESET = '\x1b[0m';

const visible = (text: string) => text.replace(/\n/g, '↵\n').replace(/\t/g, '→');

export function renderExplanation(r: ExplainResult, color: boolean): string {
  const densities = r.density.filter((d): d is number => d !== null);
  const max = Math.max(1e-12, ...densities);
  const prompt = r.promptTokens
    .map((t, n) => {
      const d = r.density[n];
      if (d === null) return color ? `\x1b[2m${visible(t.text)}${RESET}` : '';
      return color ? `${shade(d / max)}${visible(t.text)}${RESET}` : `${visible(t.text)}[${d.toFixed(2)}]`;
    })
    .join('');
  const response = r.responseTokens.map((t) => visible(t.text)).join('');
  const ranked = r.promptTokens
    .map((_t, n) => ({ n, d: r.density[n] }))
    .filter((x): x is { n: number; d: number } => x.d !== null && x.d > 0)
    .sort((a, b) => b.d - a.d)
    .slice(0, 8)
    .map(({ n, d }) => `${tokenLabel(r.promptTokens, n)} ${d.toFixed(2)}`)
    .join(', ');
  const legend = color
    ? `density: ${shade(0)} 0 ${RESET}${shade(0.5)} ${(max / 2).toFixed(2)} ${RESET}${shade(1)} ` +
      `${max.toFixed(2)} ${RESET}`
    : `density: max ${max.toFixed(2)}`;
  return [
    `model    ${r.model.path} (${r.model.architecture}, ${(r.model.parameters / 1e6).toFixed(2)}M parameters)`,
    '',
    'prompt (shaded by importance density)',
    prompt,
    '',
    `response (${r.responseTokens.length} tokens)`,
    response,
    '',
    legend,
    `most important prompt tokens: ${ranked || '(none above the sparsity threshold)'}`,
    `instruction (${r.instructionSpans[0]?.source ?? 'none found'}): ` +
      `${r.instructionSpans.map((s) => JSON.stringify(s.text)).join(' ') || '-'}`,
    `instruction importance: ${r.instructionImportance.toFixed(3)}`,
    `time     load ${r.timing.load.toFixed(2)} s, generation ${r.timing.generation.toFixed(2)} s, ` +
      `attribution ${r.timing.attribution.toFixed(2)} s`,
  ].join('\n');
}
