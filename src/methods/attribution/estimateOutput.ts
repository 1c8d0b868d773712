// What `explain --estimate` and `batch --estimate` print, and the --max-new-tokens option the prompt-running
// commands share.
import { writeFileSync } from 'node:fs';
import { intOption } from '../../terminal/intOption';
import { estimateJson, renderEstimate, type Estimate } from './estimate';
import { DEFAULT_MAX_NEW_TOKENS } from './defaults';

/** --max-new-tokens of explain, batch and compare, checked. */
export const maxNewTokensOption = (value: string | undefined) =>
  intOption(value, '--max-new-tokens', 1, DEFAULT_MAX_NEW_TOKENS, String(DEFAULT_MAX_NEW_TOKENS));

/** `--estimate`: the cost on stdout, and as an object in --json. */
export function printEstimate(estimate: Estimate, json: string | undefined): void {
  if (json) writeFileSync(json, JSON.stringify(estimateJson(estimate), null, 1));
  process.stdout.write(renderEstimate(estimate) + '\n');
  if (json) process.stdout.write(`wrote ${json}\n`);
}
