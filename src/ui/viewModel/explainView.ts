// What the explain panel shows, computed on the host from the explanation's JSON: the webview renders these
// numbers as they are. Pure: no vscode, no I/O (tested in test/ui/viewModel).
// N prompt tokens, M response tokens.
import type { ExplainJson } from '../../methods/attribution/json';
import type { ExplainView } from '../../protocol';

/** Whitespace that would vanish on screen gets a visible mark; the newline itself stays, so lines still break. */
export function visibleText(text: string): string {
  return text.replace(/\n/g, '↵\n').replace(/\t/g, '→\t').replace(/\r/g, '');
}

/** `demonstrator`: the embedded pair's notice (demonstratorNotice), null for the user's own models. */
export function explainView(
  json: ExplainJson,
  modelName: string,
  edited: boolean,
  demonstrator: string | null = null,
): ExplainView {
  const N = json.prompt_tokens.length;
  const M = json.response_tokens.length;
  let maxDensity = 0;
  for (const d of json.density) if (d !== null && d > maxDensity) maxDensity = d;

  // shares of the positive attribution: per response token over the (non-special) prompt tokens, and per
  // prompt token over the response tokens; special tokens take no part, as in the density's normalisation
  const byResponse: number[][] = [];
  for (let m = 0; m < M; m++) {
    let max = 0;
    for (let n = 0; n < N; n++) if (!json.prompt_tokens[n].special) max = Math.max(max, json.attribution[n][m]);
    byResponse.push(
      json.prompt_tokens.map((t, n) => (t.special || max <= 0 ? 0 : Math.max(0, json.attribution[n][m]) / max)),
    );
  }
  const byPrompt: number[][] = json.prompt_tokens.map((t, n) => {
    const row = json.attribution[n];
    const max = Math.max(0, ...row);
    return row.map((a) => (t.special || max <= 0 ? 0 : Math.max(0, a) / max));
  });

  return {
    modelName,
    demonstrator,
    modelPath: json.model.path,
    architecture: json.model.architecture,
    parameters: json.model.parameters,
    chat: json.settings.chat,
    responseGiven: json.settings.response_given,
    promptTokens: json.prompt_tokens.map((t, n) => {
      const density = json.density[n] ?? null;
      return {
        text: visibleText(t.text),
        special: t.special,
        continuation: t.continuation === true,
        density,
        shade: density === null || maxDensity <= 0 ? 0 : density / maxDensity,
        instruction: json.instruction_mask[n] === true,
      };
    }),
    responseTokens: json.response_tokens.map((t, m) => ({
      text: visibleText(t.text),
      special: t.special,
      continuation: t.continuation === true,
      probability: json.probabilities[m],
    })),
    byResponse,
    byPrompt,
    instructionSpans: json.instruction_spans.map((s) => ({ text: s.text, source: s.source })),
    instructionImportance: json.instruction_importance,
    instructionTokens: json.instruction_mask.filter(Boolean).length,
    edited,
    seconds: json.timing,
  };
}
