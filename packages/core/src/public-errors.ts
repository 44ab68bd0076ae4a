import { RetryableError } from './errors.js';

/**
 * The error a caller of a public method sees. RetryableError is internal: the uploader's signal to
 * back off (with the server's Retry-After); it wraps the typed error of the documented hierarchy
 * (NetworkError, MlflowServerError, …), which is what users get.
 */
export function toPublicError(err: unknown): unknown {
  return err instanceof RetryableError ? err.underlying : err;
}

/**
 * A view of `store` whose methods throw and reject with public errors only (toPublicError); other
 * properties, `instanceof` and method identity per name behave as the store's own. RunlogClient
 * hands this view to everything a user reaches, while the uploader keeps the raw store, since it
 * needs RetryableError to back off.
 */
export function withPublicErrors<T extends object>(store: T): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      let fn = wrapped.get(prop);
      if (fn === undefined) {
        fn = function (this: unknown, ...args: unknown[]) {
          let out: unknown;
          try {
            out = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (err) {
            throw toPublicError(err);
          }
          return out instanceof Promise ? out.catch((err: unknown) => Promise.reject(toPublicError(err))) : out;
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}
