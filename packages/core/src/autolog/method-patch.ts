/**
 * The one patch helper of every autolog plugin: wrap a method of an object (a prototype, a class,
 * one instance) and take the wrapper off again, by OpenTelemetry's rule. unwrapMethod() restores
 * exactly what wrapMethod() replaced (the same function under the same property descriptor, or no
 * own property when the method was inherited), and only while our wrapper is still the one in
 * place: if someone wrapped over it since, theirs stays and ours is left inert in their chain
 * (the wrapper checks `patch.live` and passes every call straight through). Both are idempotent.
 *
 * The target is held weakly, so an instance patched and then dropped (a session never released)
 * can still be collected.
 */

/** Marks runlog's wrappers, so a second enable (or a second copy of runlog) recognises them. */
export const RUNLOG_WRAPPER = Symbol.for('runlog.autolog.wrapper');

 
export type AnyFunction = (this: any, ...args: any[]) => any;

export interface MethodPatch {
  readonly target: WeakRef<object>;
  readonly method: string;
  readonly original: AnyFunction;
  readonly wrapper: AnyFunction;
  /** The own property as it was: restored as is, or deleted when there was none (inherited). */
  readonly descriptor: PropertyDescriptor | undefined;
  /** False once unwrapped: a wrapper left in another's chain passes every call straight through. */
  live: boolean;
}

/**
 * Installs `makeWrapper(original, patch)` as `target[method]`; `patch()` gives the wrapper its own
 * patch (to check `live`). Undefined when there is no such method, or when the method in place is
 * already a live runlog wrapper (one wrapper is enough, also across two copies of runlog).
 */
export function wrapMethod(
  target: object,
  method: string,
  makeWrapper: (original: AnyFunction, patch: () => MethodPatch) => AnyFunction,
): MethodPatch | undefined {
  const original = (target as Record<string, unknown>)[method];
  if (typeof original !== 'function') return undefined;
  if (isRunlogWrapper(original) && isLive(original)) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(target, method);
  let patch: MethodPatch | undefined;
  const wrapper = makeWrapper(original as AnyFunction, () => patch as MethodPatch);
  Object.defineProperty(wrapper, RUNLOG_WRAPPER, { value: true });
  Object.defineProperty(wrapper, 'name', { value: (original as AnyFunction).name, configurable: true });
  patch = { target: new WeakRef(target), method, original: original as AnyFunction, wrapper, descriptor, live: true };
  patchOf.set(wrapper, patch);
  Object.defineProperty(target, method, {
    value: wrapper,
    writable: descriptor?.writable ?? true,
    enumerable: descriptor?.enumerable ?? false,
    configurable: true,
  });
  return patch;
}

/**
 * Makes the patch inert and, if our wrapper is still the installed method, puts the original back
 * exactly. Returns true when it restored the original; false when another wrapper sits on top,
 * the target is gone, or it was already restored.
 */
export function unwrapMethod(patch: MethodPatch): boolean {
  patch.live = false;
  const target = patch.target.deref() as Record<string, unknown> | undefined;
  if (!target || target[patch.method] !== patch.wrapper) return false;
  if (patch.descriptor) Object.defineProperty(target, patch.method, patch.descriptor);
  else delete target[patch.method];
  return true;
}

/** True for a wrapper installed by wrapMethod (of this or another copy of runlog). */
export function isRunlogWrapper(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [RUNLOG_WRAPPER]?: unknown })[RUNLOG_WRAPPER] === true;
}

const patchOf = new WeakMap<AnyFunction, MethodPatch>();

function isLive(fn: unknown): boolean {
  // A runlog wrapper from another copy of this module is not in our map: treat it as live.
  const patch = patchOf.get(fn as AnyFunction);
  return patch === undefined || patch.live;
}
