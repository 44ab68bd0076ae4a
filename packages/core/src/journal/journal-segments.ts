import { closeSync, openSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { debug } from '../debug.js';
import { encodeFrame } from './frame-codec.js';
import { JOURNAL_FORMAT_VERSION, type JournalRecord } from './journal-format.js';
import { segmentName } from './journal-location.js';
import { fsyncDir } from './journal-session.js';
import type { GroupContents, JournalRecords, SegmentRunMarks, UnwrittenGroup } from './journal-records.js';
import type { AppendOp, SegmentAppender } from './segment-appender.js';

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
  runs: SegmentRunMarks;
}

/** One encoded group on its way to the file: what becomes durable when it is written. */
interface StagedGroup extends GroupContents {
  seg: Segment;
  /** Staging order: groups from the writer's journal-only mark on hold records the uploader does not have. */
  seq: number;
  /** Offset just past the group. */
  end: number;
}

/** Groups that may wait for the thread pool before writes are done on the logging thread. */
const MAX_WRITE_BACKLOG = 8;

export interface JournalSegmentsOptions {
  sessionDir: string;
  /** Written in every segment's hello. */
  trackingUri: string;
  /** 'commit': a new segment's name is forced to disk too. */
  fsync: 'interval' | 'commit';
  appender: SegmentAppender;
  records: JournalRecords;
  /** A segment could not be created: the journal fails. */
  onFail: (err: Error) => void;
}

/**
 * The session's segment files: where each encoded group goes (a reserved range of the current
 * segment, written by the appender), what each segment holds per run, rolling to a new segment
 * (which restates every live run) and deleting closed segments whose records are all settled.
 */
export class JournalSegments {
  private readonly list: Segment[] = [];
  /** Encoded groups not yet written, oldest first. */
  private readonly staged: StagedGroup[] = [];
  private seq = 0;
  /** Writes are done on the logging thread (a spilled queue: small groups, bounded memory). */
  inlineWrites = false;

  constructor(private readonly opts: JournalSegmentsOptions) {}

  /** The staging number the next group gets. */
  get nextSeq(): number {
    return this.seq;
  }

  private get current(): Segment {
    return this.list[this.list.length - 1]!;
  }

  /** Where the next encoded group goes (see JournalWriter.position). */
  position(): { segment: number; offset: number } {
    return { segment: this.current.index, offset: this.current.reserved };
  }

  path(index: number): string {
    return join(this.opts.sessionDir, segmentName(index));
  }

  /** Segment indexes still on disk, oldest first. */
  indexes(): number[] {
    return this.list.map((s) => s.index);
  }

  /** Creates segment `index` with its hello and the live runs restated; a failure fails the journal. */
  open(index: number): void {
    const path = this.path(index);
    let fd: number;
    try {
      // A new file, written at explicit offsets (O_APPEND would make positional writes append).
      fd = openSync(path, 'wx');
    } catch (err) {
      this.opts.onFail(err as Error);
      return;
    }
    // The new file's name must survive a power loss too (fsync-every-flush promises that).
    if (this.opts.fsync === 'commit') fsyncDir(this.opts.sessionDir);
    const seg: Segment = { index, path, fd, reserved: 0, written: 0, done: false, runs: new Map() };
    this.list.push(seg);
    const hello: JournalRecord = {
      t: 'hello',
      v: JOURNAL_FORMAT_VERSION,
      uri: this.opts.trackingUri,
      pid: process.pid,
      host: hostname(),
      at: Date.now(),
    };
    // A new segment restates every live run, so older segments can go once their records are acknowledged.
    const { parts, ends } = this.opts.records.restate();
    this.stage([encodeFrame(hello), ...parts].join(''), { marks: [], ends, groups: [] }, seg);
  }

  /** Reserves the group's place in the current segment and queues its write. */
  stage(text: string, what: GroupContents, seg = this.current): void {
    const buf = Buffer.from(text, 'utf8');
    const staged: StagedGroup = { seg, seq: this.seq++, end: seg.reserved + buf.length, ...what };
    this.staged.push(staged);
    const op: AppendOp = { fd: seg.fd, offset: seg.reserved, buf, written: () => this.written(staged) };
    seg.reserved += buf.length;
    // The thread pool completes at most one write per turn of the event loop: a loop that seldom
    // yields would pile groups up, so past a few waiting the writes are done here (bounded memory).
    this.opts.appender.enqueue(op, this.inlineWrites || this.opts.appender.backlog >= MAX_WRITE_BACKLOG);
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

  private segmentRun(seg: Segment, runId: string): { max: number[]; end: boolean } {
    let marks = seg.runs.get(runId);
    if (marks === undefined) {
      marks = { max: [0, 0, 0], end: false };
      seg.runs.set(runId, marks);
    }
    return marks;
  }

  /** Begins a new segment once the current one reached `segmentBytes`. */
  rollIfPast(segmentBytes: number): void {
    const old = this.current;
    if (old.reserved < segmentBytes) return;
    // Closed (after an fsync) once its last group is written; only then may trimming delete it.
    this.opts.appender.enqueue({ fd: old.fd, offset: old.reserved, buf: Buffer.alloc(0), closeAfter: true, written: () => (old.done = true) });
    this.open(old.index + 1);
  }

  /** Deletes closed segments whose every record (and run end) is acknowledged; forgets settled runs. */
  trim(): void {
    this.opts.records.retireSettled();
    for (let i = 0; i < this.list.length - 1; ) {
      const seg = this.list[i]!;
      if (!seg.done || !this.opts.records.settled(seg.runs)) {
        i++;
        continue;
      }
      try {
        unlinkSync(seg.path);
      } catch (err) {
        debug('journal trim %s: %s', seg.path, (err as Error).message);
      }
      this.list.splice(i, 1);
    }
  }

  /** After a failed write: the appender cut the file back to its last whole group, nothing past it will be written. */
  cutToWritten(): void {
    for (const seg of this.list) seg.reserved = seg.written;
  }

  /** Takes the groups not yet written; returns the records of those staged from `fromSeq` on. */
  takeUnwritten(fromSeq: number): UnwrittenGroup[] {
    const out: UnwrittenGroup[] = [];
    for (const s of this.staged.splice(0)) if (s.seq >= fromSeq) out.push(...s.groups);
    return out;
  }

  /** Closes the segment files the appender does not close itself (the writer's close). */
  closeFiles(): void {
    for (const seg of this.list) {
      if (seg.done || this.opts.appender.holds(seg.fd)) continue;
      try {
        closeSync(seg.fd);
      } catch (err) {
        debug('journal close: %s', (err as Error).message);
      }
    }
  }
}
