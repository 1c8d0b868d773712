// The families' declarations (src/arch/families) are the one place a family is described: the README's
// table of supported checkpoints is theirs, word for word, every model type is read by exactly one family,
// and an unknown one is refused naming them all.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FAMILIES, familyOf, parseConfig, SUPPORTED_MODEL_TYPES } from '../../src/arch';

const README = join(__dirname, '..', '..', 'README.md');

/** The README's table as the declarations write it. */
export function familiesTable(): string {
  const rows = FAMILIES.map(
    (f) =>
      `| ${f.modelTypes.map((t) => `\`${t}\``).join(', ')} | ${f.readme.models} | ${f.readme.notes} | ` +
      `${f.readme.checked} |`,
  );
  return ['| `model_type` | families | notes | random checkpoints checked with |', '|---|---|---|---|', ...rows].join(
    '\n',
  );
}

test("the README's table of supported checkpoints is the families' own declarations", () => {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf('| `model_type` | families | notes |');
  assert.ok(start >= 0, 'the README has the table');
  const end = readme.indexOf('\n\n', start);
  assert.equal(
    readme.slice(start, end),
    familiesTable(),
    'README.md: replace the table with the one above (from src/arch/families)',
  );
});

test('each model type is read by exactly one family, which parses it', () => {
  assert.equal(new Set(SUPPORTED_MODEL_TYPES).size, SUPPORTED_MODEL_TYPES.length);
  for (const family of FAMILIES) for (const t of family.modelTypes) assert.equal(familyOf(t), family);
  assert.throws(() => familyOf('mamba'), /no family reads model_type "mamba"/);
  const refused = parseConfig({ model_type: 'mamba' });
  assert.ok(!refused.ok && refused.error.code === 'unsupported-arch');
  if (!refused.ok) for (const t of SUPPORTED_MODEL_TYPES) assert.ok(refused.error.hint.includes(t));
});
