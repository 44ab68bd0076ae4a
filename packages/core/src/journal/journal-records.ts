import { encodeF64, encodeFrame, encodeU32 } from './frame-codec.js';
import type { JournalRecord, MetricColumns, RunRecord } from './journal-format.js';
import { PendingMetrics, RunEntry } from './run-entry.js';

/** Records handed back after a failed write (see JournalWriter.takeUnwritten). */
export interface UnwrittenGroup {
  runId: string;
  metrics?: MetricColumns | undefined;
  params?: Array<[string, string]> | undefined;
  tagOps?: Array<[string, string] | [string]> | undefined;
}

/** What becomes durable when a group's text is in the file. */
export interface GroupContents {
  /** Per run: its records' end ordinals once this group is written. */
  marks: Array<[RunEntry, number[]]>;
  ends: RunEntry[];
  /** The records themselves, handed back if the write fails (takeUnwritten). */
  groups: UnwrittenGroup[];
}

/** Per run, what one segment holds: the end ordinals (metrics, params, tag ops) of its records, and whether it holds its end. */
export type SegmentRunMarks = Map<string, { max: number[]; end: boolean }>;

/**
 * The journal writer's runs and the records waiting for the next group write. Logging calls only
 * store into typed columns here (the hot path); `encode` turns everything waiting into one
 * group's frames: run and sid frames first, then each run's records, then end and ack frames.
 * Each adding method returns how many records now wait, so the writer can schedule the write.
 */
export class JournalRecords {
  readonly runs = new Map<string, RunEntry>();
  private last: RunEntry | undefined;
  private readonly dirtyRuns: RunEntry[] = [];
  /** Run/sid frames to write before the group's records; end/ack frames after them. */
  private head: JournalRecord[] = [];
  private tail: JournalRecord[] = [];
  private waiting = 0;
  /** An acknowledgement moved since the last encode: segments may have become deletable. */
  private ackMoved = false;

  /** Declares a run: `sid` when the server created it; `create` when it still has to be. True when the run is new. */
  registerRun(record: Omit<RunRecord, 't'>): boolean {
    const existing = this.runs.get(record.id);
    if (existing !== undefined) {
      if (existing.dormant) this.entry(record.id);
      return false;
    }
    const entry = new RunEntry({ t: 'run', ...record });
    this.runs.set(record.id, entry);
    this.head.push(entry.record);
    return true;
  }

