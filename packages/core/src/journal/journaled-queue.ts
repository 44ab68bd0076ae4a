import { debug } from '../debug.js';
import type { BatchUploader } from '../batch-uploader.js';
import { realClock, type Clock, type ClockTimer } from '../clock.js';
import { feedFrame, feedMetrics, feedParams, feedTagOps } from './feed-uploader.js';
import { readFrames } from './journal-reader.js';
import type { JournalWriter } from './journal-writer.js';

/** What logging calls enqueue into: the uploader itself (memory durability) or a JournaledQueue. */
export interface RecordSink {
  addMetric(runId: string, key: string, value: number, timestamp: number, step: number): boolean;
  addParam(runId: string, key: string, value: string): boolean;
  setTag(runId: string, key: string, value: string): boolean;
  deleteTag(runId: string, key: string): boolean;
}

const enum Route {
  Memory,
  Journal,
  Both,
}

/** The drop limit of a memory-only queue (the uploader's default), restored if the journal fails. */
const MEMORY_QUEUE_LIMIT = 2_000_000;

export interface JournaledQueueOptions {
  /**
   * Records the uploader may hold in memory. Past this the queue spills: records go to the journal
   * only and are read back from it as the uploader drains, so memory stays bounded however long
   * the server is away.
   */
  memoryRecords?: number;
  /** How often a spilled queue checks whether the uploader has room again. */
  refillIntervalMs?: number;
}

/**
 * Journal first, then the uploader: every accepted record is appended to the journal (group
 * committed) before it may be sent, and the uploader's acknowledgements move the journal's
 * watermarks (wired by the owner through BatchUploader's onAck). Logging calls stay synchronous
 * and never fail because of the server or the disk; if the journal cannot be written it reports
 * once and the queue carries on in memory.
 */
export class JournaledQueue implements RecordSink {
  private readonly memoryRecords: number;
  private readonly refillIntervalMs: number;
  private spilling = false;
  private cursor = { segment: 0, offset: 0 };
  private refillTimer: ClockTimer | undefined;
  private refilling: Promise<void> | undefined;

  constructor(
    readonly writer: JournalWriter,
    readonly uploader: BatchUploader,
    opts: JournaledQueueOptions = {},
    /** Time for the refill checks and flush deadlines: the uploader's clock (tests move it by hand). */
    private readonly clock: Clock = realClock,
  ) {
    this.memoryRecords = opts.memoryRecords ?? 250_000;
    this.refillIntervalMs = opts.refillIntervalMs ?? 50;
  }

  /** True while records are kept in the journal only. */
  get spilled(): boolean {
    return this.spilling;
  }

  // ---- enqueue (hot path) ----

  addMetric(runId: string, key: string, value: number, timestamp: number, step: number): boolean {
    const to = this.route();
    if (to === Route.Memory) return this.memory(this.uploader.addMetric(runId, key, value, timestamp, step), runId, 0);
    this.writer.addMetric(runId, key, value, timestamp, step);
    if (to === Route.Both) this.uploader.addMetric(runId, key, value, timestamp, step);
    return true;
  }

  addParam(runId: string, key: string, value: string): boolean {
    const to = this.route();
    if (to === Route.Memory) return this.memory(this.uploader.addParam(runId, key, value), runId, 1);
    this.writer.addParam(runId, key, value);
    if (to === Route.Both) this.uploader.addParam(runId, key, value);
    return true;
  }

  setTag(runId: string, key: string, value: string): boolean {
    const to = this.route();
    if (to === Route.Memory) return this.memory(this.uploader.setTag(runId, key, value), runId, 2);
    this.writer.setTag(runId, key, value);
    if (to === Route.Both) this.uploader.setTag(runId, key, value);
    return true;
  }

  deleteTag(runId: string, key: string): boolean {
    const to = this.route();
    if (to === Route.Memory) return this.memory(this.uploader.deleteTag(runId, key), runId, 2);
    this.writer.deleteTag(runId, key);
    if (to === Route.Both) this.uploader.deleteTag(runId, key);
    return true;
  }

  /**
   * Where the next record goes. A failed journal: memory only, unless a spilled backlog must go
   * first (then the writer holds records in memory until the read-back reaches them). Else the
   * journal, and the uploader too unless the queue is spilled (which a full uploader starts).
   */
  private route(): Route {
    if (this.writer.error !== undefined && !this.spilling) {
      this.memoryOnly();
      return Route.Memory;
    }
    if (!this.spilling && this.uploader.queuedRecords >= this.memoryRecords) this.spill();
    return this.spilling ? Route.Journal : Route.Both;
  }

  /** A record that went to memory only (failed journal) is counted by the writer, for exact exit lines. */
  private memory(accepted: boolean, runId: string, kind: 0 | 1 | 2): boolean {
    if (accepted) this.writer.countOnly(runId, kind);
    return accepted;
  }

  // ---- spilling ----

  /**
   * From here on records go to the journal only. Everything written so far is in the uploader, so
   * the read-back cursor starts at the journal's current end.
   */
  private spill(): void {
    this.writer.commit();
    if (this.writer.error !== undefined) return;
    this.writer.markJournalOnly();
    this.cursor = this.writer.position();
    this.spilling = true;
    debug('queue spilled to the journal at %d records in memory', this.uploader.queuedRecords);
    this.scheduleRefill();
  }

