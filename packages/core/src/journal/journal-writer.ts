import { closeSync, fsync, fsyncSync, mkdirSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { debug } from '../debug.js';
import { countStaged } from './artifact-staging.js';
import { encodeF64, encodeFrame, encodeU32 } from './frame-codec.js';
import { JOURNAL_FORMAT_VERSION, type JournalRecord, type MetricColumns, type RunRecord } from './journal-format.js';
import { newSessionId, ownerLine, OWNER_FILE, segmentName } from './journal-location.js';

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
  /** A group is written as soon as this many records wait. */
  commitRecords?: number;
  /** A segment file is closed and a new one begun past this size. */
  segmentBytes?: number;
  onError?: (err: Error) => void;
}

/** A run's metric points waiting for the next group write, in growable typed columns. */
class PendingMetrics {
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

class RunEntry {
  /** Next ordinal per kind: metrics, params, tag operations. */
  readonly next = [0, 0, 0];
  readonly acked = [0, 0, 0];
  end: { status: string; endTime: number } | undefined;
  endAcked = false;
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
  /** Records accepted and not acknowledged. */
  get records(): number {
    return this.next[0]! - this.acked[0]! + this.next[1]! - this.acked[1]! + this.next[2]! - this.acked[2]!;
  }
  /** The run's end is journaled and not yet applied on the server. */
  get endWaiting(): boolean {
    return this.end !== undefined && !this.endAcked;
  }
  get unsettled(): number {
    return this.records + (this.endWaiting ? 1 : 0);
  }
}

interface Segment {
  index: number;
  path: string;
  /** Per run: the end ordinals (metrics, params, tag ops) of its records in this segment, and whether it holds its end. */
  runs: Map<string, { max: number[]; end: boolean }>;
}

/**
 * Appends every accepted record to the session's current segment file, in groups: records wait in
 * memory at most commitIntervalMs (or until commitRecords of them wait), then one write carries
 * them all. Writes are synchronous and happen off the logging call (in a timer), so a logging call
 * only pushes onto arrays; a crash (even SIGKILL) loses at most the group not yet written, and a
 * power loss at most what was written since the last fsync. Segments whose records are all
 * acknowledged are deleted; the session directory goes when nothing in it is unsettled at close.
 */
/** Session directories this process writes: its own sessions are live whatever the pid file says. */
export const openSessions = new Set<string>();

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    debug('journal directory fsync %s: %s', dir, (err as Error).message);
  }
}

export class JournalWriter {
  readonly sessionDir: string;
  private readonly opts: Required<Omit<JournalWriterOptions, 'onError'>> & Pick<JournalWriterOptions, 'onError'>;
  private readonly runs = new Map<string, RunEntry>();
  private last: RunEntry | undefined;
  private readonly dirtyRuns: RunEntry[] = [];
  /** Run/sid frames to write before the group's records; end/ack frames after them. */
  private head: JournalRecord[] = [];
  private tail: JournalRecord[] = [];
  private pendingRecords = 0;
  private readonly segments: Segment[] = [];
  private fd = -1;
  private size = 0;
  private commitTimer: NodeJS.Timeout | undefined;
  private fsyncTimer: NodeJS.Timeout | undefined;
  private needsFsync = false;
  private ackMoved = false;
  private failed: Error | undefined;
  private closed = false;
  private readonly onExit = () => this.closeSync();

