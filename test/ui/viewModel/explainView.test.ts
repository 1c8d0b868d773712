// The explain view model against plain recomputations from the JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainView, visibleText } from '../../../src/ui/viewModel/explainView';
import { fixture } from '../explainFixture';

test('shades, attribution shares and scores', () => {
  const json = fixture();
  const v = explainView(json, 'tuned', false);
  const dens = json.density.filter((d): d is number => d !== null);
  const max = Math.max(...dens);
  v.promptTokens.forEach((t, n) => {
    const d = json.density[n];
    assert.equal(t.shade, d === null ? 0 : d / max);
    assert.equal(t.instruction, json.instruction_mask[n]);
  });
  const N = json.prompt_tokens.length;
  const M = json.response_tokens.length;
  for (let m = 0; m < M; m++) {
    let colMax = 0;
    for (let n = 1; n < N; n++) colMax = Math.max(colMax, json.attribution[n][m]);
    for (let n = 0; n < N; n++)
      assert.equal(v.byResponse[m][n], n === 0 || colMax <= 0 ? 0 : Math.max(0, json.attribution[n][m]) / colMax);
    assert.equal(Math.max(...v.byResponse[m]), colMax > 0 ? 1 : 0);
  }
  for (let n = 1; n < N; n++) {
    const rowMax = Math.max(0, ...json.attribution[n]);
    for (let m = 0; m < M; m++)
      assert.equal(v.byPrompt[n][m], rowMax <= 0 ? 0 : Math.max(0, json.attribution[n][m]) / rowMax);
  }
  assert.deepEqual(v.byPrompt[0], [0, 0, 0]);
  assert.equal(v.instructionImportance, json.instruction_importance);
  assert.equal(v.instructionTokens, 3);
  assert.equal(v.responseTokens[1].text, '-p↵\n');
});

test('visible whitespace', () => {
  assert.equal(visibleText('a\nb\tc\r\n'), 'a↵\nb→\tc↵\n');
});
