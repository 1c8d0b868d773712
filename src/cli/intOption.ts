// Integer options of the CLI, two ways: commander's parser (its own error line, then the help) where the
// command has always used it, and a check that reports one error/hint pair like every other bad input.
import { InvalidArgumentError } from 'commander';
import { report } from './report';

/** A commander argument parser for n >= 1. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

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
