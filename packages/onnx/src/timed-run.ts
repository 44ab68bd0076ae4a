/**
 * `timedRun`: the instance-level `session.run` wrapper, the inference hot path. It counts every
 * call and its rows, and times the calls the SessionRecorder picks by observing the returned
 * promise. The original is called with the same `this` and arguments (onnxruntime treats an
 * undefined argument as absent), and its promise's value or rejection reaches the caller
 * unchanged: an untimed call returns the original's own promise. A failure of the recorder goes
 * to `fail` and never into the call.
 */
import type { AnyFunction } from '@runlog/core/internal';
import type { SessionRecorder } from './session-recorder.js';

export function timedRun(original: AnyFunction, rec: SessionRecorder, firstInput: string | undefined, fail: (err: unknown) => void): AnyFunction {
  return function run(this: unknown, feeds: unknown, arg1?: unknown, arg2?: unknown): unknown {
    if (!rec.live) return original.call(this, feeds, arg1, arg2);
    let timed = false;
    try {
      timed = rec.enter(rowsOf(feeds, firstInput));
    } catch (err) {
      fail(err);
    }
    if (!timed) return original.call(this, feeds, arg1, arg2);
    const start = rec.now();
    const result: unknown = original.call(this, feeds, arg1, arg2);
    if (!(result instanceof Promise)) return result;
    return result.then((outputs: unknown) => {
      try {
        rec.done(start);
      } catch (err) {
        fail(err);
      }
      return outputs;
    });
  };
}

/** Rows of a call: the first dimension of the first graph input (1 for a scalar or an unexpected feed). */
export function rowsOf(feeds: unknown, firstInput: string | undefined): number {
  if (firstInput === undefined || typeof feeds !== 'object' || feeds === null) return 1;
  const first = (feeds as Record<string, { dims?: readonly number[] } | undefined>)[firstInput]?.dims?.[0];
  return typeof first === 'number' ? first : 1;
}
