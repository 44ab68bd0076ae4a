/**
 * ONNX Runtime autologging: `onnxAutologPlugin`, which `autolog()` enables when onnxruntime-node
 * is installed. MLflow has no ONNX autolog; this one logs inference, not training.
 *
 * What it hooks, in one place: the static `InferenceSession.create` of the onnxruntime-node copy
 * the user's code resolves (`require` and `import` of onnxruntime-node give the same CommonJS
 * copy), versions >=1.17 <2 (another major is hooked with a warning), or of the module passed as
 * `autolog({ onnx: { ort } })`. Each session that create returns gets instance-level `run` and
 * `release` wrappers (see AutologSession); nothing on the prototype changes, so sessions created
 * before enable() or after disable() are untouched.
 *
 * enable() is synchronous and may be called again (it reconfigures; one wrapper stays installed).
 * disable() restores `create` if our wrapper is still the installed one (else leaves ours inert),
 * stops every autologged session (last window logged, wrappers removed, runs autolog started
 * ended FINISHED), and is idempotent.
 */
import type { AutologOptions } from '@runlog/core';
import { addShutdownHook, defineAutologPlugin, unwrapMethod, warnOnce, wrapMethod, type AnyFunction, type FrameworkTarget, type MethodPatch } from '@runlog/core/internal';
import type { InferenceSession } from 'onnxruntime-node';
import { AutologSession, PLUGIN_NAME, type OnnxAutologSettings } from './autolog-session.js';
import { onnxAutologSuppressed } from './autolog-suppress.js';
import { isInferenceSession } from './onnx-session.js';
import type { OrtModule } from './ort-loader.js';
import { createArgumentsOf } from './session-description.js';

/** Options under `autolog({ onnx: {...} })`. */
export interface OnnxAutologOptions {
  /** The onnxruntime-node module your code uses, when it is not the one resolved from the working directory. */
  ort?: OrtModule | undefined;
  /**
   * Log a session's inference metrics every this many calls (default 10,000)... A window costs a
   * few metric points in the tracking store: at 1,000 calls a 10 µs model would log 100 windows
   * (600 points) a second, and that logging alone measured ~1% of its inference time.
   */
  logEveryNCalls?: number | undefined;
  /** ...or when its current window is this old (default 10,000 ms), whichever comes first. */
  logEveryMs?: number | undefined;
  /**
   * Log each distinct model (by sha256 of its bytes) once per process, in the onnx flavor with the
   * session's signature, into the first run that uses it. Default false: for inference the model
   * already exists as a file, and copying it into every run is rarely wanted. The global
   * `logModels` (about trained models) is not consulted.
   */
  logModels?: boolean | undefined;
  disable?: boolean | undefined;
}

export const DEFAULT_LOG_EVERY_N_CALLS = 10_000;
export const DEFAULT_LOG_EVERY_MS = 10_000;
/** setInterval takes at most 2^31-1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** Keyed by the InferenceSession class of each hooked onnxruntime copy. */
const hooks = new Map<object, MethodPatch>();
const live = new Set<AutologSession>();
/** A session dropped without release() still gets its last window logged and its run ended. */
const collected = new FinalizationRegistry<AutologSession>((s) => void s.close());
let settings: OnnxAutologSettings = defaults({});
/** The beforeExit hook, registered while some session is autologged. */
let removeExitHook: (() => void) | undefined;

/** What the plugin hooks: onnxruntime-node's `InferenceSession.create`, tested with 1.17 to 1.x. */
export const onnxTarget: FrameworkTarget<OrtModule> = {
  modules: ['onnxruntime-node'],
  supportedVersions: '>=1.17.0 <2',
  moduleDescription: 'an onnxruntime module (no InferenceSession.create)',
  isModule: (mod: unknown): mod is OrtModule =>
    typeof (mod as { InferenceSession?: { create?: unknown } } | null | undefined)?.InferenceSession?.create === 'function',
  versionOf: (ort) => (ort.env?.versions as { node?: string } | undefined)?.node,
};

