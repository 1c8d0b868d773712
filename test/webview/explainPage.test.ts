// The explain panel's page (the built bundle dist/webview/explain.js) in happy-dom with a stand-in for the
// VS Code webview API: it announces itself, renders the view the host sends (tokens, score, shading), and
// sends instruction edits and export requests in the protocol's shapes. Checked against the view model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { page, shadeOf } from './pageHarness';
import type { ExplainView } from '../../src/protocol';
import { explainView } from '../../src/ui/viewModel/explainView';
import { fixture } from '../ui/explainFixture';

test('renders the view: tokens, labels, score; hover shades the prompt by the attribution column', () => {
  const { window, document, posted, send } = page('explain');
  assert.deepEqual(posted, [{ type: 'ready' }]);
  const view: ExplainView = explainView(fixture(), 'tuned', false);
  send({ type: 'explanation', view });
  const prompt = [...document.querySelectorAll('.tokens.prompt .token')];
  const response = [...document.querySelectorAll('.tokens.response .token')];
  assert.equal(prompt.length, view.promptTokens.length);
  assert.equal(response.length, view.responseTokens.length);
  assert.equal(document.getElementById('instruction-importance')!.textContent, view.instructionImportance.toFixed(3));
  assert.deepEqual(
    prompt.map((t) => t.classList.contains('instruction')),
    view.promptTokens.map((t) => t.instruction),
  );
  prompt.forEach((t, n) =>
    assert.ok(Math.abs(shadeOf(t) - view.promptTokens[n].shade) < 1e-9, `density shade of token ${n}`),
  );
  assert.match(prompt[0].getAttribute('aria-label')!, /special token/);
  assert.equal(document.querySelector('.tokens.prompt')!.getAttribute('role'), 'listbox');

  response[1].dispatchEvent(new window.Event('mouseenter'));
  prompt.forEach((t, n) =>
    assert.ok(Math.abs(shadeOf(t) - view.byResponse[1][n]) < 1e-9, `attribution shade of token ${n}`),
  );
  assert.ok(document.querySelector('.tokens.prompt')!.classList.contains('by-attribution'));
  response[1].dispatchEvent(new window.Event('mouseleave'));
  prompt.forEach((t, n) => assert.ok(Math.abs(shadeOf(t) - view.promptTokens[n].shade) < 1e-9));
});

test('a character split over tokens: shown on its first token, the others marked as its continuation', () => {
  const { document, send } = page('explain');
  const json = fixture();
  // " apple." becomes " appl", "é" (its first byte), and a continuation holding é's second byte
  const prompt_tokens = [
    ...json.prompt_tokens.slice(0, 4),
    { id: 14, text: ' appl', start: 14, end: 19, special: false, continuation: false },
    { id: 15, text: 'é', start: 19, end: 20, special: false, continuation: false },
    { id: 16, text: '', start: 19, end: 20, special: false, continuation: true },
  ];
  const view = explainView(
    {
      ...json,
      prompt: 'Spell the word applé',
      prompt_tokens,
      attribution: [...json.attribution, json.attribution[4], json.attribution[4]],
      density: [...json.density, 0, 0],
      instruction_mask: [...json.instruction_mask, false, false],
    },
    'tuned',
    false,
  );
  send({ type: 'explanation', view });
  const tokens = [...document.querySelectorAll('.tokens.prompt .token')];
  assert.equal(tokens.map((t) => t.textContent).join(''), '<s>Spell the word applé');
  assert.deepEqual(
    tokens.map((t) => t.classList.contains('continuation')),
    [false, false, false, false, false, false, true],
  );
  assert.match(tokens[6].getAttribute('aria-label')!, /continuation of the character before/);
});

test('selecting prompt tokens then Mark sends setInstruction; clicking a prompt token shades the response', () => {
  const { window, document, posted, send } = page('explain');
  const view = explainView(fixture(), 'tuned', false);
  send({ type: 'explanation', view });
  const prompt = [...document.querySelectorAll('.tokens.prompt .token')];
  prompt[4].dispatchEvent(new window.MouseEvent('click'));
  const response = [...document.querySelectorAll('.tokens.response .token')];
  response.forEach((t, m) =>
    assert.ok(Math.abs(shadeOf(t) - view.byPrompt[4][m]) < 1e-9, `driven shade of response token ${m}`),
  );
  prompt[2].dispatchEvent(new window.MouseEvent('click', { shiftKey: true })); // range 2..4
  assert.equal(prompt[3].getAttribute('aria-selected'), 'true');
  document.getElementById('mark-instruction')!.dispatchEvent(new window.MouseEvent('click'));
  const edit = posted.at(-1) as { type: string; tokens: number[]; instruction: boolean };
  assert.equal(edit.type, 'setInstruction');
  assert.deepEqual([...edit.tokens].sort(), [2, 3, 4]);
  assert.equal(edit.instruction, true);
  document.getElementById('export-html')!.dispatchEvent(new window.MouseEvent('click'));
  assert.deepEqual(posted.at(-1), { type: 'export', format: 'html' });
});

test('busy and failed states', () => {
  const { document, send } = page('explain');
  send({ type: 'busy', message: 'Explaining with tuned…' });
  assert.match(document.querySelector('.busy')!.textContent!, /Explaining/);
  send({ type: 'failed', message: 'the prompt is 300 tokens', hint: 'Shorten it.' });
  assert.equal(document.querySelector('.busy'), null);
  assert.match(document.querySelector('.message.error')!.textContent!, /300 tokens.*Shorten/);
});

test('the embedded demonstrator: one line above the explanation, Add Model beside it; none for other models', () => {
  const { window, document, posted, send } = page('explain');
  const json = fixture();
  send({ type: 'explanation', view: explainView(json, 'mine', false) });
  assert.equal(document.getElementById('demonstrator-notice'), null);
  send({
    type: 'explanation',
    view: explainView(
      json,
      'wordnet-tuned',
      false,
      'wordnet-tuned is a 2.6M-parameter demonstrator trained on WordNet; add your own model for real findings.',
    ),
  });
  const notice = document.getElementById('demonstrator-notice')!;
  assert.equal(
    notice.querySelector('span')!.textContent,
    'wordnet-tuned is a 2.6M-parameter demonstrator trained on WordNet; add your own model for real findings.',
  );
  assert.equal(document.getElementById('root')!.firstElementChild, notice, 'the first line of the panel');
  document.getElementById('add-model')!.dispatchEvent(new window.MouseEvent('click'));
  assert.deepEqual(posted.at(-1), { type: 'addModel' });
});
