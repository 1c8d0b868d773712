// The integer options of every command, parsed in one way: a bad value gets one error/hint pair, like every
// other bad input.
import { report } from './report';

/** An integer option, checked here rather than by commander so that a bad value gets one error/hint pair. */
export function intOption(
  value: string | undefined,
  option: string,
  min: number,
  fallback: number,
  example: string,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    report({
      code: 'bad-argument',
      message: `${option} must be an integer >= ${min}, got ${JSON.stringify(value)}`,
      hint: `e.g. ${option} ${example}`,
    });
  }
  return n;
}

/** An integer option without a default: undefined when it is not given. */
export function optionalIntOption(
  value: string | undefined,
  option: string,
  min: number,
  example: string,
): number | undefined {
  return value === undefined ? undefined : intOption(value, option, min, min, example);
}

/** --threads of every command that runs onnxruntime: undefined (all cores) when it is not given. */
export const threadsOption = (value: string | undefined) => optionalIntOption(value, '--threads', 1, '2');
