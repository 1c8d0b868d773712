// The progress notification's words: stages with counts, and a long run's estimate kept beside later stages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressMessage, progressMessages } from '../../../src/ui/viewModel/progressText';

test('stages and counts', () => {
  assert.equal(progressMessage({ stage: 'load' }), 'loading the model…');
  assert.equal(progressMessage({ stage: 'generate', done: 3, total: 24 }), 'generating 3/24');
  assert.equal(progressMessage({ stage: 'attribute', done: 8, total: 24 }), 'attributing 8/24');
  assert.equal(progressMessage({ stage: 'heads' }), 'heads');
});

test("a long run's estimate is shown, then kept beside each later stage; without one nothing is added", () => {
  const message = progressMessages();
  assert.equal(
    message({ stage: 'estimate', estimate: 'about 42.0 s (3.10 TFLOP, peak 1.20 GiB)' }),
    'estimated about 42.0 s (3.10 TFLOP, peak 1.20 GiB)',
  );
  assert.equal(message({ stage: 'load' }), 'loading the model… (estimated about 42.0 s (3.10 TFLOP, peak 1.20 GiB))');
  assert.equal(
    message({ stage: 'attribute', done: 8, total: 24 }),
    'attributing 8/24 (estimated about 42.0 s (3.10 TFLOP, peak 1.20 GiB))',
  );
  assert.equal(progressMessages()({ stage: 'load' }), 'loading the model…');
});
