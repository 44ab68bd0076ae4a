/**
 * Wrapping a method of one object (a session) with an own property, and taking it off again.
 * Unhooking restores the object exactly (the own property as it was, or none) and only while our
 * wrapper is still the installed one; if someone wrapped over it since, theirs stays and ours is
 * left in their chain, where it passes calls straight through. The target is held weakly, so a
 * hooked session dropped without release() can still be collected.
 */
import type { AnyFunction } from './timed-run.js';

export interface InstanceHook {
  readonly target: WeakRef<object>;
  readonly method: string;
  readonly wrapper: AnyFunction;
  readonly descriptor: PropertyDescriptor | undefined;
}

/** Installs `makeWrapper(original)` as `target[method]`; undefined when there is no such method. */
export function hookMethod(target: object, method: string, makeWrapper: (original: AnyFunction) => AnyFunction): InstanceHook | undefined {
  const original = (target as Record<string, unknown>)[method];
  if (typeof original !== 'function') return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(target, method);
  const wrapper = makeWrapper(original as AnyFunction);
  Object.defineProperty(target, method, { value: wrapper, writable: true, enumerable: false, configurable: true });
  return { target: new WeakRef(target), method, wrapper, descriptor };
}

export function unhookMethod(hook: InstanceHook): void {
  const target = hook.target.deref() as Record<string, unknown> | undefined;
  if (!target || target[hook.method] !== hook.wrapper) return;
  if (hook.descriptor) Object.defineProperty(target, hook.method, hook.descriptor);
  else delete target[hook.method];
}
