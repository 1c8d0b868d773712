// The extension's setting defaults in package.json are the engine's: a user of the panel and of the CLI gets
// the same run when neither sets anything.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_MAX_NEW_TOKENS } from '../../src/methods/attribution/defaults';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const properties = manifest.contributes.configuration.properties;

test('instructionLens.maxNewTokens defaults to the CLI --max-new-tokens default', () => {
  assert.equal(properties['instructionLens.maxNewTokens'].default, DEFAULT_MAX_NEW_TOKENS);
});
