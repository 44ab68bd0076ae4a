import type { Clock, ClockTimer } from '../../src/clock.js';

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** One turn of the event loop: promise continuations and immediates queued so far run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A Clock that moves only when told: `advance(ms)` fires the timers due in that time, in time
 * order, letting promise continuations run after each, so code that awaits and then sets a new
 * timer sees it fire within the same advance when it is due.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  /**
   * `msPerReading`: how far each now() moves time by itself (default 0). With it, code that loops
   * on now() without ever yielding still sees its deadline pass, so a test of "it yields" fails
   * instead of hanging.
   */
  constructor(
    start = 1_700_000_000_000,
    private readonly msPerReading = 0,
  ) {
    this.time = start;
  }

  now(): number {
    const t = this.time;
    this.time += this.msPerReading;
    return t;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const timer: ManualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return timer as unknown as ClockTimer;
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    this.timers.delete(timer as unknown as ManualTimer);
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing what falls due. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await turn();
      let next: ManualTimer | undefined;
      for (const t of this.timers) if (t.at <= target && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (next === undefined) break;
      this.timers.delete(next);
      this.time = next.at;
      next.fn();
    }
    this.time = target;
    await turn();
  }
}
