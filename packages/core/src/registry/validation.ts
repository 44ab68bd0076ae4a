import { InvalidArgumentError } from '../errors.js';
import { codePointLength, validateKey } from '../validation.js';

/**
 * Model Registry input rules, as MLflow 3.18 checks them (mlflow/utils/validation.py, and the
 * file registry's extra name rules in mlflow/store/model_registry/file_store.py). runlog applies
 * them on both stores, so bad input fails the same way before any request or write.
 */

export const MAX_REGISTRY_TAG_KEY_LENGTH = 250;
export const MAX_REGISTRY_TAG_VALUE_LENGTH = 100_000;
export const MAX_ALIAS_LENGTH = 255;

/** Python's `\w` (Unicode letters, digits, underscore) plus '-'. */
const ALIAS_CHARS = /^[\p{L}\p{N}\p{M}_-]*$/u;
const VERSION_ALIAS = /^[vV]\d+$/;

/**
 * A registered model name, as every MLflow store checks it: non-blank, no '/' or ':'. A server
 * judges the rest itself (a SQL-backed one accepts '%', say); the file registry adds its own rules
 * (validateFileModelName).
 */
export function validateModelName(name: unknown, field = 'name'): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidArgumentError(`Missing value for required parameter '${field}': a registered model name is required.`);
  }
  if (/[/:]/.test(name)) throw new InvalidArgumentError(`Invalid model name '${name}'. Names cannot contain '/' or ':'.`);
  if (name.includes('\0')) throw new InvalidArgumentError(`Invalid model name '${name}'.`);
}

/**
 * The file registry's extra rules, because a name becomes a directory name (MLflow's file store:
 * no path separator, no '%', and nothing that normalizes to '.' or starts with '..').
 */
export function validateFileModelName(name: unknown, field = 'name'): asserts name is string {
  validateModelName(name, field);
  if (name.includes('\\')) throw new InvalidArgumentError(`Invalid name: '${name}'. Registered model name cannot contain path separator`);
  if (name.includes('%')) throw new InvalidArgumentError(`Invalid name: '${name}'. Registered model name cannot contain '%' character`);
  if (name === '.' || name.startsWith('..')) throw new InvalidArgumentError(`Invalid name: '${name}'. Names may not begin with '..' or be '.'.`);
}

/** A version number: an integer (MLflow's `int(version)`); returns its canonical decimal string. */
export function parseVersion(version: unknown): string {
  const text = typeof version === 'number' ? String(version) : typeof version === 'string' ? version.trim() : '';
  if (!/^[+-]?\d+$/.test(text) || (typeof version === 'number' && !Number.isSafeInteger(version))) {
    throw new InvalidArgumentError(`Parameter 'version' must be an integer, got ${JSON.stringify(version)}.`);
  }
  return String(Number(text));
}

/** An alias name: 1..255 characters among letters, digits, '_' and '-'. */
export function validateAlias(alias: unknown): asserts alias is string {
  if (typeof alias !== 'string' || alias === '') throw new InvalidArgumentError('Registered model alias name cannot be empty.');
  if (!ALIAS_CHARS.test(alias)) {
    throw new InvalidArgumentError(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  }
  if (codePointLength(alias) > MAX_ALIAS_LENGTH) {
    throw new InvalidArgumentError(`'Registered model alias name' exceeds the maximum length of ${MAX_ALIAS_LENGTH} characters`);
  }
}

/** Aliases that cannot be set: `latest` (any case) and version-like `v<N>` / `V<N>`. */
export function validateAliasNotReserved(alias: string): void {
  if (alias.toLowerCase() === 'latest') throw new InvalidArgumentError("'latest' alias name (case insensitive) is reserved.");
  if (VERSION_ALIAS.test(alias)) throw new InvalidArgumentError(`Version alias name '${alias}' is reserved.`);
}

/** A registered-model or model-version tag: MLflow's key rules, key ≤ 250, value ≤ 100,000 characters. */
export function validateRegistryTag(key: unknown, value: unknown): asserts key is string {
  validateKey('tag', key);
  if (codePointLength(key) > MAX_REGISTRY_TAG_KEY_LENGTH) {
    throw new InvalidArgumentError(`'key' exceeds the maximum length of ${MAX_REGISTRY_TAG_KEY_LENGTH} characters`);
  }
  if (typeof value !== 'string') throw new InvalidArgumentError(`The value of tag '${key}' must be a string.`);
  if (value.length > MAX_REGISTRY_TAG_VALUE_LENGTH && codePointLength(value) > MAX_REGISTRY_TAG_VALUE_LENGTH) {
    throw new InvalidArgumentError(`'value' exceeds the maximum length of ${MAX_REGISTRY_TAG_VALUE_LENGTH} characters`);
  }
}

/** Validates every tag of a record; returns it as [key, value] pairs. */
export function validateRegistryTags(tags: Record<string, string> | undefined): Array<[string, string]> {
  const entries = Object.entries(tags ?? {});
  for (const [k, v] of entries) validateRegistryTag(k, v);
  return entries;
}
