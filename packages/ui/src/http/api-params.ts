/**
 * The arguments of one API call, read the way MLflow's server reads them: from the query string for
 * GET (a repeated key is a list, `key[]=v` too), from the JSON body otherwise. Missing or wrong
 * arguments become 400 INVALID_PARAMETER_VALUE.
 */
import { invalidParameter } from './api-error.js';

export class ApiParams {
  private constructor(private readonly values: Record<string, unknown>) {}

  static fromQuery(query: URLSearchParams): ApiParams {
    const values: Record<string, unknown> = {};
    for (const [rawKey, value] of query) {
      const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
      const prev = values[key];
      if (prev === undefined) values[key] = rawKey.endsWith('[]') ? [value] : value;
      else values[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    return new ApiParams(values);
  }

  static fromBody(body: Record<string, unknown>): ApiParams {
    return new ApiParams(body);
  }

  /** The arguments as given (a request body to forward). */
  toJSON(): Record<string, unknown> {
    return this.values;
  }

  has(name: string): boolean {
    return this.values[name] !== undefined && this.values[name] !== null;
  }

  /** A string argument; `required` makes a missing one a 400. */
  string(name: string, required: true): string;
  string(name: string, required?: false): string | undefined;
  string(name: string, required = false): string | undefined {
    let v = this.values[name];
    if (Array.isArray(v)) v = v[v.length - 1];
    if (v === undefined || v === null || (required && v === '')) {
      if (required) throw invalidParameter(`Missing value for required parameter '${name}'.`);
      return undefined;
    }
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') throw invalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected a string.`);
    return v;
  }

  /** A list of strings (a single value is a one-element list). */
  strings(name: string): string[] {
    const v = this.values[name];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v : [v];
    return list.map((item) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number') return String(item);
      throw invalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected a list of strings.`);
    });
  }

  /** An integer (a number or a numeric string) within [min, max]. */
  integer(name: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const raw = this.string(name);
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    const { min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw invalidParameter(`Invalid value ${JSON.stringify(raw)} for parameter '${name}': expected an integer from ${min} to ${max}.`);
    }
    return n;
  }

  /** A finite number. */
  number(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw invalidParameter(`Invalid value ${JSON.stringify(raw)} for parameter '${name}': expected a number.`);
    return n;
  }

  /** One of a fixed set of words. */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw invalidParameter(`Invalid value ${JSON.stringify(raw)} for parameter '${name}': expected one of ${allowed.join(', ')}.`);
    }
    return raw as T;
  }

  /** A list of `{key, value}` objects (tags in create requests). */
  raw(name: string): unknown {
    return this.values[name];
  }
}
