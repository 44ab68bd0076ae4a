import type * as tfjs from '@tensorflow/tfjs';
import { debuglog } from 'node:util';
import { UnknownFlavorError } from '@runlog/core';

const debug = debuglog('runlog');

/**
 * The TF.js module runlog works with: `@tensorflow/tfjs` or `@tensorflow/tfjs-node` (which re-exports
 * it). Only the API both share is used.
 */
export type TfjsModule = typeof tfjs;

/** A TF.js module with the npm package it came from, for the model's environment spec. */
export interface ResolvedTfjs {
  readonly tf: TfjsModule;
  /** '@tensorflow/tfjs-node' when the native binding is in use, else '@tensorflow/tfjs'. */
  readonly packageName: '@tensorflow/tfjs' | '@tensorflow/tfjs-node';
  /** That package's version. */
  readonly version: string;
}

// Specifiers are held in variables so neither TypeScript nor a bundler resolves them at build time:
// a user without TF.js never loads it, and one with only tfjs-node does not need tfjs's types.
const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS = '@tensorflow/tfjs';

let lazy: Promise<ResolvedTfjs> | undefined;

/**
 * The TF.js to use: `explicit` when given (a `tf` module the caller passed in), else the first of
 * `@tensorflow/tfjs-node` and `@tensorflow/tfjs` that imports, found once and cached.
 * @throws UnknownFlavorError when neither is installed.
 */
export async function resolveTfjs(explicit?: unknown): Promise<ResolvedTfjs> {
  if (explicit !== undefined && explicit !== null) return describeTfjs(asTfjsModule(explicit, 'flavorOptions.tf'));
  lazy ??= importTfjs();
  try {
    return await lazy;
  } catch (err) {
    lazy = undefined; // a later call may succeed once a package is installed
    throw err;
  }
}

/** Names the package a TF.js module came from: tfjs-node adds `version['tfjs-node']` and the 'tensorflow' backend. */
export function describeTfjs(tf: TfjsModule, imported?: ResolvedTfjs['packageName']): ResolvedTfjs {
  const versions = (tf.version ?? {}) as Record<string, string | undefined>;
  const nodeVersion = versions['tfjs-node'];
  const isNode = imported === TFJS_NODE || nodeVersion !== undefined || safeBackend(tf) === 'tensorflow';
  const tfjsVersion = versions['tfjs'] ?? versions['tfjs-core'] ?? 'unknown';
  return isNode
    ? { tf, packageName: TFJS_NODE, version: nodeVersion ?? tfjsVersion }
    : { tf, packageName: TFJS, version: tfjsVersion };
}

async function importTfjs(): Promise<ResolvedTfjs> {
  const failures: string[] = [];
  for (const specifier of [TFJS_NODE, TFJS] as const) {
    let mod: unknown;
    try {
      mod = await import(specifier);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // Not installed is the ordinary case for tfjs-node; anything else (a broken native binding) is worth a note.
      if (code !== 'ERR_MODULE_NOT_FOUND') debug('tfjs: importing %s failed: %s', specifier, String(err));
      failures.push(`${specifier}: ${code === 'ERR_MODULE_NOT_FOUND' ? 'not installed' : String(err)}`);
      continue;
    }
    return describeTfjs(asTfjsModule(mod, specifier), specifier);
  }
  throw new UnknownFlavorError(
    `the tfjs flavor needs @tensorflow/tfjs or @tensorflow/tfjs-node; neither could be imported (${failures.join('; ')})`,
  );
}

/** Accepts an ES namespace or a CommonJS `module.exports` (under `default` when imported from ESM). */
function asTfjsModule(mod: unknown, from: string): TfjsModule {
  const candidates = [mod, (mod as { default?: unknown } | null)?.default];
  for (const c of candidates) {
    const m = c as Partial<TfjsModule> | null | undefined;
    if (m && typeof m === 'object' && m.io && typeof m.loadLayersModel === 'function' && typeof m.tensor === 'function') {
      return m as TfjsModule;
    }
  }
  throw new UnknownFlavorError(`${from} is not a TF.js module (no io, loadLayersModel, tensor)`);
}

function safeBackend(tf: TfjsModule): string | undefined {
  try {
    return tf.getBackend();
  } catch {
    return undefined;
  }
}
