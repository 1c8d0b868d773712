// Tokenises the user's prompt, plainly (the tokenizer's post-processor adds BOS) or inside the checkpoint's
// chat template, and maps every token back to character offsets in the user's prompt. Tokens the template
// adds (role markers, BOS) are special: they take part in the forward pass, not in normalisation or density.
import { fail, ok, type Result } from '../../lensError';
import { renderChat, type ChatTemplate } from '../../model/chatTemplate';
import type { LensTokenizer } from '../../model/tokenizer';
import type { PromptToken } from './types';

export async function tokenizePrompt(
  tokenizer: LensTokenizer,
  prompt: string,
  chat: Result<ChatTemplate> | null,
): Promise<Result<PromptToken[]>> {
  if (prompt.trim() === '')
    return fail(
      'empty-prompt',
      'the prompt is empty',
      'Select some text, or pass --prompt "..." / --prompt-file FILE with text in it.',
    );
  if (chat === null) {
    const enc = await tokenizer.encode(prompt, { addSpecialTokens: true });
    const texts = await tokenizer.sequenceTexts(enc.ids, enc.special);
    return ok(
      inPromptCharacters(
        enc.ids.map((id, i) => ({
          id,
          ...texts[i],
          start: enc.offsets[i][0],
          end: enc.offsets[i][1],
          special: enc.special[i],
        })),
        prompt,
        enc.offsets.filter((_, i) => enc.special[i]),
      ),
    );
  }
  if (!chat.ok) return chat;
  const rendered = renderChat(chat.value, prompt);
  if (!rendered.ok) return rendered;
  const { text, promptStart, promptEnd, sourceStart } = rendered.value;
  // the template already holds BOS where the model wants one
  const enc = await tokenizer.encode(text, { addSpecialTokens: false });
  const texts = await tokenizer.sequenceTexts(enc.ids, enc.special);
  const shift = sourceStart - promptStart;
  // where special tokens lie in the prompt (a user may type one): their text is theirs, not a neighbour's
  const specialSpans = enc.offsets
    .filter(([s, e], i) => enc.special[i] && s < promptEnd && e > promptStart)
    .map(([s, e]): [number, number] => [Math.max(s, promptStart) + shift, Math.min(e, promptEnd) + shift]);
  return ok(
    inPromptCharacters(
      enc.ids.map((id, i) => {
        const [s, e] = enc.offsets[i];
        const inPrompt = !enc.special[i] && s < promptEnd && e > promptStart;
        if (!inPrompt) return { id, ...texts[i], start: 0, end: 0, special: true };
        return {
          id,
          ...texts[i],
          start: Math.max(s, promptStart) + shift,
          end: Math.min(e, promptEnd) + shift,
          special: false,
        };
      }),
      prompt,
      specialSpans,
    ),
  );
}

/**
 * The prompt's own tokens, their texts cut from the prompt by their offsets where the decoded texts do not join
 * to it: a tokenizer that normalises (Qwen's NFC turns "e" + U+0301 into "é") or a template that trims the
 * message changes the text the tokens decode to. Each token then shows the prompt's characters from the end of the
 * previous one to where the next one starts (the first from the prompt's start, the last to its end), less those
 * of special tokens typed in the prompt (`specialSpans`), which show them; a token ending no further than the one
 * before it is a continuation. The texts join to the prompt exactly, less what such special tokens show.
 */
function inPromptCharacters(
  tokens: PromptToken[],
  prompt: string,
  specialSpans: readonly (readonly [number, number])[],
): PromptToken[] {
  const own = tokens.filter((t) => !t.special);
  const spans = specialSpans.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  let outside = ''; // the prompt less what special tokens typed in it show
  let at = 0;
  for (const [s, e] of spans) {
    outside += prompt.slice(at, s);
    at = e;
  }
  outside += prompt.slice(at);
  if (own.length === 0 || own.map((t) => t.text).join('') === outside) return tokens;
  // each own token ends where the next own token (or a special token typed before it) starts, the last one at the
  // prompt's end: characters that no token's offsets cover, such as a combining mark that normalisation joined to
  // its letter, stay with the token before them
  const ends = new Map(
    own.map((t, k) => {
      const next = k + 1 < own.length ? own[k + 1].start : prompt.length;
      const special = spans.find(([s]) => s >= t.end && s < next);
      return [t, Math.max(t.end, special ? special[0] : next)];
    }),
  );
  let cursor = 0;
  return tokens.map((t) => {
    if (t.special) return t;
    for (const [s, e] of spans) if (s >= cursor && e <= t.start) cursor = Math.max(cursor, e);
    const end = ends.get(t)!;
    if (end <= cursor) return { ...t, text: '', continuation: true };
    const text = prompt.slice(cursor, end);
    cursor = end;
    return { ...t, text, continuation: false };
  });
}
