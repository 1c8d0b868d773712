// Attention of one sequence (prompt + response) for the heads view: every layer's maps from one forward
// pass, summarised per head as the mean attention to each prompt token while the response is produced; a
// single head's full map on request. The last sequence's maps are kept, so clicking through heads costs
// no forward pass.
import { attentionToPrompt } from './attentionToPrompt';
import { fail, ok, type Result } from '../lensError';
import type { AttentionPayload, AttentionRequest } from '../protocol';
import type { LensModel } from '../runtime/lensModel';

let last: { model: LensModel; key: string; maps: Float32Array[] } | undefined;

export async function attentionOf(
  model: LensModel,
  request: AttentionRequest,
  head?: { layer: number; head: number },
): Promise<Result<AttentionPayload>> {
  const { numLayers: layers, numHeads: heads, maxPositions } = model.config;
  const T = request.ids.length;
  const N = request.promptLength;
  if (T === 0 || N < 1 || N > T)
    return fail('bad-argument', `attention of ${T} tokens with a prompt of ${N}`, 'Explain a prompt first.');
  if (T > maxPositions)
    return fail(
      'prompt-too-long',
      `prompt and response are ${T} tokens; the model's context is ${maxPositions}`,
      'Explain a shorter prompt.',
    );
  if (head && (head.layer < 0 || head.layer >= layers || head.head < 0 || head.head >= heads))
    return fail(
      'bad-argument',
      `no head ${head.head} in layer ${head.layer}`,
      `The model has ${layers} layers of ${heads} heads.`,
    );
  const key = request.ids.join(',');
  if (!last || last.model !== model || last.key !== key)
    last = { model, key, maps: await model.attention(request.ids) };
  const { maps } = last;
  const map = head ? maps[head.layer].slice(head.head * T * T, (head.head + 1) * T * T) : undefined;
  return ok({ layers, heads, tokens: T, promptLength: N, toPrompt: attentionToPrompt(maps, heads, T, N), map });
}
