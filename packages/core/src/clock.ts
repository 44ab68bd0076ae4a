/**
 * Time as the uploader sees it: the current time and one-shot timers. Injected so that tests
 * move time by hand instead of sleeping; the real clock is the default.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`. The timer does not keep the process alive unless `keepAlive`. */
  setTimeout(fn: () => void, ms: number, keepAlive?: boolean): ClockTimer;
  clearTimeout(timer: ClockTimer | undefined): void;
}

/** A timer of a Clock (opaque). */
export type ClockTimer = { readonly clockTimer?: never } | NodeJS.Timeout;

/** Date.now and Node's timers, unref'd unless asked otherwise. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, keepAlive = false) {
    const timer = setTimeout(fn, ms);
    if (!keepAlive) timer.unref();
    return timer;
  },
  clearTimeout(timer) {
    if (timer !== undefined) clearTimeout(timer as NodeJS.Timeout);
  },
};
