import { compareCodePoints } from '../py/yaml-resolver.js';

/**
 * Comparison primitives with Python's semantics, so the local store orders and matches strings
 * exactly as MLflow's FileStore does.
 */

/** Python's str ordering (one definition, shared with the YAML emitter's key sort). */
export { compareCodePoints };

const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

/**
 * Compiles SQL LIKE as MLflow's FileStore evaluates it: `%` is any run of characters and `_`
 * exactly one, neither crossing a newline (Python's `.`); everything else is literal; there is no
 * escape character. A pattern not ending in `%` may still match before one trailing newline
 * (Python's `$`). `ignoreCase` gives ILIKE (Unicode simple case folding).
 */
export function likeRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern.replace(REGEX_SYNTAX, '\\$&').replace(/%/g, '[^\\n]*').replace(/_/g, '[^\\n]');
  return new RegExp(`^${body}${pattern.endsWith('%') ? '' : '(?=\\n?$)'}`, ignoreCase ? 'iu' : 'u');
}

/** A sort value: a number, a string, or absent (`undefined`). */
export type SortValue = number | string | undefined;

/** Python-style `<` / `==` between two present values of the same kind. */
export function comparePresent(a: number | string, b: number | string): number {
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** One sort key: how to read it, and its direction. */
export interface SortKey<T> {
  get: (item: T) => SortValue;
  ascending: boolean;
}

/** Orders by each key in turn; absent values sort last whatever the direction, as MLflow's search does. */
export function compareByKeys<T>(keys: readonly SortKey<T>[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const { get, ascending } of keys) {
      const x = get(a);
      const y = get(b);
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const c = comparePresent(x, y);
      if (c !== 0) return ascending ? c : -c;
    }
    return 0;
  };
}