  /** The server created local run `id` as `sid`. */
  mapRun(id: string, sid: string): void {
    const entry = this.runs.get(id);
    if (entry !== undefined) entry.record.sid = sid;
    this.head.push({ t: 'sid', id, sid });
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

  addMetric(runId: string, key: string, value: number, timestamp: number, step: number): number {
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
    return ++this.waiting;
  }

  addParam(runId: string, key: string, value: string): number {
    const r = this.entry(runId);
    if (r.pp === undefined) {
      r.pp = { o: r.next[1]!, kv: [] };
      this.markDirty(r);
    }
    r.pp.kv.push([key, value]);
    r.next[1]!++;
    return ++this.waiting;
  }

  addTagOp(runId: string, op: [string, string] | [string]): number {
    const r = this.entry(runId);
    if (r.pg === undefined) {
      r.pg = { o: r.next[2]!, ops: [] };
      this.markDirty(r);
    }
    r.pg.ops.push(op);
    r.next[2]!++;
    return ++this.waiting;
  }

  /** A record kept in memory only (the journal failed) is still numbered (kind 0 metrics, 1 params, 2 tag operations). */
  countOnly(runId: string, kind: 0 | 1 | 2): void {
    const r = this.last !== undefined && this.last.id === runId ? this.last : this.entry(runId);
    r.next[kind]!++;
  }

  /** The run ended: replay applies this after all of its records. */
  endRun(runId: string, status: string, endTime: number): void {
    const r = this.entry(runId);
    r.end = { status, endTime };
    r.endDurable = false;
    this.tail.push({ t: 'end', r: runId, status, endTime });
  }

  /** Acknowledgement watermarks (per kind, records settled in order); false for an unknown run. */
  ack(runId: string, metrics: number, params: number, tagOps: number): boolean {
    const r = this.runs.get(runId);
    if (r === undefined) return false;
    r.acked[0] = Math.max(r.acked[0]!, metrics);
    r.acked[1] = Math.max(r.acked[1]!, params);
    r.acked[2] = Math.max(r.acked[2]!, tagOps);
    this.ackMoved = true;
    this.tail.push({ t: 'ack', r: runId, m: r.acked[0]!, p: r.acked[1]!, g: r.acked[2]! });
    return true;
  }

  /** The run's end reached the server; false for an unknown run. */
  ackEnd(runId: string): boolean {
    const r = this.runs.get(runId);
    if (r === undefined) return false;
    r.endAcked = true;
    this.ackMoved = true;
    this.tail.push({ t: 'ack', r: runId, m: r.acked[0]!, p: r.acked[1]!, g: r.acked[2]!, e: true });
    return true;
  }

  private markDirty(r: RunEntry): void {
    if (!r.dirty) {
      r.dirty = true;
      this.dirtyRuns.push(r);
    }
  }

  // ---- counts ----

  /** Records (and run ends) accepted and not yet acknowledged, across runs. */
  get unsettled(): number {
    let n = 0;
    for (const r of this.runs.values()) n += r.unsettled;
    return n;
  }

  /** Records (run ends not counted) accepted and not acknowledged: of one run, or of all. */
  unsettledRecords(runId?: string): number {
    if (runId !== undefined) return this.runs.get(runId)?.records ?? 0;
    let n = 0;
    for (const r of this.runs.values()) n += r.records;
    return n;
  }

  /** Records and run ends in the file and not acknowledged: what `runlog sync` can still deliver. */
  waitingOnDisk(): number {
    let waiting = 0;
    for (const r of this.runs.values()) waiting += r.waitingOnDisk + (r.endWaiting && r.endDurable ? 1 : 0);
    return waiting;
  }

  // ---- encoding ----

  /**
   * Encodes everything waiting into one group's text and what it makes durable, and starts afresh;
   * undefined when nothing waits. `keepRecords`: the group also carries its records (they are
   * handed back by takeUnwritten if its write fails).
   */
  encode(keepRecords: boolean): ({ text: string } & GroupContents) | undefined {
    if (this.head.length === 0 && this.dirtyRuns.length === 0 && this.tail.length === 0) return undefined;
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
      if (keepRecords) groups.push({ runId: r.id, metrics: r.pm, params: r.pp?.kv, tagOps: r.pg?.ops });
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
    this.waiting = 0;
    return { text: parts.join(''), marks, ends, groups };
  }

  /** Whether an acknowledgement moved since the last call. */
  takeAckMoved(): boolean {
    const moved = this.ackMoved;
    this.ackMoved = false;
    return moved;
  }

  /** The records waiting for a group write, taken out (after a failed write). */
  takeWaiting(): UnwrittenGroup[] {
    const out: UnwrittenGroup[] = [];
    for (const r of this.dirtyRuns) {
      out.push({ runId: r.id, metrics: r.pm, params: r.pp?.kv, tagOps: r.pg?.ops });
      r.pm = undefined;
      r.pp = undefined;
      r.pg = undefined;
      r.dirty = false;
    }
    this.dirtyRuns.length = 0;
    this.waiting = 0;
    return out;
  }

  /**
   * What a new segment restates of every live run (its record, acknowledgements, totals, and a
   * durable end still waiting), so that older segments can go once their records are acknowledged.
   */
  restate(): { parts: string[]; ends: RunEntry[] } {
    const parts: string[] = [];
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
    return { parts, ends };
  }

  /** Each live run's totals (the frames before a session's `close`). */
  totals(): string[] {
    const parts: string[] = [];
    for (const r of this.runs.values()) {
      if (!r.dormant) parts.push(encodeFrame({ t: 'total', r: r.id, m: r.encoded[0], p: r.encoded[1], g: r.encoded[2] }));
    }
    return parts;
  }

  // ---- settling ----

  /** Runs with everything settled after their end become dormant (forgotten by new segments). */
  retireSettled(): void {
    for (const r of this.runs.values()) {
      if (r.unsettled === 0 && r.end !== undefined && !r.dirty) r.dormant = true;
    }
  }

  /** Whether every record and run end a segment holds is acknowledged. */
  settled(marksByRun: SegmentRunMarks): boolean {
    for (const [id, marks] of marksByRun) {
      const r = this.runs.get(id);
      if (r === undefined || r.dormant) continue; // everything settled
      if (r.acked[0]! < marks.max[0]! || r.acked[1]! < marks.max[1]! || r.acked[2]! < marks.max[2]!) return false;
      if (marks.end && !r.endAcked) return false;
    }
    return true;
  }
}
