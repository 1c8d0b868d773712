// src/model/chatTemplate.ts: loading the template from its three homes, rendering real-world templates
// (Llama-2, ChatML) and locating the prompt in the rendered text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadChatTemplate, renderChat, type ChatTemplate, type RenderedChat } from '../../src/model/chatTemplate';
import { writeByteLevelBpeTokenizer } from '../helpers/tokenizerJson';

const tmp = () => mkdtempSync(join(tmpdir(), 'lens-chat-'));

const LLAMA2 =
  "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set " +
  "system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set " +
  "system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == " +
  "'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate " +
  "user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != " +
  "false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + " +
  "message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if " +
  "message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif " +
  "message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% " +
  'endfor %}';

const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + " +
  "'<|im_end|>\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' " +
  '}}{% endif %}';

function loaded(dir: string): ChatTemplate {
  const r = loadChatTemplate(dir);
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function rendered(chat: ChatTemplate, prompt: string): RenderedChat {
  const r = renderChat(chat, prompt);
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  const c = r.value;
  const n = c.promptEnd - c.promptStart;
  assert.equal(
    c.text.slice(c.promptStart, c.promptEnd),
    prompt.slice(c.sourceStart, c.sourceStart + n),
    'span invariant',
  );
  return c;
}

function withConfig(config: Record<string, unknown>): string {
  const dir = tmp();
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return dir;
}

test("the test tokenizer's template: text and prompt position", () => {
  const dir = tmp();
  writeByteLevelBpeTokenizer(dir);
  const c = rendered(loaded(dir), 'List three fruits.');
  assert.equal(c.text, '<|bos|>user: List three fruits.\nassistant:');
  assert.deepEqual([c.promptStart, c.promptEnd, c.sourceStart], [13, 31, 0]);
});

test('a prompt that also occurs in the template text is found at the message, not earlier', () => {
  const dir = tmp();
  writeByteLevelBpeTokenizer(dir);
  const c = rendered(loaded(dir), 'user');
  assert.equal(c.text, '<|bos|>user: user\nassistant:');
  assert.equal(c.promptStart, 13);
});

test('Llama-2 template: bos_token given as an object, the template trims the prompt', () => {
  const dir = withConfig({ chat_template: LLAMA2, bos_token: { content: '<s>', special: true }, eos_token: '</s>' });
  const chat = loaded(dir);
  assert.equal(chat.bosToken, '<s>');
  const c = rendered(chat, '  Write a poem.\n');
  assert.equal(c.text, '<s>[INST] Write a poem. [/INST]');
  assert.deepEqual([c.promptStart, c.promptEnd, c.sourceStart], [10, 23, 2]);
});

test('ChatML template chosen by name from a list', () => {
  const dir = withConfig({
    chat_template: [
      { name: 'tool_use', template: 'x' },
      { name: 'default', template: CHATML },
    ],
    eos_token: '<|im_end|>',
  });
  const c = rendered(loaded(dir), 'hi 😀');
  assert.equal(c.text, '<|im_start|>user\nhi 😀<|im_end|>\n<|im_start|>assistant\n');
  assert.equal(c.promptStart, 17);
});

test('chat_template.jinja and chat_template.json next to the config', () => {
  const a = tmp();
  writeFileSync(join(a, 'chat_template.jinja'), CHATML);
  assert.equal(loaded(a).source, CHATML);
  const b = withConfig({ bos_token: '<s>' });
  writeFileSync(join(b, 'chat_template.json'), JSON.stringify({ chat_template: CHATML }));
  assert.equal(loaded(b).source, CHATML);
});

test('no template: no-chat-template, with a hint to run without --chat', () => {
  for (const dir of [tmp(), withConfig({ bos_token: '<s>' })]) {
    const r = loadChatTemplate(dir);
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'no-chat-template');
    assert.ok(r.error.hint.includes('--chat'));
  }
});

test('templates that fail to parse, raise, or rewrite the prompt', () => {
  const chat = (source: string): ChatTemplate => ({
    source,
    file: 'tokenizer_config.json',
    bosToken: '',
    eosToken: '',
  });
  for (const source of [
    '{% for m in messages %}',
    "{{ raise_exception('no user turns') }}",
    '{{ messages[0].content | upper }}',
  ]) {
    const r = renderChat(chat(source), 'hello');
    assert.ok(!r.ok, source);
    assert.equal(r.error.code, 'no-chat-template');
  }
});

// the head of Llama 3.1-3.3's template: the system turn is dated with transformers' strftime_now
const LLAMA31_HEAD =
  '{{- bos_token }}{%- if not date_string is defined %}{%- if strftime_now is defined %}{%- set ' +
  'date_string = strftime_now("%d %b %Y") %}{%- else %}{%- set date_string = "26 Jul 2024" %}{%- ' +
  'endif %}{%- endif %}' +
  ('{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}{{- "Cutting Knowledge Date: December ' +
    '2023\\n" }}{{- "Today Date: " + date_string + "\\n\\n" }}{{- "<|eot_id|>" }}') +
  ("{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + " +
    "'<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}{%- endfor %}") +
  "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

test('strftime_now dates the system turn as transformers does (Llama 3.1); raise_exception gives its message', () => {
  const chat: ChatTemplate = {
    source: LLAMA31_HEAD,
    file: 'tokenizer_config.json',
    bosToken: '<|begin_of_text|>',
    eosToken: '<|eot_id|>',
  };
  const now = new Date();
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][now.getMonth()];
  const today = `${String(now.getDate()).padStart(2, '0')} ${month} ${now.getFullYear()}`; // Python's "%d %b %Y"
  const c = rendered(chat, 'Name a fruit.');
  assert.equal(
    c.text,
    `<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: ` +
      `December 2023\nToday Date: ${today}` +
      `\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nName a ` +
      `fruit.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
  );
  // in the C locale whatever the machine's: here a French one, where Intl would write "déc."
  const module = JSON.stringify(join(__dirname, '..', '..', 'src', 'model', 'chatTemplate.ts'));
  const script = `import { renderChat } from ${module};
    const r = renderChat(${JSON.stringify(chat)}, 'Name a fruit.');
    process.stdout.write(r.ok ? r.value.text : r.error.message);`;
  const file = join(tmp(), 'render.mts');
  writeFileSync(file, script);
  const child = spawnSync(process.execPath, ['--import', 'tsx', file], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'fr_FR.UTF-8', LANG: 'fr_FR.UTF-8' },
  });
  assert.equal(child.stdout, c.text, child.stderr);
  const raising = renderChat({ ...chat, source: "{{ raise_exception('System role not supported') }}" }, 'hello');
  assert.ok(!raising.ok && raising.error.message.includes('System role not supported'), JSON.stringify(raising));
});
