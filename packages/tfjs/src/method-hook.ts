/**
 * Wrapping and unwrapping one method on a prototype, by OpenTelemetry's rule: unwrap restores the
 * original only while our wrapper is still the one installed; if someone wrapped over it since,
 * theirs stays in place and ours is left inert (the wrapper checks `hook.live`) instead of
 * breaking their chain.
 */

/** Marks runlog's wrappers, so a second enable (or a second runlog copy) can recognise them. */
export const RUNLOG_WRAPPER = Symbol.for('runlog.tfjs.autolog.wrapper');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (this: any, ...args: any[]) => any;

export interface MethodHook {
  readonly target: object;
  readonly method: string;
  readonly original: AnyFunction;
  readonly wrapper: AnyFunction;
  /** The property as it was: restored as is (or deleted, when it was inherited). */
  readonly descriptor: PropertyDescriptor | undefined;
  /** False once unwrapped: a wrapper left in place by unwrap passes every call straight through. */
  live: boolean;
}

/**
 * Installs `makeWrapper(original)` as `target[method]`. Returns undefined when there is no such
 * method, or when the installed one is already a runlog wrapper (nothing to do twice).
 */
export function wrapMethod(
  target: object,
  method: string,
  makeWrapper: (original: AnyFunction, hook: () => MethodHook) => AnyFunction,
): MethodHook | undefined {
  const t = target as Record<string, unknown>;
  const original = t[method];
  if (typeof original !== 'function') return undefined;
  if ((original as { [RUNLOG_WRAPPER]?: boolean })[RUNLOG_WRAPPER] === true && isLive(original)) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(target, method);
  let hook: MethodHook;
  const wrapper = makeWrapper(original as AnyFunction, () => hook);
  Object.defineProperty(wrapper, RUNLOG_WRAPPER, { value: true });
  Object.defineProperty(wrapper, 'name', { value: (original as AnyFunction).name, configurable: true });
  hook = { target, method, original: original as AnyFunction, wrapper, descriptor, live: true };
  liveOf.set(wrapper, hook);
  Object.defineProperty(target, method, {
    value: wrapper,
    writable: descriptor?.writable ?? true,
    enumerable: descriptor?.enumerable ?? false,
    configurable: true,
  });
  return hook;
}

/**
 * Makes the hook inert and, if our wrapper is still the installed method, puts the original back
 * exactly (same function, same property descriptor). Returns false when another wrapper sits on top.
 */
export function unwrapMethod(hook: MethodHook): boolean {
  hook.live = false;
  const t = hook.target as Record<string, unknown>;
  if (t[hook.method] !== hook.wrapper) return false;
  if (hook.descriptor) Object.defineProperty(hook.target, hook.method, hook.descriptor);
  else delete t[hook.method];
  return true;
}

const liveOf = new WeakMap<AnyFunction, MethodHook>();

function isLive(fn: unknown): boolean {
  // A runlog wrapper from another copy of this package is not in our map: treat it as live.
  const hook = liveOf.get(fn as AnyFunction);
  return hook === undefined || hook.live;
}
