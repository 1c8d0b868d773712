// `npm run demo`: explains one prompt end to end with the CLI.
// The embedded default models (a trained base/instruction-tuned pair) are not in the repository yet, so this
// demo writes a small RANDOM llama checkpoint and says so: the attribution is real, the model meaningless.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeRandomCheckpoint } from '../test/helpers/randomCheckpoint';

const dir = join(__dirname, '..', '.tmp', 'demo-random-llama');
if (!existsSync(join(dir, 'config.json'))) {
  writeRandomCheckpoint(dir, { family: 'llama', hiddenSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, maxPositions: 256, seed: 2024 });
}
process.stdout.write(
  [
    '=====================================================================================',
    ' DEMO ON A RANDOM CHECKPOINT: the embedded default models are not trained yet.',
    ` This run uses a small random Llama-shaped checkpoint written to ${dir}.`,
    ' The attribution and densities are computed exactly, but the model itself is noise.',
    '=====================================================================================',
    '',
  ].join('\n'),
);
const json = join(dir, '..', 'demo-explanation.json');
const run = spawnSync(
  process.execPath,
  [join(__dirname, '..', 'dist', 'cli.js'), 'explain', '--model', dir, '--prompt', 'Define the word apple. Use it in a sentence.', '--max-new-tokens', '12', '--json', json],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