export const onnxAutologPlugin = defineAutologPlugin<OnnxAutologOptions, OrtModule>({
  name: PLUGIN_NAME,
  target: onnxTarget,
  moduleOption: 'ort',
  resolveFrom: import.meta.url,
  // Reconfigures: sessions created from now on use the latest options.
  configure: (opts, pluginOptions) => {
    settings = resolveSettings(opts, pluginOptions);
  },
  patch: hookCreate,
  unpatch: disableAll,
});

async function disableAll(): Promise<void> {
  for (const hook of hooks.values()) unwrapMethod(hook);
  hooks.clear();
  await Promise.all([...live].map((s) => s.close()));
}

function hookCreate(ort: OrtModule): void {
  const target = ort.InferenceSession as unknown as Record<string, unknown>;
  if (hooks.has(target)) return;
  // Undefined when another copy of runlog hooked it already: one wrapper is enough.
  const hook = wrapMethod(target, 'create', createWrapper);
  if (hook) hooks.set(target, hook);
}

/**
 * The wrapped `InferenceSession.create`: times the load, then starts autologging the session.
 * The original's session (or rejection) reaches the caller unchanged.
 */
function createWrapper(original: AnyFunction, hook: () => MethodPatch): AnyFunction {
  return async function create(this: unknown, ...args: unknown[]): Promise<unknown> {
    if (!hook().live || onnxAutologSuppressed()) return original.apply(this, args);
    const start = performance.now();
    const session: unknown = await original.apply(this, args);
    const loadMs = performance.now() - start;
    try {
      if (isInferenceSession(session)) observe(session, args, loadMs);
    } catch (err) {
      warnOnce(PLUGIN_NAME, err, settings.options.silent);
    }
    return session;
  };
}

function observe(session: InferenceSession, args: unknown[], loadMs: number): void {
  const created = { ...createArgumentsOf(args), loadMs, createdAt: Date.now() };
  const s = AutologSession.start(session, created, settings, closed);
  if (!s) return;
  live.add(s);
  collected.register(session, s, s);
  // Order -1: the windows are queued before runlog's own hook (order 0) ends the runs.
  removeExitHook ??= addShutdownHook({ order: -1, beforeExit: flushOnExit });
}

function closed(s: AutologSession): void {
  live.delete(s);
  collected.unregister(s);
  if (live.size === 0 && removeExitHook) {
    removeExitHook();
    removeExitHook = undefined;
  }
}

/**
 * On beforeExit, every open window is logged, before runlog's own exit hook ends the runs on the
 * same event (it runs after, by its order).
 */
function flushOnExit(): void {
  for (const s of live) s.flushWindow();
}

function defaults(options: AutologOptions): OnnxAutologSettings {
  return { options, logEveryNCalls: DEFAULT_LOG_EVERY_N_CALLS, logEveryMs: DEFAULT_LOG_EVERY_MS, logModels: false };
}

function resolveSettings(opts: AutologOptions, p: OnnxAutologOptions): OnnxAutologSettings {
  const s = defaults({ ...opts });
  s.logEveryNCalls = positive(p.logEveryNCalls, 'logEveryNCalls', s.logEveryNCalls, true, opts.silent);
  s.logEveryMs = Math.min(MAX_TIMER_MS, positive(p.logEveryMs, 'logEveryMs', s.logEveryMs, false, opts.silent));
  s.logModels = p.logModels === true;
  return s;
}

function positive(value: unknown, name: string, fallback: number, integer: boolean, silent: boolean | undefined): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value > 0 && Number.isFinite(value) && (!integer || Number.isInteger(value))) return value;
  warnOnce(PLUGIN_NAME, `autolog({ onnx: { ${name} } }) must be a positive ${integer ? 'integer' : 'number'}; using ${fallback}`, silent);
  return fallback;
}
