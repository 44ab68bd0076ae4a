import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@runlog/core';
import { parsePythonFloat, parsePythonInt } from '@runlog/core/internal';
import type { EntryPointSpec, ParameterSpec } from './project-spec.js';
import { shellQuote } from './shell-quote.js';

/** Parameter values given by the caller (`-P k=v`); numbers and booleans are written as text. */
export type UserParameters = Record<string, string | number | boolean>;

/** The values of an entry point's parameters, checked. */
export interface ResolvedParameters {
  /**
   * The params the run logs, as `mlflow run` logs them: declared ones first (in declaration
   * order, defaults filled in), then the extra ones, every value shell-quoted, `path` values as
   * given (not resolved).
   */
  logged: Record<string, string>;
  /** The command to run, with the placeholders filled and the extra params appended as `--key value`. */
  command: string;
}

/** Fetches a `path` parameter that is not a local path (`runs:/`, `models:/`, ...) and returns a local path. */
export type RemotePathResolver = (param: ParameterSpec, uri: string, position: number) => Promise<string>;

/** The `-P` values of the command line as a record: `k=v`, split at the first `=`; a repeated name is refused. */
export function parseParameterArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`Invalid format for -P parameter: '${arg}'. Use -P name=value.`);
    const name = arg.slice(0, eq);
    if (Object.hasOwn(out, name)) throw new InvalidArgumentError(`Repeated parameter: '${name}'`);
    out[name] = arg.slice(eq + 1);
  }
  return out;
}

/**
 * Checks `user` against the entry point without touching anything: every declared parameter has a
 * value (MLflow's message otherwise), `float` and `int` values parse as such, `uri` values have a
 * scheme, local `path` values exist. Throws InvalidArgumentError at the first problem.
 */
export function checkParameters(entry: EntryPointSpec, user: UserParameters, cwd: string): void {
  const missing = entry.parameters.filter((p) => !Object.hasOwn(user, p.name) && p.default === null).map((p) => `'${p.name}'`);
  if (missing.length > 0) throw new InvalidArgumentError(`No value given for missing parameters: ${missing.join(', ')}`);
  for (const p of entry.parameters) checkValue(p, valueOf(p, user), cwd);
}

/**
 * Checks the parameters (see checkParameters), then fills the command: `{name}` becomes the
 * shell-quoted value (a `path` resolved to an absolute local path, fetched first through
 * `resolveRemote` when it is a URI), and the extra params are appended as `--key value`.
 */
export async function resolveParameters(
  entry: EntryPointSpec,
  user: UserParameters,
  opts: { cwd: string; resolveRemote?: RemotePathResolver | undefined },
): Promise<ResolvedParameters> {
  checkParameters(entry, user, opts.cwd);
  const logged: Record<string, string> = {};
  const substituted: Record<string, string> = {};
  for (const [position, p] of entry.parameters.entries()) {
    const value = valueOf(p, user);
    logged[p.name] = shellQuote(value);
    substituted[p.name] = shellQuote(await commandValue(p, value, position, opts));
  }
  const extra: string[] = [];
  for (const [key, raw] of Object.entries(user)) {
    if (entry.parameters.some((p) => p.name === key)) continue;
    const value = shellQuote(String(raw));
    logged[shellQuote(key)] = value;
    extra.push(`--${shellQuote(key)} ${value}`);
  }
  return { logged, command: [formatCommand(entry, substituted), ...extra].join(' ') };
}

/**
 * Python's `str.format(**params)` on the command template: `{{` and `}}` are literal braces,
 * `{name}` is the value. A placeholder naming no parameter is refused.
 */
export function formatCommand(entry: EntryPointSpec, values: Record<string, string>): string {
  return entry.command.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    if (name !== undefined && Object.hasOwn(values, name)) return values[name]!;
    throw new InvalidArgumentError(`The command of entry point '${entry.name}' refers to ${match}, which is not one of its parameters.`);
  });
}

function valueOf(p: ParameterSpec, user: UserParameters): string {
  return Object.hasOwn(user, p.name) ? String(user[p.name]) : p.default!;
}

/** A local path (no scheme, or `file:` without a host), or undefined for a remote URI. */
export function localPathOf(value: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)?.[1];
  if (scheme === undefined) return value;
  if (scheme.toLowerCase() === 'file' && !/^file:\/\/[^/]/i.test(value)) return fileURLToPath(value.startsWith('file:///') ? value : `file://${value.slice(5)}`);
  return undefined;
}

function checkValue(p: ParameterSpec, value: string, cwd: string): void {
  switch (p.type) {
    case 'float':
      if (parsePythonFloat(value) === undefined) throw new InvalidArgumentError(`Parameter '${p.name}' is a float, but got '${value}'.`);
      return;
    case 'int':
      if (parsePythonInt(value) === undefined) throw new InvalidArgumentError(`Parameter '${p.name}' is an int, but got '${value}'.`);
      return;
    case 'uri':
      if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) throw new InvalidArgumentError(`Expected URI for parameter ${p.name} but got ${value}`);
      return;
    case 'path': {
      const local = localPathOf(value);
      if (local !== undefined && !existsSync(resolve(cwd, local))) {
        throw new InvalidArgumentError(`Got value ${value} for parameter ${p.name}, but no such file or directory was found.`);
      }
      return;
    }
    default:
      return;
  }
}

async function commandValue(p: ParameterSpec, value: string, position: number, opts: { cwd: string; resolveRemote?: RemotePathResolver | undefined }): Promise<string> {
  if (p.type !== 'path') return value;
  const local = localPathOf(value);
  if (local !== undefined) return resolve(opts.cwd, local);
  if (opts.resolveRemote === undefined) throw new InvalidArgumentError(`Parameter ${p.name}: cannot fetch ${value} (no tracking client to download it with).`);
  return opts.resolveRemote(p, value, position);
}
