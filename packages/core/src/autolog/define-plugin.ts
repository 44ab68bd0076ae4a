import { warnOnce } from './autolog-run.js';
import { asFrameworkModule, checkSupportedVersion, type FrameworkTarget } from './framework-target.js';
import type { AutologOptions, AutologPlugin } from './plugin.js';
import { loadFramework } from './require-framework.js';

/**
 * The shared enable/reconfigure/disable logic of every autolog plugin. A plugin states its target
 * and its patch/unpatch; defineAutologPlugin() does the rest the same way for all of them:
 *
 * - enable() is synchronous and never throws: with `disable: true` (global or the plugin's own)
 *   it disables; else it takes the latest options (`configure`, so a second call reconfigures),
 *   finds the framework (the module passed under `moduleOption`, else `load()`, else the first of
 *   `target.modules` the user's project resolves), checks it with the type guard and the version
 *   range (a one-time warning when out of range; it is still hooked), and calls `patch`.
 *   A `load()` may return a promise (an ES-only framework loaded through import()): enable() then
 *   returns true and patches once it loads, unless disable() came first.
 * - disable() is awaitable and idempotent: it waits for a pending load, then for `unpatch`.
 */
export interface AutologPluginSpec<O extends object, M> {
  /** The flavor name: the `mlflow.autologging` tag and the key of this plugin's options. */
  readonly name: string;
  readonly target: FrameworkTarget<M>;
  /** The option of `O` through which users pass the framework module their code uses. */
  readonly moduleOption?: (keyof O & string) | undefined;
  /** Where to resolve `target.modules` from after the working directory: the plugin's import.meta.url. */
  readonly resolveFrom?: string | undefined;
  /**
   * Finds the framework when not passed; default: the first of `target.modules` installed, through
   * loadFramework (require for CommonJS packages, import() for ES-only ones).
   */
  load?(options: AutologOptions): unknown;
  /** Takes the options of the latest enable(), before anything is patched. */
  configure?(options: AutologOptions, pluginOptions: O): void;
  /** Installs the hooks in one framework module. Called on every enable(): must be idempotent per module. */
  patch(mod: M, options: AutologOptions): void;
  /** Removes every hook and ends what autolog started. Called by disable(); idempotent. */
  unpatch(): Promise<void> | void;
}

export interface DefinedAutologPlugin<O extends object, M> extends AutologPlugin<O> {
  readonly target: FrameworkTarget<M>;
  disable(): Promise<void>;
  /**
   * Resolves once a framework enable() is loading through import() (an ES-only one) is hooked:
   * true when a framework is hooked now. Synchronous loads are hooked when enable() returns.
   */
  ready(): Promise<boolean>;
}

export function defineAutologPlugin<O extends object, M>(spec: AutologPluginSpec<O, M>): DefinedAutologPlugin<O, M> {
  /** Bumped by disable(): a load that settles after it patches nothing. */
  let generation = 0;
  let pending: Promise<void> | undefined;
  let hooked = false;

  function install(mod: unknown, given: boolean, opts: AutologOptions): boolean {
    const framework = asFrameworkModule(spec.target, mod);
    if (framework === undefined) {
      if (given) warnOnce(spec.name, `autolog({ ${spec.name}: { ${spec.moduleOption} } }): ${spec.moduleOption} is not ${spec.target.moduleDescription}`, opts.silent);
      return false;
    }
    checkSupportedVersion(spec.name, spec.target, framework, opts.silent);
    spec.patch(framework, opts);
    hooked = true;
    return true;
  }

  const disable = async (): Promise<void> => {
    generation++;
    hooked = false;
    if (pending) await pending;
    await spec.unpatch();
  };

  return {
    name: spec.name,
    target: spec.target,

    enable(opts: AutologOptions, pluginOptions?: O): boolean {
      const own = (pluginOptions ?? {}) as O & { disable?: unknown };
      if (opts.disable || own.disable === true) {
        void disable().catch((err: unknown) => warnOnce(spec.name, err, opts.silent));
        return false;
      }
      try {
        spec.configure?.({ ...opts }, own);
        const given = spec.moduleOption !== undefined ? (own as Record<string, unknown>)[spec.moduleOption] : undefined;
        if (given !== undefined) return install(given, true, opts);
        const loaded = spec.load ? spec.load(opts) : loadFirst(spec.target.modules, spec.resolveFrom);
        if (!isPromiseLike(loaded)) return install(loaded, false, opts);
        const at = generation;
        const settled: Promise<void> = Promise.resolve(loaded)
          .then((mod) => {
            if (at === generation) install(mod, false, opts);
          })
          .catch((err: unknown) => warnOnce(spec.name, err, opts.silent))
          .finally(() => {
            if (pending === settled) pending = undefined;
          });
        pending = settled;
        return true;
      } catch (err) {
        warnOnce(spec.name, err, opts.silent);
        return false;
      }
    },

    disable,

    async ready(): Promise<boolean> {
      if (pending) await pending;
      return hooked;
    },
  };
}

function loadFirst(modules: readonly string[], resolveFrom: string | undefined): unknown {
  for (const name of modules) {
    const mod = loadFramework(name, resolveFrom);
    if (mod !== undefined) return mod;
  }
  return undefined;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
