/**
 * `SessionRecorder`: the inference figures of one session, kept on the hot path in fixed-size
 * state (counters and a LatencyHistogram: nothing is allocated per call) and handed to a sink as
 * windows at a bounded cadence — when `logEveryNCalls` calls have been made (checked at the start
 * of the next call, so a sequential loop's window holds its calls' latencies), when a window is
 * `logEveryMs` old (checked when a timed call completes, and by the owner's timer for a session
 * that went idle), and once more when the session closes. Never per call.
 *
 * Timing a call costs more than counting it: the call's promise has to be observed (one more
 * promise and microtask hop) and the clock read twice, about 0.4-0.7 µs in all, which is 4-5% of a
 * 15 µs inference. So calls are counted always but timed adaptively: every call while the
 * median latency is long enough for that to stay under TIMING_BUDGET of it (any call above
 * ~0.14 ms), else a random sample of about one call in k (random gaps, so a periodic workload
 * cannot alias with the sampling), with k capped so a window still holds MIN_TIMED_PER_WINDOW
 * timed calls. The first call of every window is timed. Latency percentiles then come from the
 * sample; call and row counts are exact.
 */
import { LatencyHistogram } from './latency-histogram.js';

/** One window of a session's inference, as the sink receives it. */
export interface InferenceWindow {
  /** Calls since the session was created: the step the window is logged at. */
  totalCalls: number;
  /** Calls and rows (first dimension of the first input) in this window. */
  calls: number;
  rows: number;
  rowsPerCall: number;
  /** Calls of this window whose latency was measured. */
  timedCalls: number;
  /** From call to resolved result, in ms; NaN when no call of the window was timed. */
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  /** Rows per second of the window's wall time; NaN when the window has no measurable duration. */
  throughputRowsPerS: number;
}

export interface SessionRecorderOptions {
  logEveryNCalls: number;
  logEveryMs: number;
  /** Monotonic clock in ms (default performance.now); tests inject one. */
  now?: (() => number) | undefined;
  /** Uniform [0, 1) (default Math.random), for the sampling gaps. */
  random?: (() => number) | undefined;
}

/**
 * Why a window is handed out: 'calls' (N calls reached; the window ends now), 'time' (T elapsed)
 * and 'close' (session closing, exit): those end at the last timed completion, not at an idle now.
 */
export type FlushReason = 'calls' | 'time' | 'close';

/**
 * What a timed call costs over a counted one: 0.4-0.7 µs on a 2-core x86 VM with Node 20 (the
 * "cost if every call were timed" line of `npm run bench`); the pessimistic end is used.
 */
const TIMED_CALL_COST_MS = 0.0007;
/** Timing may cost at most this fraction of the median latency. */
const TIMING_BUDGET = 0.005;
const MIN_TIMED_PER_WINDOW = 64;
const MAX_TIMED_EVERY = 64;
const QUANTILES = [0.5, 0.95, 0.99] as const;

export class SessionRecorder {
  /** False once the session closed or the plugin failed on it: the wrappers then pass calls straight through. */
  live = true;
  /** Where windows go. Unset while the session's run is being resolved: the window keeps growing meanwhile. */
  sink: ((window: InferenceWindow) => void) | undefined;
  totalCalls = 0;
  readonly now: () => number;
  private readonly random: () => number;
  private readonly logEveryNCalls: number;
  private readonly logEveryMs: number;
  private readonly hist = new LatencyHistogram();
  private windowCalls = 0;
  private windowRows = 0;
  private windowStart = 0;
  private lastDone = 0;
  private flushAt: number;
  private untilTimed = 1;
  private timedEvery = 1;

  constructor(opts: SessionRecorderOptions) {
    this.logEveryNCalls = opts.logEveryNCalls;
    this.logEveryMs = opts.logEveryMs;
    this.now = opts.now ?? (() => performance.now());
    this.random = opts.random ?? Math.random;
    this.flushAt = opts.logEveryNCalls;
  }

  /** At the start of a call, before it runs; true when the call is to be timed (see done). */
  enter(rows: number): boolean {
    if (this.totalCalls >= this.flushAt) this.flush('calls');
    if (this.windowCalls === 0) this.windowStart = this.now();
    this.totalCalls++;
    this.windowCalls++;
    this.windowRows += rows;
    if (--this.untilTimed > 0) return false;
    this.untilTimed = this.timedEvery === 1 ? 1 : 1 + Math.floor(this.random() * (2 * this.timedEvery - 1));
    return true;
  }

  /** A timed call that started at `start` (a this.now() reading) has resolved. */
  done(start: number): void {
    const end = this.now();
    this.hist.record(end - start);
    if (end > this.lastDone) this.lastDone = end;
    if (this.windowCalls > 0 && end - this.windowStart >= this.logEveryMs) this.flush('time');
  }

  /** For the owner's timer: hands out a window that is logEveryMs old (the session went idle). */
  tick(): void {
    if (this.windowCalls > 0 && this.now() - this.windowStart >= this.logEveryMs) this.flush('time');
  }

  /**
   * Hands the current window to the sink and starts the next; false when the window is empty or
   * there is no sink yet. The window is reset before the sink runs, so a sink that throws does
   * not get the same window again.
   */
  flush(reason: FlushReason): boolean {
    const sink = this.sink;
    if (this.windowCalls === 0 || sink === undefined) return false;
    const end = reason === 'calls' ? this.now() : Math.max(this.lastDone, this.windowStart);
    const [p50, p95, p99] = this.hist.quantiles(QUANTILES) as [number, number, number];
    const seconds = (end - this.windowStart) / 1000;
    const window: InferenceWindow = {
      totalCalls: this.totalCalls,
      calls: this.windowCalls,
      rows: this.windowRows,
      rowsPerCall: this.windowRows / this.windowCalls,
      timedCalls: this.hist.count,
      latencyP50Ms: p50,
      latencyP95Ms: p95,
      latencyP99Ms: p99,
      throughputRowsPerS: seconds > 0 ? this.windowRows / seconds : NaN,
    };
    if (!Number.isNaN(p50)) this.adaptTiming(p50);
    this.windowCalls = 0;
    this.windowRows = 0;
    this.hist.reset();
    this.flushAt = this.totalCalls + this.logEveryNCalls;
    this.untilTimed = 1;
    sink(window);
    return true;
  }

  /** 1 in how many calls is timed, from now on. */
  get timedOneIn(): number {
    return this.timedEvery;
  }

  private adaptTiming(p50Ms: number): void {
    const cap = Math.max(1, Math.min(MAX_TIMED_EVERY, Math.floor(this.logEveryNCalls / MIN_TIMED_PER_WINDOW)));
    const wanted = p50Ms > 0 ? Math.round(TIMED_CALL_COST_MS / (TIMING_BUDGET * p50Ms)) : cap;
    this.timedEvery = Math.max(1, Math.min(cap, wanted));
  }
}