  /** The next periodic refill check while spilled (re-armed at each, as an interval would be). */
  private scheduleRefill(): void {
    this.refillTimer = this.clock.setTimeout(() => {
      this.scheduleRefill();
      void this.refill();
    }, this.refillIntervalMs);
  }

  /** Feeds the uploader from the journal while it has room; ends spilling once caught up. */
  refill(): Promise<void> {
    this.refilling ??= this.refillLoop()
      .catch((err: Error) => debug('journal read-back failed: %s', err.message))
      .finally(() => {
        this.refilling = undefined;
      });
    return this.refilling;
  }

  private async refillLoop(): Promise<void> {
    const room = Math.max(1, Math.floor(this.memoryRecords / 2));
    while (this.spilling && this.uploader.queuedRecords < room) {
      // Only bytes already in the file are read back.
      await this.writer.drain();
      const encoded = this.writer.commit();
      const end = this.writer.position();
      if (!encoded && this.cursor.segment === end.segment && this.cursor.offset >= end.offset) {
        // Caught up, with nothing waiting in the writer: records go to memory again. No await
        // since drain(), and nothing to encode, so no record can have slipped in between. If the
        // journal failed, what it could not write is handed over now, after everything before it.
        if (this.writer.error !== undefined) this.takeOverUnwritten();
        this.stopSpilling();
        return;
      }
      // Something was just encoded: let it reach the file before reading up to it.
      if (encoded) continue;
      const current = this.cursor.segment === end.segment;
      let fed = 0;
      let finished = true;
      try {
        for await (const frame of readFrames(this.writer.segmentPath(this.cursor.segment), {
          start: this.cursor.offset,
          end: current ? end.offset : undefined,
        })) {
          fed += feedFrame(this.uploader, frame.record);
          this.cursor.offset = frame.next;
          if (fed >= room) {
            finished = false;
            break;
          }
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      if (finished && !current) this.cursor = { segment: this.cursor.segment + 1, offset: 0 };
    }
  }

  private wentMemoryOnly = false;

  /** Sets the uploader up for memory-only work after a journal failure (idempotent). */
  private memoryOnly(): void {
    if (this.wentMemoryOnly) return;
    this.wentMemoryOnly = true;
    // Not spilled: the uploader already has every record the writer still holds.
    if (!this.spilling) this.writer.takeUnwritten();
    this.uploader.limitQueue(MEMORY_QUEUE_LIMIT);
  }

  private takeOverUnwritten(): void {
    for (const group of this.writer.takeUnwritten()) {
      if (group.metrics) feedMetrics(this.uploader, group.runId, group.metrics);
      feedParams(this.uploader, group.runId, group.params ?? []);
      feedTagOps(this.uploader, group.runId, group.tagOps ?? []);
    }
    // Memory only from here: the in-memory drop limit applies again.
    this.wentMemoryOnly = true;
    this.uploader.limitQueue(MEMORY_QUEUE_LIMIT);
  }

  private stopSpilling(): void {
    this.spilling = false;
    this.writer.markShared();
    this.clock.clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    debug('journal read-back caught up; records stay in memory again');
  }



  // ---- flushing ----

  /**
   * Writes and fsyncs the journal, then waits until the uploader has sent everything (or only
   * `runId`'s records), reading spilled records back as it goes; false when `timeoutMs` passes.
   */
  async flush(timeoutMs: number, runId?: string): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    await this.writer.sync();
    for (;;) {
      const ok = await this.uploader.flush(Math.max(0, deadline - this.clock.now()), runId);
      if (!ok) return false;
      // Everything asked for is acknowledged (spilled or not, the journal counts every record).
      if (this.writer.error === undefined && this.writer.unsettledRecords(runId) === 0) {
        // Nothing left to read back either (when all is settled): end the spill now, not at the next tick.
        if (this.spilling && runId === undefined) await this.refill();
        return true;
      }
      // Records the uploader gave up on without the server refusing them (a 401, say) are not
      // acknowledged: they wait in the journal for `runlog sync`, and this flush did not succeed.
      if (!this.spilling) return this.writer.error !== undefined || this.writer.unsettledRecords(runId) === 0;
      await this.refill();
      if (this.clock.now() >= deadline && this.spilling) return false;
      // Let the uploader work before looking again: both awaits above may resolve at once (this
      // run has nothing left, other runs fill the room), and a loop of resolved promises would
      // starve timers and I/O until the deadline.
      if (this.spilling) await new Promise<void>((resolve) => this.clock.setTimeout(resolve, Math.min(this.refillIntervalMs, Math.max(0, deadline - this.clock.now())), true));
    }
  }

  /** Records accepted and not yet acknowledged (the journal's count; the uploader's if it failed). */
  get pending(): number {
    return this.writer.error !== undefined && !this.spilling ? this.uploader.pending : this.writer.unsettled;
  }

  close(): void {
    this.clock.clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    this.writer.closeSync();
  }
}