  constructor(opts: JournalWriterOptions) {
    this.opts = {
      fsync: 'interval',
      fsyncIntervalMs: 1000,
      commitIntervalMs: 100,
      commitRecords: 16_384,
      segmentBytes: 64 * 1024 * 1024,
      ...opts,
    };
    this.sessionDir = join(opts.journalDir, newSessionId());
    mkdirSync(this.sessionDir, { recursive: true });
    writeFileSync(join(this.sessionDir, OWNER_FILE), ownerLine());
    openSessions.add(this.sessionDir);
    fsyncDir(opts.journalDir);
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

  /** Where the next written byte goes: the refill cursor of a spilled queue starts here. */
  position(): { segment: number; offset: number } {
    return { segment: this.segments[this.segments.length - 1]!.index, offset: this.size };
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

  // ---- records (hot path: array pushes only) ----

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
    if (++this.pendingRecords >= this.opts.commitRecords) {
      this.commit();
      return;
    }
    this.wake();
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
   * Writes every waiting record now (one write call). Waiting records are let go only once the
   * write succeeded: after a failed write they stay here, for takeUnwritten().
   */
  commit(): void {
    if (this.closed || this.failed !== undefined) return;
    if (this.commitTimer !== undefined) {
      clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
    }
    const parts: string[] = [];
    for (const rec of this.head) parts.push(encodeFrame(rec));
    for (const r of this.dirtyRuns) {
      if (r.pm !== undefined) {
        const { o, n, ks, k, v, ts, st } = r.pm;
        parts.push(encodeFrame({ t: 'm', r: r.id, o, n, ks, k: encodeU32(k, n), v: encodeF64(v, n), ts: encodeF64(ts, n), st: encodeF64(st, n) }));
      }
      if (r.pp !== undefined) parts.push(encodeFrame({ t: 'p', r: r.id, o: r.pp.o, kv: r.pp.kv }));
      if (r.pg !== undefined) parts.push(encodeFrame({ t: 'g', r: r.id, o: r.pg.o, ops: r.pg.ops }));
    }
    for (const rec of this.tail) parts.push(encodeFrame(rec));
    if (parts.length === 0) return;
    if (!this.write(parts.join(''))) return;
    const seg = this.segments[this.segments.length - 1]!;
    for (const r of this.dirtyRuns) {
      this.segmentRun(seg, r.id).max = [...r.next];
      r.pm = undefined;
      r.pp = undefined;
      r.pg = undefined;
      r.dirty = false;
    }
    for (const rec of this.tail) if (rec.t === 'end') this.segmentRun(seg, rec.r).end = true;
    this.head = [];
    this.tail = [];
    this.dirtyRuns.length = 0;
    this.pendingRecords = 0;
    if (this.size >= this.opts.segmentBytes) this.roll();
    if (this.ackMoved) {
      this.ackMoved = false;
      this.trim();
    }
  }

  /**
   * After a failed write: the records that never reached the journal, in order per run and kind,
   * handed to the caller (which uploads them from memory); the writer keeps nothing.
   */
  takeUnwritten(): Array<{ runId: string; metrics?: MetricColumns; params?: Array<[string, string]>; tagOps?: Array<[string, string] | [string]> }> {
    const out = this.dirtyRuns.map((r) => ({ runId: r.id, metrics: r.pm, params: r.pp?.kv, tagOps: r.pg?.ops }));
    for (const r of this.dirtyRuns) {
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

  private write(text: string): boolean {
    try {
      const buf = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
      this.size += buf.length;
      if (this.opts.fsync === 'commit') fsyncSync(this.fd);
      else this.scheduleFsync();
      return true;
    } catch (err) {
      this.fail(err as Error);
      return false;
    }
  }

  private fail(err: Error): void {
    if (this.failed !== undefined) return;
    this.failed = err;
    this.opts.onError?.(
      new Error(`runlog journal ${this.sessionDir} could not be written (${err.message}); from now on records are kept in memory only, as with durability 'memory'.`, { cause: err }),
    );
  }

  private scheduleFsync(): void {
    this.needsFsync = true;
    if (this.fsyncTimer !== undefined) return;
    this.fsyncTimer = setTimeout(() => {
      this.fsyncTimer = undefined;
      if (!this.needsFsync || this.closed) return;
      this.needsFsync = false;
      fsync(this.fd, (err) => {
        if (err && !this.closed) debug('journal fsync: %s', err.message);
      });
    }, this.opts.fsyncIntervalMs);
    this.fsyncTimer.unref();
  }

  /** Writes waiting records and forces them to disk: the durable point of flush() and endRun(). */
  sync(): void {
    this.commit();
    if (this.closed || this.failed !== undefined || !this.needsFsync) return;
    this.needsFsync = false;
    try {
      fsyncSync(this.fd);
    } catch (err) {
      debug('journal fsync: %s', (err as Error).message);
    }
  }

  private openSegment(index: number): void {
    const path = this.segmentPath(index);
    this.fd = openSync(path, 'a');
    // The new file's name must survive a power loss too (fsync-every-flush promises that).
    if (this.opts.fsync === 'commit') fsyncDir(this.sessionDir);
    this.size = 0;
    this.segments.push({ index, path, runs: new Map() });
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
    for (const r of this.runs.values()) {
      if (r.dormant) continue;
      parts.push(encodeFrame(r.record));
      parts.push(encodeFrame({ t: 'ack', r: r.id, m: r.acked[0], p: r.acked[1], g: r.acked[2] }));
      if (r.endWaiting) {
        parts.push(encodeFrame({ t: 'end', r: r.id, ...r.end! }));
        this.segmentRun(this.segments[this.segments.length - 1]!, r.id).end = true;
      }
    }
    this.write(parts.join(''));
  }

  private roll(): void {
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
    } catch (err) {
      debug('journal roll: %s', (err as Error).message);
    }
    this.needsFsync = false;
    this.openSegment(this.segments[this.segments.length - 1]!.index + 1);
  }

  /** Deletes closed segments whose every record (and run end) is acknowledged; forgets settled runs. */
  private trim(): void {
    for (const r of this.runs.values()) {
      if (r.unsettled === 0 && r.end !== undefined && !r.dirty) r.dormant = true;
    }
    for (let i = 0; i < this.segments.length - 1; ) {
      const seg = this.segments[i]!;
      if (!this.settledSegment(seg)) {
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
   * Writes what waits and closes the session: deleted when nothing in it is unsettled, else
   * marked closed (a `close` frame) so `runlog sync` may take it over. Synchronous, so it also
   * runs from the process 'exit' event. Idempotent.
   */
  closeSync(): void {
    if (this.closed) return;
    process.off('exit', this.onExit);
    // Artifacts staged while the server was away (artifact-staging.ts) keep the session too.
    const staged = countStaged(this.sessionDir);
    if (this.failed === undefined) {
      this.commit();
      if (this.unsettled > 0 || staged > 0) this.write(encodeFrame({ t: 'close', at: Date.now() }));
    }
    this.closed = true;
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
    if (this.fsyncTimer !== undefined) clearTimeout(this.fsyncTimer);
    try {
      if (this.failed === undefined) fsyncSync(this.fd);
      closeSync(this.fd);
    } catch (err) {
      debug('journal close: %s', (err as Error).message);
    }
    openSessions.delete(this.sessionDir);
    try {
      if (this.unsettled === 0 && staged === 0) rmSync(this.sessionDir, { recursive: true, force: true });
      else {
        unlinkSync(join(this.sessionDir, OWNER_FILE));
        this.announce(staged);
      }
    } catch (err) {
      debug('journal close: %s', (err as Error).message);
    }
  }

  /**
   * The exit contract's one line: what waits, where, and the command that uploads it. Written
   * synchronously, because this may run in the process's 'exit' event.
   */
  private announce(staged: number): void {
    const records = this.unsettledRecords();
    let ends = 0;
    for (const r of this.runs.values()) if (r.endWaiting) ends++;
    const parts = [`${records} record(s)`];
    if (ends) parts.push(`${ends} run end(s)`);
    if (staged) parts.push(`${staged} artifact upload(s)`);
    const what = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
    const line = `runlog: ${what} for ${this.opts.trackingUri} wait in the journal ${this.sessionDir}; upload them with: npx runlog sync --journal ${JSON.stringify(this.sessionDir)}\n`;
    try {
      writeSync(2, line);
    } catch {
      // stderr closed: nothing more to do
    }
  }

}
