import type { RunStatus } from './entities.js';
import { debug } from './debug.js';

/** An end the server has not taken yet. */
export interface WaitingEnd {
  status: RunStatus;
  endTime: number;
}

export interface WaitingRunEndsHooks {
  /** Called before each pass: artifacts staged while the server was away go before any end. */
  drainFirst(): Promise<void>;
  /** Whether the run's records (and staged artifacts) are all in, so its end may go now. */
  ready(runId: string): boolean;
  /** Applies the end on the server; a rejection keeps it waiting for the next pass. */
  apply(runId: string, end: WaitingEnd): Promise<void>;
}

/**
 * Journaled runs' ends that the server has not taken yet (endRun timed out, or the server was
 * away): applied in the background once each run's records are all acknowledged, checked every
 * second on an unref'd timer (it never keeps the process up; what is left at exit `runlog sync`
 * applies).
 */
export class WaitingRunEnds {
  private readonly ends = new Map<string, WaitingEnd>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly hooks: WaitingRunEndsHooks) {}

  get size(): number {
    return this.ends.size;
  }

  schedule(runId: string, end: WaitingEnd): void {
    this.ends.set(runId, end);
    if (this.timer !== undefined) return;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void this.applyReady().finally(() => {
        busy = false;
      });
    }, 1000);
    this.timer.unref();
  }

  /** One pass: applies every end whose run is ready; stops the timer when none is left. */
  async applyReady(): Promise<void> {
    await this.hooks.drainFirst();
    for (const [runId, end] of this.ends) {
      if (!this.hooks.ready(runId)) continue;
      try {
        await this.hooks.apply(runId, end);
        this.ends.delete(runId);
      } catch (err) {
        debug('ending run %s later: %s', runId, (err as Error).message);
      }
    }
    if (this.ends.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Stops the background passes (close); what is left stays in the journal for `runlog sync`. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }
}
