import { posix } from 'node:path';
import { InvalidArgumentError } from './errors.js';
import { MAX_ENTITY_KEY_LENGTH, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH } from './limits.js';

/**
 * MLflow's key rules for metric, param and tag names: word characters (Unicode letters, digits,
 * underscore), '/', '.', '-', ' ' and ':'; and the name must be a normalized relative POSIX path,
 * because the FileStore turns it into a file path.
 */
const KEY_CHARS = /^[/\p{L}\p{N}\p{M}_.\- :]*$/u;

/** Length in code points, as Python's len() counts. */
export function codePointLength(s: string): number {
  // Fast path: a UTF-16 length within the limit cannot be over it in code points.
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function isPathUnique(name: string): boolean {
  const norm = posix.normalize(name);
  // posix.normalize keeps a trailing slash where Python's normpath drops it.
  const pyNorm = norm.length > 1 && norm.endsWith('/') ? norm.slice(0, -1) : norm;
  return !(pyNorm !== name || pyNorm === '.' || pyNorm.startsWith('..') || pyNorm.startsWith('/'));
}

/** Throws InvalidArgumentError unless `key` is a valid MLflow metric/param/tag name. */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: unknown): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidArgumentError(`Invalid ${kind} key ${describe(key)}: a key must be a string.`);
  }
  if (!KEY_CHARS.test(key)) {
    throw new InvalidArgumentError(
      `Invalid ${kind} key ${JSON.stringify(key)}: names may only contain alphanumerics, underscores (_), ` +
        'dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).',
    );
  }
  if (!isPathUnique(key)) {
    throw new InvalidArgumentError(
      `Invalid ${kind} key ${JSON.stringify(key)}: names are stored as file paths and must not resolve to ` +
        `another name (no empty name, '//', './', '../', leading or trailing '/').`,
    );
  }
  if (key.length > MAX_ENTITY_KEY_LENGTH && codePointLength(key) > MAX_ENTITY_KEY_LENGTH) {
    throw new InvalidArgumentError(
      `Invalid ${kind} key ${JSON.stringify(key.slice(0, 40) + '...')}: it exceeds the maximum length of ` +
        `${MAX_ENTITY_KEY_LENGTH} characters.`,
    );
  }
}

/** Throws unless `value` is a number (NaN and ±Infinity are valid metric values, as in MLflow). */
export function validateMetricValue(key: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') {
    throw new InvalidArgumentError(
      `Invalid value ${describe(value)} for metric '${key}': metric values must be numbers.`,
    );
  }
}

/** Throws unless `step` is a safe integer. */
export function validateStep(key: string, step: unknown): asserts step is number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) {
    throw new InvalidArgumentError(`Invalid step ${describe(step)} for metric '${key}': steps must be integers.`);
  }
}

/** Throws unless `timestamp` is a non-negative integer of milliseconds. */
export function validateTimestamp(key: string, timestamp: unknown): asserts timestamp is number {
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new InvalidArgumentError(
      `Invalid timestamp ${describe(timestamp)} for metric '${key}': timestamps are non-negative integers ` +
        '(milliseconds since the epoch).',
    );
  }
}

/**
 * Converts a param or tag value to the string MLflow stores, truncating over-long values the way
 * MLflow does by default (MLFLOW_TRUNCATE_LONG_VALUES=true); with it set to false, throws instead.
 */
export function normalizeValue(kind: 'param' | 'tag', key: string, value: unknown, truncate: boolean): string {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    throw new InvalidArgumentError(`Invalid value ${describe(value)} for ${kind} '${key}'.`);
  }
  if (kind === 'tag' && typeof value === 'object' && value !== null) {
    // MLflow's set_tag writes Python's str(value); JS has no faithful equivalent for objects (1.0
    // and 1 are one number, a Date or a class has no Python text), so the caller picks the text.
    throw new InvalidArgumentError(
      `Invalid value for tag '${key}': ${Array.isArray(value) ? 'an array' : 'an object'}. Tag values are text: pass a string, e.g. JSON.stringify(value).`,
    );
  }
  const str = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  const limit = kind === 'param' ? MAX_PARAM_VALUE_LENGTH : MAX_TAG_VALUE_LENGTH;
  if (str.length <= limit || codePointLength(str) <= limit) return str;
  if (!truncate) {
    throw new InvalidArgumentError(
      `The value of ${kind} '${key}' (${codePointLength(str)} characters) exceeds the maximum length of ${limit}.`,
    );
  }
  return Array.from(str).slice(0, limit).join('');
}

/**
 * Checks an artifact sub-path given by the user: relative, '/'-separated, without '..' segments.
 * Returns it normalized ('' for the root).
 */
export function validateArtifactPath(path: string | undefined): string {
  if (path === undefined || path === '' || path === '.') return '';
  if (typeof path !== 'string') {
    throw new InvalidArgumentError(`Invalid artifact path ${describe(path)}: it must be a string.`);
  }
  const slashed = path.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) {
    throw new InvalidArgumentError(`Invalid artifact path ${JSON.stringify(path)}: it must be relative.`);
  }
  if (slashed.split('/').some((seg) => seg === '..')) {
    throw new InvalidArgumentError(`Invalid artifact path ${JSON.stringify(path)}: '..' is not allowed.`);
  }
  if (slashed.includes('\0')) {
    throw new InvalidArgumentError(`Invalid artifact path ${JSON.stringify(path)}: it contains a NUL byte.`);
  }
  return posix.normalize(slashed).replace(/\/+$/, '').replace(/^\.(\/|$)/, '');
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '...' : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}
