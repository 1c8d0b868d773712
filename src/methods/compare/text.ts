// The terminal rendering of a comparison: both responses and instruction importances, their difference, and
// the per-layer global comparison as a compact table.
import type { CompareResult } from './run';

const fixed = (x: number | null, digits = 3) => (x === null ? '   -' : x.toFixed(digits));
const response = (tokens: readonly { readonly text: string; readonly special: boolean }[]) =>
  tokens
    .map((t) => t.text)
    .join('')
    .replace(/\n/g, '\\n');

export function renderComparison(r: CompareResult): string {
  const lines = [
    `prompt   ${JSON.stringify(r.base.prompt)}${r.chat ? " (in each model's chat template)" : ''}`,
    '',
    `base     ${r.base.model.path}`,
    `  response (${r.base.response_tokens.length} tokens): ${response(r.base.response_tokens)}`,
    `  instruction importance ${fixed(r.base.instruction_importance)}`,
    `tuned    ${r.tuned.model.path}`,
    `  response (${r.tuned.response_tokens.length} tokens): ${response(r.tuned.response_tokens)}`,
    `  instruction importance ${fixed(r.tuned.instruction_importance)}`,
    '',
    `difference (tuned - base): ${fixed(r.tuned.instruction_importance - r.base.instruction_importance)}`,
  ];
  const g = r.global;
  if (g) {
    lines.push(
      '',
      'layer  instruction-verb share (base -> tuned)  general-verb share (base -> tuned)  mean principal angle',
    );
    for (const l of g.layers) {
      lines.push(
        `${String(l.layer).padStart(5)}  ${fixed(l.instructionVerbShare.base)} -> ` +
          `${fixed(l.instructionVerbShare.tuned)}${' '.repeat(25)}${fixed(l.generalVerbShare.base)} -> ` +
          `${fixed(l.generalVerbShare.tuned)}${' '.repeat(21)}${l.meanPrincipalAngleDeg.toFixed(1)} deg`,
      );
    }
    const o = g.overall;
    lines.push(
      `  all  ${fixed(o.instructionVerbShare.base)} -> ${fixed(o.instructionVerbShare.tuned)}` +
        `${' '.repeat(25)}${fixed(o.generalVerbShare.base)} -> ${fixed(o.generalVerbShare.tuned)}` +
        `${' '.repeat(21)}${o.meanPrincipalAngleDeg.toFixed(1)} deg`,
    );
    const shift = Object.entries(o.categoryShift).map(([c, d]) => `${c} ${d >= 0 ? '+' : ''}${d.toFixed(2)}`);
    if (shift.length > 0) lines.push('', `concept categories, shift of the labelled share: ${shift.join(', ')}`);
  }
  return lines.join('\n');
}
