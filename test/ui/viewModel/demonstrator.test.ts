// The embedded pair's one-line notice: only for the embedded models, with their size when it is known.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demonstratorNotice, demonstratorPairNotice, parameterCount } from '../../../src/ui/viewModel/demonstrator';

test('parameter counts read as people write them', () => {
  assert.equal(parameterCount(2_557_632), '2.6M');
  assert.equal(parameterCount(7_241_732_096), '7.2B');
  assert.equal(parameterCount(1234), '1.2K');
  assert.equal(parameterCount(999), '999');
});

test('the notice: the embedded models only', () => {
  assert.equal(
    demonstratorNotice({ name: 'wordnet-tuned', embedded: true }, 2_557_632),
    'wordnet-tuned is a 2.6M-parameter demonstrator trained on WordNet; add your own model for real findings.',
  );
  assert.equal(
    demonstratorNotice({ name: 'wordnet-tuned', embedded: true }),
    'wordnet-tuned is a small demonstrator trained on WordNet; add your own model for real findings.',
  );
  assert.equal(demonstratorNotice({ name: 'llama', embedded: false }, 7e9), null);
  const b = { name: 'wordnet-base', embedded: true };
  const t = { name: 'wordnet-tuned', embedded: true };
  const mine = { name: 'mine', embedded: false };
  assert.match(
    demonstratorPairNotice(b, t, 2_557_632)!,
    /^wordnet-base and wordnet-tuned are 2\.6M-parameter demonstrators/,
  );
  assert.match(demonstratorPairNotice(mine, t, 2_557_632)!, /^wordnet-tuned is a 2\.6M-parameter demonstrator/);
  assert.match(demonstratorPairNotice(b, mine)!, /^wordnet-base is a small demonstrator/);
  assert.equal(demonstratorPairNotice(mine, { ...mine, name: 'other' }), null);
});
