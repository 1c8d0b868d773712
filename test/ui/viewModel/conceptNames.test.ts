import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanConceptName, conceptNamePrompt } from '../../../src/ui/viewModel/conceptNames';

test('the prompt lists the words, trimmed', () => {
  const p = conceptNamePrompt([' India', ' France', '', 'urt']);
  assert.match(p, /: India, France, urt\.\n/);
  assert.match(p, /one to three words/);
});

test('answers are cleaned to a short name', () => {
  assert.equal(cleanConceptName('"Countries."'), 'Countries');
  assert.equal(cleanConceptName('\n  Concept: **European nations**\nbecause…'), 'European nations');
  assert.equal(cleanConceptName('   '), null);
  assert.equal(cleanConceptName('x'.repeat(50)), `${'x'.repeat(39)}…`);
});
