// Whether a prompt is wrapped in the checkpoint's chat template: one rule for the CLI and the extension.
// 'auto' wraps it when the checkpoint has a template (a tuned model expects one; a base model has none).
// And what to tell a user whose model answered nothing but its end-of-sequence token.
import type { Checkpoint } from '../../runtime/checkpoint';
import type { ResponseToken } from './types';

export type ChatSetting = boolean | 'auto';

export function resolveChat(setting: ChatSetting, checkpoint: Pick<Checkpoint, 'chatTemplate'>): boolean {
  return setting === 'auto' ? checkpoint.chatTemplate.ok : setting;
}

/** A generated response with no token but special ones (end of sequence, end of turn). */
export function onlyEndOfSequence(tokens: readonly Pick<ResponseToken, 'special'>[]): boolean {
  return tokens.every((t) => t.special);
}

/** What to try when the response is only end-of-sequence, given whether the template was used and exists. */
export function endOfSequenceHint(chatUsed: boolean, hasTemplate: boolean): string {
  const ways = [
    chatUsed
      ? 'the prompt without the chat template (--chat off)'
      : hasTemplate
        ? "the prompt in the checkpoint's chat template (--chat on)"
        : null,
    'another phrasing of the prompt',
    'explaining a response you give (--response TEXT)',
  ].filter((w): w is string => w !== null);
  return (
    `The model answered only with its end-of-sequence token, so there is nothing to attribute. Try ` +
    `${ways.join(', or ')}.`
  );
}
