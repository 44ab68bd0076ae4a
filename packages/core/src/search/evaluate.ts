import { likeRegExp } from './compare.js';
import type { FilterClause, NumericComparator, StringComparator } from './filter-parser.js';

/** Reads one searchable value of an item; `undefined` when the item lacks it. */
export type Getter<T> = (item: T) => string | number | undefined;

/** A record's own value for `key`: never one inherited from Object.prototype (`toString`). */
export function own(record: Readonly<Record<string, string | number>>, key: string): string | number | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Compiles parsed clauses into one predicate: every clause must hold. As in MLflow, an item that
 * lacks the value a clause reads (no such metric, param or tag; no end time yet) fails that clause,
 * whatever the operator, `!=` and `NOT IN` included; only `IS NULL` matches absence.
 * `matchesAbsent(clause)` may say otherwise for a clause (MLflow's experiment search has such a
 * case). `getterFor` may throw for a clause its store cannot evaluate.
 */
export function compileFilter<T>(
  clauses: readonly FilterClause[],
  getterFor: (clause: FilterClause) => Getter<T>,
  matchesAbsent: (clause: FilterClause) => boolean = () => false,
): (item: T) => boolean {
  const tests = clauses.map((clause) => {
    const get = getterFor(clause);
    const test = compileClause(clause, get);
    if (clause.kind === 'null' || !matchesAbsent(clause)) return test;
    return (item: T) => get(item) === undefined || test(item);
  });
  return (item) => tests.every((test) => test(item));
}

function compileClause<T>(clause: FilterClause, get: Getter<T>): (item: T) => boolean {
  switch (clause.kind) {
    case 'null':
      return clause.comparator === 'IS NULL' ? (item) => get(item) === undefined : (item) => get(item) !== undefined;
    case 'number': {
      const test = numberTest(clause.comparator, clause.value);
      return (item) => {
        const v = get(item);
        return typeof v === 'number' && test(v);
      };
    }
    case 'string': {
      const test = stringTest(clause.comparator, clause.value);
      return (item) => {
        const v = get(item);
        return typeof v === 'string' && test(v);
      };
    }
    case 'list': {
      const values = new Set(clause.values);
      const wanted = clause.comparator === 'IN';
      return (item) => {
        const v = get(item);
        return typeof v === 'string' && values.has(v) === wanted;
      };
    }
  }
}

// IEEE comparisons, as Python's on floats: a NaN metric satisfies only `!=`.
function numberTest(op: NumericComparator, x: number): (v: number) => boolean {
  switch (op) {
    case '=':
      return (v) => v === x;
    case '!=':
      return (v) => v !== x;
    case '>':
      return (v) => v > x;
    case '>=':
      return (v) => v >= x;
    case '<':
      return (v) => v < x;
    case '<=':
      return (v) => v <= x;
  }
}

function stringTest(op: StringComparator, x: string): (v: string) => boolean {
  switch (op) {
    case '=':
      return (v) => v === x;
    case '!=':
      return (v) => v !== x;
    case 'LIKE':
    case 'ILIKE': {
      const re = likeRegExp(x, op === 'ILIKE');
      return (v) => re.test(v);
    }
  }
}
