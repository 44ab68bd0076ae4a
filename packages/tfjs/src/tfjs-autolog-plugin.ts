import type * as tfjs from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import type { AutologOptions } from '@runlog/core';
import {
  asFrameworkModule,
  defineAutologPlugin,
  requireFramework,
  resolveFramework,
  unwrapMethod,
  warnOnce,
  wrapMethod,
  type AnyFunction,
  type FrameworkTarget,
  type MethodPatch,
} from '@runlog/core/internal';
import { FitRecorder, PLUGIN_NAME } from './fit-recorder.js';
import type { FitKind } from './fit-params.js';
import type { TfjsModule } from './resolve-tfjs.js';
import { unhookedLayersCopies } from './tfjs-copies.js';

/**
 * TF.js autologging (MLflow's `mlflow.tensorflow.autolog` for @tensorflow/tfjs and tfjs-node).
 *
 * What it hooks, in one place: `fit` and `fitDataset` of `LayersModel.prototype` and of
 * `Sequential.prototype` (Sequential overrides both, delegating to an inner LayersModel, so it has
 * to be hooked itself), in the @tensorflow/tfjs-layers copy behind the resolved `tf`, versions
 * >=4.0.0 <5 (another major is still hooked, with a warning).
 *
 * Why wrap the methods rather than use `tf.registerCallbackConstructor`: a registered callback is
 * built with no arguments, so it cannot see fit's arguments (validationSplit, shuffle, classWeight,
 * the user's EarlyStopping), cannot tell a fit that throws (the run must end FAILED) from one that
 * returns, cannot await the model upload before fit resolves, and can never be unregistered, so
 * disable() could not undo it. The wrapper calls the original with the same `this` and arguments
 * plus one callback, returns its History, and rethrows its exception unchanged.
 *
 * Every call is logged on its own, including concurrent fits of different models; no async
 * context is used to tell "nested" calls apart (it would put a promise hook on all of the
 * process's promises). A fit started from another fit's callback therefore logs into the run
 * active at that point, as a fit inside a user's run does.
 */

/** Options under `autolog({ tfjs: {...} })`. */
export interface TfjsAutologOptions {
  /**
   * The TF.js module your code uses (`import * as tf from '@tensorflow/tfjs-node'`), when it is
   * not the one runlog resolves from the working directory (another install, a bundled copy).
   */
  tf?: TfjsModule | undefined;
}

const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS = '@tensorflow/tfjs';

/** A hooked copy of tfjs-layers: its tf module and the method hooks installed in it. */
interface HookedCopy {
  readonly tf: TfjsModule;
  readonly hooks: MethodPatch[];
}

/**
 * Sequential.fit delegates to its inner LayersModel's fit, synchronously: while our Sequential
 * wrapper calls the original, the inner model is in here and its (also wrapped) fit passes through.
 */
const innerOfLoggedFit = new WeakSet<object>();

let options: AutologOptions = {};
/** Keyed by the copy's LayersModel class: tfjs and tfjs-node share one tfjs-layers copy. */
const copies = new Map<unknown, HookedCopy>();
let scanScheduled = false;

/** What the plugin hooks: fit() lives in @tensorflow/tfjs-layers, tested with 4.x. */
export const tfjsTarget: FrameworkTarget<TfjsModule> = {
  modules: [TFJS_NODE, TFJS],
  supportedVersions: '>=4.0.0 <5',
  versionLabel: '@tensorflow/tfjs-layers',
  moduleDescription: 'a TF.js module (no LayersModel)',
  isModule: (mod: unknown): mod is TfjsModule => {
    const c = mod as Partial<TfjsModule> | null | undefined;
    return typeof c?.LayersModel === 'function' && typeof c.Callback === 'function';
  },
  versionOf: (tf) => (tf.version as Record<string, string | undefined> | undefined)?.['tfjs-layers'],
};

export const tfjsAutologPlugin = defineAutologPlugin<TfjsAutologOptions, TfjsModule>({
  name: PLUGIN_NAME,
  target: tfjsTarget,
  moduleOption: 'tf',
  // Reconfigures: the options of the latest call apply to every fit from now on, as in MLflow.
  configure: (opts) => {
    options = opts;
  },
  load: resolveTfjsSync,
  patch: (tf) => {
    hookCopy(tf);
    checkCopies();
    scheduleCopyScan();
  },
  unpatch: disableAll,
});

function disableAll(): void {
  for (const copy of copies.values()) for (const hook of copy.hooks) unwrapMethod(hook);
  copies.clear();
}

