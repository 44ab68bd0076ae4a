import { InvalidArgumentError } from 'commander';

/**
 * Parsers for numeric options, for commander's `argParser`: a bad value becomes commander's own
 * "option '-n, --max-results <n>' argument 'abc' is invalid. …" and exit code 2.
 */

/** A whole number ≥ `min`. */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`Expected a whole number ≥ ${min}.`);
    return n;
  };
}

/** A TCP port: 0 (pick a free one) to 65535. */
export function port(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('Expected a port number from 0 to 65535.');
  return n;
}

/** A number > 0 (seconds, milliseconds…). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('Expected a positive number.');
  return n;
}

/** A number ≥ 0. */
export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('Expected a number ≥ 0.');
  return n;
}

/** A comma-separated list (`a,b, c`), empty items dropped; repeated options accumulate. */
export function commaList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}
