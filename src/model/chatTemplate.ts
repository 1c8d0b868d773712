// A checkpoint's chat template (Jinja, from tokenizer_config.json, or chat_template.jinja / chat_template.json
// as newer transformers save it), rendered with @huggingface/jinja for one user turn plus the generation
// prompt, as transformers' apply_chat_template(..., add_generation_prompt=True) does. It also reports where
// the user's prompt sits in the rendered text, so attributions on template tokens map back to the prompt.
// The rendered text already holds any BOS the template writes: encode it with addSpecialTokens false
// (apply_chat_template(tokenize=True) does the same).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import strftime from 'strftime';
import { fail, ok, type Result } from '../lensError';

export interface ChatTemplate {
  readonly source: string; // the Jinja text
  readonly file: string; // where it came from
  readonly bosToken: string;
  readonly eosToken: string;
}

export interface RenderedChat {
  readonly text: string;
  // text.slice(promptStart, promptEnd) === prompt.slice(sourceStart, sourceStart + promptEnd - promptStart);
  // sourceStart > 0 only when the template trims the prompt
  readonly promptStart: number;
  readonly promptEnd: number;
  readonly sourceStart: number;
}

const NO_CHAT_HINT =
  'Run without --chat to explain the raw prompt, or use a checkpoint whose tokenizer_config.json has a chat_template.';

/**
 * transformers gives templates strftime_now (Llama 3.1-3.3 date their system turn with it), which formats in
 * Python's C locale ("02 Dec 2026"). @huggingface/jinja's own formats month names in the machine's locale and
 * knows fewer directives, so templates call this one instead, under a name of its own.
 */
const DATE_FUNCTION = 'lens_strftime_now';

/** A string no template produces by itself, used to find where the user's message lands. */
const SENTINEL = 'LENS\u2063PROMPT\u2063SENTINEL';

export function loadChatTemplate(dir: string): Result<ChatTemplate> {
  const configPath = join(dir, 'tokenizer_config.json');
  let config: Record<string, unknown> = {};
  if (existsSync(configPath)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(configPath, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        config = parsed as Record<string, unknown>;
    } catch (e) {
      return fail(
        'bad-tokenizer',
        `${configPath}: not valid JSON (${(e as Error).message})`,
        'Save the tokenizer again with transformers.',
      );
    }
  }
  const found = findTemplate(dir, configPath, config.chat_template);
  if (!found)
    return fail(
      'no-chat-template',
      `${dir}: no chat template (not in tokenizer_config.json, no chat_template.jinja)`,
      NO_CHAT_HINT,
    );
  return ok({
    source: found.source,
    file: found.file,
    bosToken: tokenString(config.bos_token),
    eosToken: tokenString(config.eos_token),
  });
}

function findTemplate(
  dir: string,
  configPath: string,
  inConfig: unknown,
): { source: string; file: string } | undefined {
  const fromConfig = pickTemplate(inConfig);
  if (fromConfig !== undefined) return { source: fromConfig, file: configPath };
  const jinjaPath = join(dir, 'chat_template.jinja');
  if (existsSync(jinjaPath)) return { source: readFileSync(jinjaPath, 'utf8'), file: jinjaPath };
  const jsonPath = join(dir, 'chat_template.json');
  if (existsSync(jsonPath)) {
    try {
      const source = pickTemplate(
        (JSON.parse(readFileSync(jsonPath, 'utf8')) as { chat_template?: unknown }).chat_template,
      );
      if (source !== undefined) return { source, file: jsonPath };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** chat_template is a string, or a list of {name, template} of which we take "default". */
function pickTemplate(raw: unknown): string | undefined {
  if (typeof raw === 'string' && raw.length > 0) return raw;
  if (Array.isArray(raw)) {
    const entry = raw.find((t) => typeof t === 'object' && t !== null && (t as { name?: unknown }).name === 'default');
    const template = (entry as { template?: unknown } | undefined)?.template;
    if (typeof template === 'string') return template;
  }
  return undefined;
}

/** bos_token / eos_token: a string, or an AddedToken object with .content. */
function tokenString(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'object' && raw !== null && typeof (raw as { content?: unknown }).content === 'string') {
    return (raw as { content: string }).content;
  }
  return '';
}

export function renderChat(chat: ChatTemplate, prompt: string): Result<RenderedChat> {
  let template: Template;
  try {
    template = new Template(chat.source.replace(/\bstrftime_now\b/g, DATE_FUNCTION));
  } catch (e) {
    return fail(
      'no-chat-template',
      `${chat.file}: the chat template cannot be parsed (${(e as Error).message})`,
      NO_CHAT_HINT,
    );
  }
  const now = new Date();
  const render = (content: string) =>
    template.render({
      messages: [{ role: 'user', content }],
      bos_token: chat.bosToken,
      eos_token: chat.eosToken,
      add_generation_prompt: true,
      [DATE_FUNCTION]: (format: unknown) => strftime(String(format), now),
    });
  let text: string;
  let withSentinel: string;
  try {
    text = render(prompt);
    withSentinel = render(SENTINEL);
  } catch (e) {
    return fail(
      'no-chat-template',
      `${chat.file}: the chat template failed for a single user message (${(e as Error).message})`,
      NO_CHAT_HINT,
    );
  }
  const span = locatePrompt(text, withSentinel.indexOf(SENTINEL), prompt);
  if (!span)
    return fail(
      'no-chat-template',
      `${chat.file}: the chat template changes the prompt text, so tokens cannot be mapped back to it`,
      NO_CHAT_HINT,
    );
  return ok({ text, ...span });
}

/** Where the prompt (or, for templates that trim it, its trimmed text) is copied into `text`. */
function locatePrompt(text: string, guess: number, prompt: string): Omit<RenderedChat, 'text'> | undefined {
  const trimmed = prompt.trim();
  const sourceStart = prompt.indexOf(trimmed);
  for (const [piece, from] of [
    [prompt, 0],
    [trimmed, sourceStart],
  ] as const) {
    // the sentinel's position is right unless the template's text before the message depends on the content
    const at = guess >= 0 && text.startsWith(piece, guess) ? guess : text.lastIndexOf(piece);
    if (at >= 0) return { promptStart: at, promptEnd: at + piece.length, sourceStart: from };
  }
  return undefined;
}
