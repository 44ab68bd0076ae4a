import type { LogBatch } from './store.js';

/**
 * Acknowledgement counting for the uploader's onAck: each run's records are numbered per kind in
 * queueing order, and a kind's watermark is the lowest ordinal still in a request not yet settled.
 */

/** Per kind, how many of a run's records (in queueing order) are settled. */
export interface Watermarks {
  metrics: number;
  params: number;
  tagOps: number;
}

export type Kind = 0 | 1 | 2;
/** [kind (0 metrics, 1 params, 2 tag ops), first ordinal, end ordinal) */
export type Range = [Kind, number, number];

/** Counting for onAck: records taken per kind, and the ranges in requests not yet settled. */
class AckCounter {
  readonly taken = [0, 0, 0];
  readonly inflight: Range[] = [];
  readonly reported = [0, 0, 0];
  take(kind: Kind, n: number): Range {
    const r: Range = [kind, this.taken[kind]!, this.taken[kind]! + n];
    this.taken[kind]! += n;
    this.inflight.push(r);
    return r;
  }
  /** Settles ranges; true when a watermark moved. */
  settle(ranges: Range[]): boolean {
    for (const r of ranges) {
      const i = this.inflight.indexOf(r);
      if (i >= 0) this.inflight.splice(i, 1);
    }
    let moved = false;
    for (const kind of [0, 1, 2] as Kind[]) {
      let low = this.taken[kind]!;
      for (const r of this.inflight) if (r[0] === kind && r[1] < low) low = r[1];
      if (low !== this.reported[kind]) {
        this.reported[kind] = low;
        moved = true;
      }
    }
    return moved;
  }
}

/** One AckCounter per run. */
export class RunAckCounters {
  private readonly counters = new Map<string, AckCounter>();

  /** Numbers a request's records (a batch, or one tag deletion): the ranges it carries. */
  take(runId: string, req: { batch?: LogBatch | undefined; deleteTagKey?: string | undefined }): Range[] {
    let counter = this.counters.get(runId);
    if (counter === undefined) {
      counter = new AckCounter();
      this.counters.set(runId, counter);
    }
    const ranges: Range[] = [];
    if (req.deleteTagKey !== undefined) ranges.push(counter.take(2, 1));
    else if (req.batch !== undefined) {
      if (req.batch.tags.length) ranges.push(counter.take(2, req.batch.tags.length));
      if (req.batch.params.length) ranges.push(counter.take(1, req.batch.params.length));
      if (req.batch.metrics.length) ranges.push(counter.take(0, req.batch.metrics.length));
    }
    return ranges;
  }

  /** Settles a request's ranges; the run's new watermarks when one moved, else undefined. */
  settle(runId: string, ranges: Range[]): Watermarks | undefined {
    const counter = this.counters.get(runId);
    if (counter === undefined || !counter.settle(ranges)) return undefined;
    const [metrics, params, tagOps] = counter.reported as [number, number, number];
    return { metrics, params, tagOps };
  }
}
