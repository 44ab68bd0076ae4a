import { realClock, type Clock, type ClockTimer } from '../clock.js';
import { addShutdownHook } from '../shutdown-hooks.js';
import { countStaged } from './artifact-staging.js';
import { encodeFrame } from './frame-codec.js';
import type { RunRecord } from './journal-format.js';
import { announceExit, stderrLine } from './exit-announcement.js';
import { openSessionDir, releaseSessionDir } from './journal-session.js';
import { JournalRecords, type UnwrittenGroup } from './journal-records.js';
import { JournalSegments } from './journal-segments.js';
import { realFs, SegmentAppender, type AppenderFs } from './segment-appender.js';

export type { UnwrittenGroup } from './journal-records.js';

export interface JournalWriterOptions {
  /** The journal root; this writer makes its own session directory under it. */
  journalDir: string;
  /** The tracking URI records are meant for (written in every segment's hello). */
  trackingUri: string;
  /** 'interval': fsync at most every fsyncIntervalMs and on sync(); 'commit': after every group commit. */
  fsync?: 'interval' | 'commit';
  fsyncIntervalMs?: number;
  /** Longest time a record waits in memory before its group is written. */
  commitIntervalMs?: number;
  /** A group is written soon (at the next turn of the event loop) once this many records wait. */
  commitRecords?: number;
  /**
   * Bound on records waiting in memory for a group write: past it the group is encoded within the
   * logging call (back-pressure on a loop that never yields). Default 16 x commitRecords.
   */
  maxStagedRecords?: number;
  /** A segment file is closed and a new one begun past this size. */
  segmentBytes?: number;
  onError?: (err: Error) => void;
  /** The file calls of group writes (fault injection in tests). */
  fs?: AppenderFs;
  /** Where the exit line goes. Default: stderr, written synchronously. */
  exitLine?: (line: string) => void;
  /** Time for the commit and fsync timers (unref'd: they never keep the process alive). Default: the real clock. */
  clock?: Clock | undefined;
}

/**
 * Appends every accepted record to the session's current segment file, in groups: records wait in
 * memory at most commitIntervalMs (or until commitRecords of them wait, then until the next turn
 * of the event loop), then one encoded group carries them all. A logging call only stores into
 * typed columns (journal-records.ts); encoding happens in a timer or an immediate, and the write
 * itself in the thread pool (segment-appender.ts). A record counts as durable only once its group
 * is fully in the file (and fsynced in 'commit' mode): a crash (even SIGKILL) loses at most the
 * groups not yet written, a power loss at most what was written since the last fsync. Segments
 * whose records are all acknowledged are deleted (journal-segments.ts); the session directory
 * goes when nothing in it waits at close.
 */
export class JournalWriter {
  readonly sessionDir: string;
  private readonly opts: Required<Omit<JournalWriterOptions, 'onError' | 'fs' | 'exitLine' | 'clock'>> & Pick<JournalWriterOptions, 'onError'>;
  private readonly exitLine: (line: string) => void;
  private readonly clock: Clock;
  private readonly records = new JournalRecords();
  private readonly segments: JournalSegments;
  private journalOnlyFrom = Infinity;
  private readonly appender: SegmentAppender;
  private commitTimer: ClockTimer | undefined;
  private commitSoon = false;
  private failed: Error | undefined;
  private closed = false;
  /** Takes the writer's exit hook (closeSync at process exit) off the shutdown-hook registry. */
  private readonly removeExitHook: () => void;

