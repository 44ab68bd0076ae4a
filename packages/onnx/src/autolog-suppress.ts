/**
 * Sessions runlog opens for its own purposes (the probe that infers a signature when a model is
 * saved, the save of an autologged model) are not the user's inference: the autolog plugin
 * leaves every session created inside `withoutOnnxAutolog` alone. The mark follows async
 * continuations (AsyncLocalStorage), so it holds across the awaits inside `fn`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const internal = new AsyncLocalStorage<true>();

/** Runs `fn` so that sessions it creates (directly or after awaits) are not autologged. */
export function withoutOnnxAutolog<T>(fn: () => T): T {
  return internal.run(true, fn);
}

/** True inside withoutOnnxAutolog. */
export function onnxAutologSuppressed(): boolean {
  return internal.getStore() === true;
}