/**
 * The TF.js to hook, found synchronously: the `@tensorflow/tfjs` that @tensorflow/tfjs-node uses
 * when tfjs-node is installed (tfjs-node re-exports it, so its models are that copy's), else the
 * `@tensorflow/tfjs` of the user's project, else runlog's. tfjs-node itself is not loaded here:
 * loading it would load the native binding and switch the backend of a program that may only use
 * @tensorflow/tfjs; hooking its tfjs is enough, as tfjs-layers is where fit() lives.
 */
function resolveTfjsSync(): TfjsModule | undefined {
  const nodeEntry = resolveFramework(TFJS_NODE, import.meta.url);
  const attempts: Array<[string, () => unknown]> = [];
  if (nodeEntry) attempts.push([`${TFJS} (of ${TFJS_NODE})`, () => createRequire(nodeEntry)(TFJS)]);
  attempts.push([TFJS, () => requireFramework(TFJS, import.meta.url)]);
  for (const [name, load] of attempts) {
    let mod: unknown;
    try {
      mod = load();
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'MODULE_NOT_FOUND') {
        warnOnce(PLUGIN_NAME, `${name} could not be loaded: ${(err as Error).message}`, options.silent);
      }
      continue;
    }
    const tf = asFrameworkModule(tfjsTarget, mod);
    if (tf) return tf;
  }
  return undefined;
}

function hookCopy(tf: TfjsModule): void {
  if (copies.has(tf.LayersModel)) return;
  const copy: HookedCopy = { tf, hooks: [] };
  const targets = [tf.LayersModel.prototype, ...(typeof tf.Sequential === 'function' ? [tf.Sequential.prototype] : [])];
  for (const proto of targets) {
    for (const kind of ['fit', 'fitDataset'] as const) {
      if (!Object.prototype.hasOwnProperty.call(proto, kind)) continue;
      const hook = wrapMethod(proto, kind, (original, self) => fitWrapper(tf, kind, original, self));
      if (hook) copy.hooks.push(hook);
    }
  }
  copies.set(tf.LayersModel, copy);
}

function fitWrapper(tf: TfjsModule, kind: FitKind, original: AnyFunction, self: () => MethodPatch): AnyFunction {
  return function autologgedFit(this: tfjs.LayersModel, ...args: unknown[]): unknown {
    if (!self().live || innerOfLoggedFit.has(this) || isTraining(this)) return callOriginal(original, this, args);
    return autologFit(tf, kind, this, original, args, options);
  };
}

/** Calls the original fit, keeping a Sequential's inner model from being logged a second time. */
function callOriginal(original: AnyFunction, model: object, args: unknown[]): unknown {
  const inner = (model as { model?: unknown }).model;
  if (typeof inner !== 'object' || inner === null || innerOfLoggedFit.has(inner)) return original.apply(model, args);
  innerOfLoggedFit.add(inner);
  try {
    return original.apply(model, args);
  } finally {
    innerOfLoggedFit.delete(inner);
  }
}

/** TF.js refuses a second concurrent fit of one model: let it, without starting a run. */
function isTraining(model: unknown): boolean {
  const m = model as { isTraining?: unknown; model?: { isTraining?: unknown } };
  return m.isTraining === true || m.model?.isTraining === true;
}

async function autologFit(
  tf: TfjsModule,
  kind: FitKind,
  model: tfjs.LayersModel,
  original: AnyFunction,
  args: unknown[],
  opts: AutologOptions,
): Promise<unknown> {
  checkCopies();
  let recorder: FitRecorder | undefined;
  let callArgs = args;
  try {
    recorder = new FitRecorder(tf, model, kind, opts);
    callArgs = recorder.prepare(args);
  } catch (err) {
    warnOnce(PLUGIN_NAME, err, opts.silent);
  }
  if (!recorder) return callOriginal(original, model, args);
  let history: unknown;
  try {
    history = await callOriginal(original, model, callArgs);
  } catch (err) {
    await recorder.finish('FAILED', args);
    throw err;
  }
  await recorder.finish('FINISHED', args);
  return history;
}

/** Warns once per tfjs-layers copy whose models autologging cannot see. */
function checkCopies(): void {
  if (copies.size === 0) return;
  try {
    for (const root of unhookedLayersCopies(new Set(copies.keys()))) {
      warnOnce(
        PLUGIN_NAME,
        `a second copy of @tensorflow/tfjs-layers is loaded (${root}); fit() of its models is not autologged. ` +
          'Pass the tf your code uses: autolog({ tfjs: { tf } })',
        options.silent,
      );
    }
  } catch {
    // the module cache is a best-effort look; never a reason to fail
  }
}

/** Looks again once the script's remaining top-level imports have loaded. */
function scheduleCopyScan(): void {
  if (scanScheduled) return;
  scanScheduled = true;
  setImmediate(() => {
    scanScheduled = false;
    checkCopies();
  }).unref();
}
