import { closeSync, openSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { debug } from '../debug.js';
import { countStaged } from './artifact-staging.js';
import { encodeF64, encodeFrame, encodeU32 } from './frame-codec.js';
import { JOURNAL_FORMAT_VERSION, type JournalRecord, type MetricColumns, type RunRecord } from './journal-format.js';
import { segmentName } from './journal-location.js';
import { announceExit, stderrLine } from './exit-announcement.js';
import { fsyncDir, openSessionDir, releaseSessionDir } from './journal-session.js';
import { PendingMetrics, RunEntry } from './run-entry.js';
import { realFs, SegmentAppender, type AppendOp, type AppenderFs } from './segment-appender.js';

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
}

interface Segment {
  index: number;
  path: string;
  fd: number;
  /** Bytes given out to encoded groups: where the next group goes. */
  reserved: number;
  /** Bytes fully in the file. */
  written: number;
  /** The segment's file is complete and closed (it may be deleted once settled). */
  done: boolean;
  /** Per run: the end ordinals (metrics, params, tag ops) of its records in this segment, and whether it holds its end. */
  runs: Map<string, { max: number[]; end: boolean }>;
}

/** One encoded group on its way to the file: what becomes durable when it is written. */
interface StagedGroup {
  seg: Segment;
  /** Staging order: groups from `journalOnlyFrom` on hold records the uploader does not have. */
  seq: number;
  /** Offset just past the group. */
  end: number;
  /** Per run: its records' end ordinals once this group is written. */
  marks: Array<[RunEntry, number[]]>;
  ends: RunEntry[];
  /** The records themselves, handed back if the write fails (takeUnwritten). */
  groups: UnwrittenGroup[];
}

export interface UnwrittenGroup {
  runId: string;
  metrics?: MetricColumns | undefined;
  params?: Array<[string, string]> | undefined;
  tagOps?: Array<[string, string] | [string]> | undefined;
}

/** Groups that may wait for the thread pool before writes are done on the logging thread. */
const MAX_WRITE_BACKLOG = 8;

/**
 * Appends every accepted record to the session's current segment file, in groups: records wait in
 * memory at most commitIntervalMs (or until commitRecords of them wait, then until the next turn
 * of the event loop), then one encoded group carries them all. A logging call only stores into
 * typed columns; encoding happens in a timer or an immediate, and the write itself in the thread
 * pool (segment-appender.ts). A record counts as durable only once its group is fully in the file
 * (and fsynced in 'commit' mode): a crash (even SIGKILL) loses at most the groups not yet written,
 * a power loss at most what was written since the last fsync. Segments whose records are all
 * acknowledged are deleted; the session directory goes when nothing in it waits at close.
 */