  constructor(opts: JournalWriterOptions) {
    const commitRecords = opts.commitRecords ?? 16_384;
    this.opts = {
      fsync: opts.fsync ?? 'interval',
      fsyncIntervalMs: opts.fsyncIntervalMs ?? 1000,
      commitIntervalMs: opts.commitIntervalMs ?? 100,
      commitRecords,
      maxStagedRecords: opts.maxStagedRecords ?? 16 * commitRecords,
      segmentBytes: opts.segmentBytes ?? 64 * 1024 * 1024,
      journalDir: opts.journalDir,
      trackingUri: opts.trackingUri,
      onError: opts.onError,
    };
    this.exitLine = opts.exitLine ?? stderrLine;
    this.clock = opts.clock ?? realClock;
    this.appender = new SegmentAppender({
      fsync: this.opts.fsync,
      fsyncIntervalMs: this.opts.fsyncIntervalMs,
      fs: opts.fs ?? realFs,
      clock: this.clock,
      onFail: (err) => this.fail(err),
    });
    this.sessionDir = openSessionDir(opts.journalDir);
    this.segments = new JournalSegments({
      sessionDir: this.sessionDir,
      trackingUri: this.opts.trackingUri,
      fsync: this.opts.fsync,
      appender: this.appender,
      records: this.records,
      onFail: (err) => this.fail(err),
    });
    this.segments.open(1);
    // Through the one registry of process listeners; removed at close, so none stays behind.
    this.removeExitHook = addShutdownHook({ exit: () => this.closeSync() });
  }

  /** Set when a write failed: the journal stopped accepting records (they stay in memory only). */
  get error(): Error | undefined {
    return this.failed;
  }

  /** Records (and run ends) accepted and not yet acknowledged, across runs. */
  get unsettled(): number {
    return this.records.unsettled;
  }

  /**
   * Where the next encoded group goes: the refill cursor of a spilled queue starts here. Bytes
   * below it are in the file once drain() resolves.
   */
  position(): { segment: number; offset: number } {
    return this.segments.position();
  }

  /** Resolves once every group encoded so far is in the file (or the journal failed). */
  drain(): Promise<void> {
    return this.appender.drain();
  }

  segmentPath(index: number): string {
    return this.segments.path(index);
  }

  /** Segment indexes still on disk, oldest first. */
  segmentIndexes(): number[] {
    return this.segments.indexes();
  }

  // ---- runs and records (hot path: stores into columns only) ----

  /** Declares a run: `sid` when the server created it; `create` when it still has to be. */
  registerRun(record: Omit<RunRecord, 't'>): void {
    if (this.records.registerRun(record)) this.wake();
  }

  /** The server created local run `id` as `sid`. */
  mapRun(id: string, sid: string): void {
    this.records.mapRun(id, sid);
    this.wake();
  }

  addMetric(runId: string, key: string, value: number, timestamp: number, step: number): void {
    this.counted(this.records.addMetric(runId, key, value, timestamp, step));
  }

  addParam(runId: string, key: string, value: string): void {
    this.counted(this.records.addParam(runId, key, value));
  }

  setTag(runId: string, key: string, value: string): void {
    this.counted(this.records.addTagOp(runId, [key, value]));
  }

  deleteTag(runId: string, key: string): void {
    this.counted(this.records.addTagOp(runId, [key]));
  }

  /**
   * After the journal failed: a record that went to memory only is still counted (kind 0 metrics,
   * 1 params, 2 tag operations), so the exit line can say exactly how many were lost.
   */
  countOnly(runId: string, kind: 0 | 1 | 2): void {
    this.records.countOnly(runId, kind);
  }

  /** The run ended: replay applies this after all of its records. */
  endRun(runId: string, status: string, endTime: number): void {
    this.records.endRun(runId, status, endTime);
    this.wake();
  }

  /** Acknowledgement watermarks from the uploader (per kind, records settled in order). */
  ack(runId: string, metrics: number, params: number, tagOps: number): void {
    if (this.records.ack(runId, metrics, params, tagOps)) this.wake();
  }

  /** The run's end reached the server. A run with nothing left unsettled is forgotten. */
  ackEnd(runId: string): void {
    if (this.records.ackEnd(runId)) this.wake();
  }

  /** Records (run ends not counted) accepted and not acknowledged: of one run, or of all. */
  unsettledRecords(runId?: string): number {
    return this.records.unsettledRecords(runId);
  }

  /** `waiting` records wait for a group write now: schedules (or, past the bound, does) the write. */
  private counted(waiting: number): void {
    if (waiting < this.opts.commitRecords) this.wake();
    else if (waiting >= this.opts.maxStagedRecords || this.segments.inlineWrites) this.commit();
    else if (!this.commitSoon) {
      // Encoded at the next turn of the event loop, not inside this logging call.
      this.commitSoon = true;
      setImmediate(() => {
        this.commitSoon = false;
        this.commit();
      }).unref();
    }
  }

