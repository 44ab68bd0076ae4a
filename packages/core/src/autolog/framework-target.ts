import semver from 'semver';
import { warnOnce } from './autolog-run.js';

/**
 * What an autolog plugin hooks, declared in one place: the framework's module names, the versions
 * it is tested with, and how to recognise the framework's module (a type guard).
 */
export interface FrameworkTarget<M> {
  /** Package names the framework is loaded from, tried in order (e.g. `['onnxruntime-node']`). */
  readonly modules: readonly string[];
  /**
   * The versions autologging is tested with: a semver range with an upper bound
   * (`'>=1.17.0 <2'`). Another version is still hooked, with a one-time warning.
   */
  readonly supportedVersions: string;
  /** The label of the version in the warning, when it is not `modules[0]` (e.g. `@tensorflow/tfjs-layers`). */
  readonly versionLabel?: string | undefined;
  /** What isModule() looks for, for the warning about a wrong module passed in: 'a TF.js module (no LayersModel)'. */
  readonly moduleDescription: string;
  /** True for the framework's module (CommonJS exports or an ES namespace). */
  isModule(mod: unknown): mod is M;
  /** The framework's version as the loaded module reports it; undefined when it does not say. */
  versionOf(mod: M): string | undefined;
}

/**
 * The framework module in `mod`: `mod` itself, or its `default` (an ES namespace of a CommonJS
 * package, or an ES module's default export); undefined when neither passes the type guard.
 */
export function asFrameworkModule<M>(target: FrameworkTarget<M>, mod: unknown): M | undefined {
  if (target.isModule(mod)) return mod;
  const inner = (mod as { default?: unknown } | null | undefined)?.default;
  return target.isModule(inner) ? inner : undefined;
}

/**
 * Checks the loaded framework's version against the target's range. Out of range (or a range
 * that does not parse, a plugin bug): warns once, naming both, and returns false. A version the
 * module does not report, or one that is not semver, is not warned about (nothing to compare).
 * Prereleases count as their release (1.20.0-dev.x is within >=1.17.0 <2).
 */
export function checkSupportedVersion<M>(plugin: string, target: FrameworkTarget<M>, mod: M, silent?: boolean): boolean {
  const version = target.versionOf(mod);
  if (version === undefined || semver.valid(version) === null) return true;
  const label = target.versionLabel ?? target.modules[0] ?? plugin;
  if (semver.validRange(target.supportedVersions) === null) {
    warnOnce(plugin, `the supported version range '${target.supportedVersions}' of ${label} is not a semver range`, silent);
    return false;
  }
  if (semver.satisfies(version, target.supportedVersions, { includePrerelease: true })) return true;
  warnOnce(plugin, `${label} ${version} is outside the tested range ${target.supportedVersions}; autologging may miss what changed`, silent);
  return false;
}
