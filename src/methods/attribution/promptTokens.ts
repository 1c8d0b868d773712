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
      enc.ids.map((id, i) => ({
        id,
        ...texts[i],
        start: enc.offsets[i][0],
        end: enc.offsets[i][1],
        special: enc.special[i],
      })),
    );
  }
  if (!chat.ok) return chat;
  const rendered = renderChat(chat.value, prompt);
  if (!rendered.ok) return rendered;
  const { text, promptStart, promptEnd, sourceStart } = rendered.value;
  // the template already holds BOS where the model wants one
  const enc = await tokenizer.encode(text, { addSpecialTokens: false });
  const texts = await tokenizer.sequenceTexts(enc.ids, enc.special);
  return ok(
    enc.ids.map((id, i) => {
      const [s, e] = enc.offsets[i];
      const inPrompt = !enc.special[i] && s < promptEnd && e > promptStart;
      if (!inPrompt) return { id, ...texts[i], start: 0, end: 0, special: true };
      const shift = sourceStart - promptStart;
      return {
        id,
        ...texts[i],
        start: Math.max(s, promptStart) + shift,
        end: Math.min(e, promptEnd) + shift,
        special: false,
      };
    }),
  );
}
