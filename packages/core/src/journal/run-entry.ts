import type { RunRecord } from './journal-format.js';

/** A run's metric points waiting for the next group write, in growable typed columns. */
export class PendingMetrics {
  n = 0;
  readonly ks: string[] = [];
  readonly index = new Map<string, number>();
  k = new Uint32Array(4096);
  v = new Float64Array(4096);
  ts = new Float64Array(4096);
  st = new Float64Array(4096);
  constructor(readonly o: number) {}
  grow(): void {
    const size = this.v.length * 2;
    const k = new Uint32Array(size);
    k.set(this.k);
    this.k = k;
    for (const col of ['v', 'ts', 'st'] as const) {
      const next = new Float64Array(size);
      next.set(this[col]);
      this[col] = next;
    }
  }
}

const sum3 = (f: (k: 0 | 1 | 2) => number) => f(0) + f(1) + f(2);

/**
 * What the writer knows of one run. Counters are per kind (metrics, params, tag operations), as
 * ordinals in logging order: `next` records accepted, `encoded` put in a group write, `durable`
 * whose group is fully in the file (and forced to disk in 'commit' mode), `acked` settled by the
 * server. The exit line counts from these, so it never promises a record that is not on disk.
 */
export class RunEntry {
  readonly next = [0, 0, 0];
  readonly encoded = [0, 0, 0];
  readonly durable = [0, 0, 0];
  readonly acked = [0, 0, 0];
  end: { status: string; endTime: number } | undefined;
  endAcked = false;
  /** The end frame is in the file. */
  endDurable = false;
  pm: PendingMetrics | undefined;
  pp: { o: number; kv: Array<[string, string]> } | undefined;
  pg: { o: number; ops: Array<[string, string] | [string]> } | undefined;
  dirty = false;
  /**
   * Everything settled after its end: not restated in new segments. Its counters are kept, so a
   * run logged to again (resumed) goes on numbering where it stopped, as the uploader does.
   */
  dormant = false;
  constructor(readonly record: RunRecord) {}
  get id(): string {
    return this.record.id;
  }
  /** Records accepted and not acknowledged (never negative). */
  get records(): number {
    return sum3((k) => Math.max(0, this.next[k]! - this.acked[k]!));
  }
  /** The run's end was logged and is not yet applied on the server. */
  get endWaiting(): boolean {
    return this.end !== undefined && !this.endAcked;
  }
  get unsettled(): number {
    return this.records + (this.endWaiting ? 1 : 0);
  }
  /** Records in the file and not acknowledged: what `runlog sync` can still deliver. */
  get waitingOnDisk(): number {
    return sum3((k) => Math.max(0, this.durable[k]! - this.acked[k]!));
  }
  /** Records neither in the file nor acknowledged: lost if the process ends now. */
  get notDurable(): number {
    return sum3((k) => Math.max(0, this.next[k]! - Math.max(this.durable[k]!, this.acked[k]!)));
  }
}
