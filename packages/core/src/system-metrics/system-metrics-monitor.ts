import { LAST_VALUE_METRICS, type Sampler } from './system-sampler.js';

/**
 * Samples the machine every `intervalMs` and logs, every `samplesBeforeLogging` samples, the mean
 * of each metric (rounded to one decimal, as MLflow does; cumulative network counters give their
 * last value) under `system/` (or `system/<nodeId>/`) at steps 0, 1, 2, … — MLflow's
 * SystemMetricsMonitor semantics. Samples left over when the monitor stops are dropped, as in
 * MLflow. The timer is unref'd and the next sample is scheduled only once the previous one is
 * done, so a slow probe never stacks samples; nothing here throws into the caller.
 */

/** The clock the monitor schedules with; injected by tests so that no test sleeps. */
export interface MonitorTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: MonitorTimers = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface SystemMetricsMonitorOptions {
  intervalMs: number;
  samplesBeforeLogging: number;
  nodeId?: string | undefined;
  sampler: Sampler;
  /** Receives each logging step's metrics (full names); a throw stops the monitor. */
  log(metrics: Record<string, number>, step: number, timestamp: number): void;
  /** The first step (MLflow resumes a run's system metrics after its last step); default 0. */
  firstStep?: (() => Promise<number>) | undefined;
  timers?: MonitorTimers | undefined;
  onError?: ((err: unknown) => void) | undefined;
}

export class SystemMetricsMonitor {
  private readonly timers: MonitorTimers;
  private readonly prefix: string;
  private handle: unknown;
  private stopped = false;
  private started = false;
  private step = 0;
  /** False while a resumed run's first step is being looked up: steps wait (never the caller). */
  private stepKnown = true;
  private sums = new Map<string, number>();
  private counts = new Map<string, number>();
  private last = new Map<string, number>();
  private samplesTaken = 0;
  /** Resolves when the sample in progress (if any) is done; for stop() and tests. */
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly opts: SystemMetricsMonitorOptions) {
    this.timers = opts.timers ?? realTimers;
    this.prefix = `system/${opts.nodeId ? `${opts.nodeId}/` : ''}`;
  }

  /** The step the next logging will use. */
  get nextStep(): number {
    return this.step;
  }

  get running(): boolean {
    return this.started && !this.stopped;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    if (this.opts.firstStep) {
      this.stepKnown = false;
      this.opts.firstStep().then(
        (s) => {
          this.step = s;
          this.stepKnown = true;
        },
        (err: unknown) => {
          // As MLflow: a run whose history cannot be read starts at step 0.
          this.report(err);
          this.stepKnown = true;
        },
      );
    }
    try {
      this.opts.sampler.start();
    } catch (err) {
      this.report(err);
    }
    this.schedule();
  }

  /** Stops sampling; a sample in progress finishes first (its partial step is dropped). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    await this.inFlight;
    try {
      this.opts.sampler.stop();
    } catch (err) {
      this.report(err);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      this.inFlight = this.tick();
    }, this.opts.intervalMs);
  }

  private async tick(): Promise<void> {
    let sample: Record<string, number> | undefined;
    try {
      sample = await this.opts.sampler.sample();
    } catch (err) {
      this.report(err);
    }
    if (this.stopped) return;
    if (sample) this.add(sample);
    // Until a resumed run's first step is known, samples keep adding to the pending step, so
    // neither this loop nor stop() ever waits on that lookup.
    if (this.samplesTaken >= this.opts.samplesBeforeLogging && this.stepKnown) {
      if (!this.publish()) {
        this.stopped = true;
        try {
          this.opts.sampler.stop();
        } catch (err) {
          this.report(err);
        }
        return;
      }
    }
    this.schedule();
  }

  private add(sample: Record<string, number>): void {
    this.samplesTaken++;
    for (const [k, v] of Object.entries(sample)) {
      if (!Number.isFinite(v)) continue;
      if (LAST_VALUE_METRICS.has(k)) {
        this.last.set(k, v);
        continue;
      }
      this.sums.set(k, (this.sums.get(k) ?? 0) + v);
      this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    }
  }

  /** Logs the aggregated step; false when logging failed (the run is gone) and the monitor must stop. */
  private publish(): boolean {
    const metrics: Record<string, number> = {};
    for (const [k, sum] of this.sums) metrics[this.prefix + k] = Math.round((sum / this.counts.get(k)!) * 10) / 10;
    for (const [k, v] of this.last) metrics[this.prefix + k] = v;
    this.sums = new Map();
    this.counts = new Map();
    this.last = new Map();
    this.samplesTaken = 0;
    if (Object.keys(metrics).length === 0) return true;
    try {
      this.opts.log(metrics, this.step, this.timers.now());
    } catch (err) {
      this.report(err);
      return false;
    }
    this.step++;
    return true;
  }

  private report(err: unknown): void {
    try {
      this.opts.onError?.(err);
    } catch {
      // an error handler that throws is ignored: the monitor must not throw into training
    }
  }
}