export class JournalWriter {
  readonly sessionDir: string;
  private readonly opts: Required<Omit<JournalWriterOptions, 'onError' | 'fs' | 'exitLine'>> & Pick<JournalWriterOptions, 'onError'>;
  private readonly exitLine: (line: string) => void;
  private readonly runs = new Map<string, RunEntry>();
  private last: RunEntry | undefined;
  private readonly dirtyRuns: RunEntry[] = [];
  /** Run/sid frames to write before the group's records; end/ack frames after them. */
  private head: JournalRecord[] = [];
  private tail: JournalRecord[] = [];
  private pendingRecords = 0;
  private readonly segments: Segment[] = [];
  /** Encoded groups not yet written, oldest first. */
  private readonly staged: StagedGroup[] = [];
  private seq = 0;
  private journalOnlyFrom = Infinity;
  private inlineCommits = false;
  private readonly appender: SegmentAppender;
  private commitTimer: NodeJS.Timeout | undefined;
  private commitSoon = false;
  private ackMoved = false;
  private failed: Error | undefined;
  private closed = false;
  private readonly onExit = () => this.closeSync();

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
    this.appender = new SegmentAppender({
      fsync: this.opts.fsync,
      fsyncIntervalMs: this.opts.fsyncIntervalMs,
      fs: opts.fs ?? realFs,
      onFail: (err) => this.fail(err),
    });
    this.sessionDir = openSessionDir(opts.journalDir);
    this.openSegment(1);
    process.on('exit', this.onExit);
  }

  /** Set when a write failed: the journal stopped accepting records (they stay in memory only). */
  get error(): Error | undefined {
    return this.failed;
  }

  /** Records (and run ends) accepted and not yet acknowledged, across runs. */
  get unsettled(): number {
    let n = 0;
    for (const r of this.runs.values()) n += r.unsettled;
    return n;
  }

  /**
   * Where the next encoded group goes: the refill cursor of a spilled queue starts here. Bytes
   * below it are in the file once drain() resolves.
   */
  position(): { segment: number; offset: number } {
    const seg = this.segments[this.segments.length - 1]!;
    return { segment: seg.index, offset: seg.reserved };
  }

  /** Resolves once every group encoded so far is in the file (or the journal failed). */
  drain(): Promise<void> {
    return this.appender.drain();
  }

  segmentPath(index: number): string {
    return join(this.sessionDir, segmentName(index));
  }

  /** Segment indexes still on disk, oldest first. */
  segmentIndexes(): number[] {
    return this.segments.map((s) => s.index);
  }

  // ---- runs ----

  /** Declares a run: `sid` when the server created it; `create` when it still has to be. */
  registerRun(record: Omit<RunRecord, 't'>): void {
    const existing = this.runs.get(record.id);
    if (existing !== undefined) {
      if (existing.dormant) this.entry(record.id);
      return;
    }
    const entry = new RunEntry({ t: 'run', ...record });
    this.runs.set(record.id, entry);
    this.head.push(entry.record);
    this.wake();
  }

  /** The server created local run `id` as `sid`. */
  mapRun(id: string, sid: string): void {
    const entry = this.runs.get(id);
    if (entry !== undefined) entry.record.sid = sid;
    this.head.push({ t: 'sid', id, sid });
    this.wake();
  }

  private entry(runId: string): RunEntry {
    let r = this.runs.get(runId);
    if (r !== undefined && r.dormant) {
      // Logged to again after it settled: restate it (its segments may be gone) with its marks.
      r.dormant = false;
      r.end = undefined;
      r.endAcked = false;
      r.endDurable = false;
      this.head.push(r.record, { t: 'ack', r: runId, m: r.acked[0]!, p: r.acked[1]!, g: r.acked[2]! });
    }
    if (r === undefined) {
      // A run this process did not create (resumed, or given by id): its id is the server's.
      r = new RunEntry({ t: 'run', id: runId, sid: runId });
      this.runs.set(runId, r);
      this.head.push(r.record);
    }
    this.last = r;
    return r;
  }

  // ---- records (hot path: stores into columns only) ----

  addMetric(runId: string, key: string, value: number, timestamp: number, step: number): void {
    const r = this.last !== undefined && this.last.id === runId ? this.last : this.entry(runId);
    let pm = r.pm;
    if (pm === undefined) {
      pm = r.pm = new PendingMetrics(r.next[0]!);
      this.markDirty(r);
    }
    let ki = pm.index.get(key);
    if (ki === undefined) {
      ki = pm.ks.length;
      pm.ks.push(key);
      pm.index.set(key, ki);
    }
    const i = pm.n++;
    if (i === pm.v.length) pm.grow();
    pm.k[i] = ki;
    pm.v[i] = value;
    pm.ts[i] = timestamp;
    pm.st[i] = step;
    r.next[0]!++;
    this.counted();
  }

  addParam(runId: string, key: string, value: string): void {
    const r = this.entry(runId);
    if (r.pp === undefined) {
      r.pp = { o: r.next[1]!, kv: [] };
      this.markDirty(r);
    }
    r.pp.kv.push([key, value]);
    r.next[1]!++;
    this.counted();
  }

  setTag(runId: string, key: string, value: string): void {
    this.addTagOp(runId, [key, value]);
  }

  deleteTag(runId: string, key: string): void {
    this.addTagOp(runId, [key]);
  }

  /**
   * After the journal failed: a record that went to memory only is still counted (kind 0 metrics,
   * 1 params, 2 tag operations), so the exit line can say exactly how many were lost.
   */
  countOnly(runId: string, kind: 0 | 1 | 2): void {
    const r = this.last !== undefined && this.last.id === runId ? this.last : this.entry(runId);
    r.next[kind]!++;
  }

  private addTagOp(runId: string, op: [string, string] | [string]): void {
    const r = this.entry(runId);
    if (r.pg === undefined) {
      r.pg = { o: r.next[2]!, ops: [] };
      this.markDirty(r);
    }
    r.pg.ops.push(op);
    r.next[2]!++;
    this.counted();
  }

  /** The run ended: replay applies this after all of its records. */
  endRun(runId: string, status: string, endTime: number): void {
    const r = this.entry(runId);
    r.end = { status, endTime };
    r.endDurable = false;
    this.tail.push({ t: 'end', r: runId, status, endTime });
    this.wake();
  }

  /** Acknowledgement watermarks from the uploader (per kind, records settled in order). */
  ack(runId: string, metrics: number, params: number, tagOps: number): void {
    const r = this.runs.get(runId);
    if (r === undefined) return;
    r.acked[0] = Math.max(r.acked[0]!, metrics);
    r.acked[1] = Math.max(r.acked[1]!, params);
    r.acked[2] = Math.max(r.acked[2]!, tagOps);
    this.ackMoved = true;
    this.tail.push({ t: 'ack', r: runId, m: r.acked[0]!, p: r.acked[1]!, g: r.acked[2]! });
    this.wake();
  }

  /** The run's end reached the server. A run with nothing left unsettled is forgotten. */
  ackEnd(runId: string): void {
    const r = this.runs.get(runId);
    if (r === undefined) return;
    r.endAcked = true;
    this.ackMoved = true;
    this.tail.push({ t: 'ack', r: runId, m: r.acked[0]!, p: r.acked[1]!, g: r.acked[2]!, e: true });
    this.wake();
  }

  /** Records (run ends not counted) accepted and not acknowledged: of one run, or of all. */
  unsettledRecords(runId?: string): number {
    if (runId !== undefined) return this.runs.get(runId)?.records ?? 0;
    let n = 0;
    for (const r of this.runs.values()) n += r.records;
    return n;
  }

  private markDirty(r: RunEntry): void {
    if (!r.dirty) {
      r.dirty = true;
      this.dirtyRuns.push(r);
    }
  }

  private counted(): void {
    const n = ++this.pendingRecords;
    if (n < this.opts.commitRecords) this.wake();
    else if (n >= this.opts.maxStagedRecords || this.inlineCommits) this.commit();
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
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      this.commit();
    }, this.opts.commitIntervalMs);
    this.commitTimer.unref();
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
      clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
    }
    if (this.head.length === 0 && this.dirtyRuns.length === 0 && this.tail.length === 0) return false;
    const parts: string[] = [];
    for (const rec of this.head) parts.push(encodeFrame(rec));
    const marks: Array<[RunEntry, number[]]> = [];
    const groups: UnwrittenGroup[] = [];
    for (const r of this.dirtyRuns) {
      if (r.pm !== undefined) {
        const { o, n, ks, k, v, ts, st } = r.pm;
        parts.push(encodeFrame({ t: 'm', r: r.id, o, n, ks, k: encodeU32(k, n), v: encodeF64(v, n), ts: encodeF64(ts, n), st: encodeF64(st, n) }, n));
      }
      if (r.pp !== undefined) parts.push(encodeFrame({ t: 'p', r: r.id, o: r.pp.o, kv: r.pp.kv }, r.pp.kv.length));
      if (r.pg !== undefined) parts.push(encodeFrame({ t: 'g', r: r.id, o: r.pg.o, ops: r.pg.ops }, r.pg.ops.length));
      // Kept until written only if the uploader does not have them (see takeUnwritten).
      if (this.seq >= this.journalOnlyFrom) groups.push({ runId: r.id, metrics: r.pm, params: r.pp?.kv, tagOps: r.pg?.ops });
      r.encoded.splice(0, 3, ...r.next);
      marks.push([r, [...r.next]]);
      r.pm = undefined;
      r.pp = undefined;
      r.pg = undefined;
      r.dirty = false;
    }
    const ends: RunEntry[] = [];
    for (const rec of this.tail) {
      parts.push(encodeFrame(rec));
      if (rec.t === 'end') ends.push(this.runs.get(rec.r)!);
    }
    this.head = [];
    this.tail = [];
    this.dirtyRuns.length = 0;
    this.pendingRecords = 0;
    this.stage(parts.join(''), { marks, ends, groups });
    const seg = this.segments[this.segments.length - 1]!;
    if (seg.reserved >= this.opts.segmentBytes) this.roll();
    if (this.ackMoved) {
      this.ackMoved = false;
      this.trim();
    }
    return true;
  }

  /** Reserves the group's place in the current segment and queues its write. */
  private stage(text: string, what: Omit<StagedGroup, 'seg' | 'end' | 'seq'>, seg = this.segments[this.segments.length - 1]!): void {
    const buf = Buffer.from(text, 'utf8');
    const staged: StagedGroup = { seg, seq: this.seq++, end: seg.reserved + buf.length, ...what };
    this.staged.push(staged);
    const op: AppendOp = { fd: seg.fd, offset: seg.reserved, buf, written: () => this.written(staged) };
    seg.reserved += buf.length;
    // The thread pool completes at most one write per turn of the event loop: a loop that seldom
    // yields would pile groups up, so past a few waiting the writes are done here (bounded memory).
    this.appender.enqueue(op, this.inlineCommits || this.appender.backlog >= MAX_WRITE_BACKLOG);
  }

  /** A group is fully in the file: its records and run ends are durable. */
  private written(staged: StagedGroup): void {
    if (this.staged[0] === staged) this.staged.shift();
    staged.seg.written = staged.end;
    for (const [r, max] of staged.marks) {
      for (let k = 0; k < 3; k++) r.durable[k] = Math.max(r.durable[k]!, max[k]!);
      this.segmentRun(staged.seg, r.id).max = max;
    }
    for (const r of staged.ends) {
      r.endDurable = true;
      this.segmentRun(staged.seg, r.id).end = true;
    }
  }

  /**
   * From here on records go to the journal only (a spilled queue): groups encoded from now on are
   * the ones takeUnwritten() hands over. Call right after commit().
   */
  markJournalOnly(): void {
    this.journalOnlyFrom = this.seq;
    this.inlineCommits = true;
  }

  /**
   * Records go to the uploader too again (the spill ended). While spilled, groups are encoded
   * inside the logging call that fills one: the uploader is not fed then, so the call is cheap
   * anyway, and small groups keep an outage of any length within bounded memory.
   */
  markShared(): void {
    this.inlineCommits = false;
    this.journalOnlyFrom = Infinity;
  }

  /**
   * After a failed write: the records that never reached the journal and that the uploader does
   * not have (those logged since markJournalOnly()), in order per run and kind, handed to the
   * caller (which uploads them from memory); the writer keeps nothing.
   */
  takeUnwritten(): UnwrittenGroup[] {
    const out: UnwrittenGroup[] = [];
    for (const s of this.staged.splice(0)) if (s.seq >= this.journalOnlyFrom) out.push(...s.groups);
    for (const r of this.dirtyRuns) {
      out.push({ runId: r.id, metrics: r.pm, params: r.pp?.kv, tagOps: r.pg?.ops });
      r.pm = undefined;
      r.pp = undefined;
      r.pg = undefined;
      r.dirty = false;
    }
    this.dirtyRuns.length = 0;
    this.pendingRecords = 0;
    return out;
  }

  private segmentRun(seg: Segment, runId: string): { max: number[]; end: boolean } {
    let marks = seg.runs.get(runId);
    if (marks === undefined) {
      marks = { max: [0, 0, 0], end: false };
      seg.runs.set(runId, marks);
    }
    return marks;
  }

  private fail(err: Error): void {
    if (this.failed !== undefined) return;
    this.failed = err;
    // The appender cut the file back to its last whole group: nothing past it will be written.
    for (const seg of this.segments) seg.reserved = seg.written;
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
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

  private openSegment(index: number): void {
    const path = this.segmentPath(index);
    let fd: number;
    try {
      // A new file, written at explicit offsets (O_APPEND would make positional writes append).
      fd = openSync(path, 'wx');
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    // The new file's name must survive a power loss too (fsync-every-flush promises that).
    if (this.opts.fsync === 'commit') fsyncDir(this.sessionDir);
    const seg: Segment = { index, path, fd, reserved: 0, written: 0, done: false, runs: new Map() };
    this.segments.push(seg);
    const hello: JournalRecord = {
      t: 'hello',
      v: JOURNAL_FORMAT_VERSION,
      uri: this.opts.trackingUri,
      pid: process.pid,
      host: hostname(),
      at: Date.now(),
    };
    // A new segment restates every live run, so older segments can go once their records are acknowledged.
    const parts = [encodeFrame(hello)];
    const ends: RunEntry[] = [];
    for (const r of this.runs.values()) {
      if (r.dormant) continue;
      parts.push(encodeFrame(r.record));
      parts.push(encodeFrame({ t: 'ack', r: r.id, m: r.acked[0], p: r.acked[1], g: r.acked[2] }));
      parts.push(encodeFrame({ t: 'total', r: r.id, m: r.encoded[0], p: r.encoded[1], g: r.encoded[2] }));
      if (r.endWaiting && r.endDurable) {
        parts.push(encodeFrame({ t: 'end', r: r.id, ...r.end! }));
        ends.push(r);
      }
    }
    this.stage(parts.join(''), { marks: [], ends, groups: [] }, seg);
  }

  private roll(): void {
    const old = this.segments[this.segments.length - 1]!;
    // Closed (after an fsync) once its last group is written; only then may trimming delete it.
    this.appender.enqueue({ fd: old.fd, offset: old.reserved, buf: Buffer.alloc(0), closeAfter: true, written: () => (old.done = true) });
    this.openSegment(old.index + 1);
  }

  /** Deletes closed segments whose every record (and run end) is acknowledged; forgets settled runs. */
  private trim(): void {
    for (const r of this.runs.values()) {
      if (r.unsettled === 0 && r.end !== undefined && !r.dirty) r.dormant = true;
    }
    for (let i = 0; i < this.segments.length - 1; ) {
      const seg = this.segments[i]!;
      if (!seg.done || !this.settledSegment(seg)) {
        i++;
        continue;
      }
      try {
        unlinkSync(seg.path);
      } catch (err) {
        debug('journal trim %s: %s', seg.path, (err as Error).message);
      }
      this.segments.splice(i, 1);
    }
  }

  private settledSegment(seg: Segment): boolean {
    for (const [id, marks] of seg.runs) {
      const r = this.runs.get(id);
      if (r === undefined || r.dormant) continue; // everything settled
      if (r.acked[0]! < marks.max[0]! || r.acked[1]! < marks.max[1]! || r.acked[2]! < marks.max[2]!) return false;
      if (marks.end && !r.endAcked) return false;
    }
    return true;
  }

  // ---- closing ----

  /**
   * Writes what waits and closes the session: deleted when nothing on disk waits, else marked
   * closed (a `close` frame, after each live run's totals) so `runlog sync` may take it over.
   * Synchronous, so it also runs from the process 'exit' event. Idempotent.
   */
  closeSync(): void {
    if (this.closed) return;
    process.off('exit', this.onExit);
    // Artifacts staged while the server was away (artifact-staging.ts) keep the session too.
    const staged = countStaged(this.sessionDir);
    if (this.failed === undefined) {
      this.commit();
      if (this.unsettled > 0 || staged > 0) {
        const parts: string[] = [];
        for (const r of this.runs.values()) {
          if (!r.dormant) parts.push(encodeFrame({ t: 'total', r: r.id, m: r.encoded[0], p: r.encoded[1], g: r.encoded[2] }));
        }
        parts.push(encodeFrame({ t: 'close', at: Date.now() }));
        this.stage(parts.join(''), { marks: [], ends: [], groups: [] });
      }
    }
    this.closed = true;
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
    this.appender.finishSync();
    for (const seg of this.segments) {
      if (seg.done || this.appender.holds(seg.fd)) continue;
      try {
        closeSync(seg.fd);
      } catch (err) {
        debug('journal close: %s', (err as Error).message);
      }
    }
    let waiting = 0;
    for (const r of this.runs.values()) waiting += r.waitingOnDisk + (r.endWaiting && r.endDurable ? 1 : 0);
    releaseSessionDir(this.sessionDir, waiting === 0 && staged === 0);
    announceExit(this.runs.values(), staged, { trackingUri: this.opts.trackingUri, sessionDir: this.sessionDir, failed: this.failed, exitLine: this.exitLine });
  }
}
