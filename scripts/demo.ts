// `npm run demo`: explains one prompt end to end with the CLI on the embedded instruction-tuned model
// (models/wordnet-tuned, a 2.6M-parameter Llama trained by `npm run train:models`), through its chat template.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const model = join(root, 'models', 'wordnet-tuned');
if (!existsSync(join(model, 'config.json'))) {
  process.stderr.write(
    `error: the embedded model is missing from ${model}\nhint: it is part of the repository; ` +
      `restore it with git, or rebuild the pair with \`npm run train:models\`.\n`,
  );
  process.exit(1);
}
const prompt = 'Spell "river" backwards.'; // one of the phrasings the tuned model was trained on (the reverse family)
process.stdout.write(`Explaining "${prompt}" with the embedded instruction-tuned model (${model}).\n\n`);
mkdirSync(join(root, '.tmp'), { recursive: true }); // git-ignored scratch folder; absent in a fresh clone
const json = join(root, '.tmp', 'demo-explanation.json');
const run = spawnSync(
  process.execPath,
  [
    join(root, 'dist', 'cli.js'),
    'explain',
    '--model',
    model,
    '--chat',
    '--prompt',
    prompt,
    '--max-new-tokens',
    '40',
    '--json',
    json,
  ],
  { stdio: 'inherit' },
);
if (run.status === 0) process.stdout.write(`\nThe full explanation (JSON schema in docs/cli.md) is in ${json}.\n`);
process.exit(run.status ?? 1);