  private wake(): void {
    if (this.commitTimer !== undefined || this.closed) return;
    this.commitTimer = this.clock.setTimeout(() => {
      this.commitTimer = undefined;
      this.commit();
    }, this.opts.commitIntervalMs);
  }

  // ---- writing ----

  /**
   * Encodes every waiting record into one group and hands it to the appender; true when there
   * was something to encode. The records stay reachable (for takeUnwritten) until the group is
   * in the file.
   */
  commit(): boolean {
    if (this.closed || this.failed !== undefined) return false;
    if (this.commitTimer !== undefined) {
      this.clock.clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
    }
    // Records are kept until written only if the uploader does not have them (see takeUnwritten).
    const group = this.records.encode(this.segments.nextSeq >= this.journalOnlyFrom);
    if (group === undefined) return false;
    const { text, ...contents } = group;
    this.segments.stage(text, contents);
    this.segments.rollIfPast(this.opts.segmentBytes);
    if (this.records.takeAckMoved()) this.segments.trim();
    return true;
  }

  /**
   * From here on records go to the journal only (a spilled queue): groups encoded from now on are
   * the ones takeUnwritten() hands over. Call right after commit().
   */
  markJournalOnly(): void {
    this.journalOnlyFrom = this.segments.nextSeq;
    this.segments.inlineWrites = true;
  }

  /**
   * Records go to the uploader too again (the spill ended). While spilled, groups are encoded
   * inside the logging call that fills one: the uploader is not fed then, so the call is cheap
   * anyway, and small groups keep an outage of any length within bounded memory.
   */
  markShared(): void {
    this.segments.inlineWrites = false;
    this.journalOnlyFrom = Infinity;
  }

  /**
   * After a failed write: the records that never reached the journal and that the uploader does
   * not have (those logged since markJournalOnly()), in order per run and kind, handed to the
   * caller (which uploads them from memory); the writer keeps nothing.
   */
  takeUnwritten(): UnwrittenGroup[] {
    return [...this.segments.takeUnwritten(this.journalOnlyFrom), ...this.records.takeWaiting()];
  }

  private fail(err: Error): void {
    if (this.failed !== undefined) return;
    this.failed = err;
    // The appender cut the file back to its last whole group: nothing past it will be written.
    this.segments.cutToWritten();
    if (this.commitTimer !== undefined) this.clock.clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    this.opts.onError?.(
      new Error(
        `runlog journal ${this.sessionDir} could not be written (${err.message}); from now on records are kept in memory only, as with durability 'memory': endRun() and flush() report records the server has not taken.`,
        { cause: err },
      ),
    );
  }

  /** Writes waiting records and forces them to disk: the durable point of flush() and endRun(). */
  async sync(): Promise<void> {
    this.commit();
    await this.appender.fsyncNow();
  }

  // ---- closing ----

  /**
   * Writes what waits and closes the session: deleted when nothing on disk waits, else marked
   * closed (a `close` frame, after each live run's totals) so `runlog sync` may take it over.
   * Synchronous, so it also runs as the writer's 'exit' shutdown hook. Idempotent.
   */
  closeSync(): void {
    if (this.closed) return;
    this.removeExitHook();
    // Artifacts staged while the server was away (artifact-staging.ts) keep the session too.
    const staged = countStaged(this.sessionDir);
    if (this.failed === undefined) {
      this.commit();
      if (this.records.unsettled > 0 || staged > 0) {
        const parts = [...this.records.totals(), encodeFrame({ t: 'close', at: Date.now() })];
        this.segments.stage(parts.join(''), { marks: [], ends: [], groups: [] });
      }
    }
    this.closed = true;
    if (this.commitTimer !== undefined) this.clock.clearTimeout(this.commitTimer);
    this.appender.finishSync();
    this.segments.closeFiles();
    releaseSessionDir(this.sessionDir, this.records.waitingOnDisk() === 0 && staged === 0);
    const { trackingUri } = this.opts;
    announceExit(this.records.runs.values(), staged, { trackingUri, sessionDir: this.sessionDir, failed: this.failed, exitLine: this.exitLine });
  }
}
