import { existsSync } from 'node:fs';
import { decodeF64 } from './frame-codec.js';
import { join } from 'node:path';
import type { RunRecord } from './journal-format.js';
import { listSegments, listSessions, liveOwner } from './journal-location.js';
import { readFrames } from './journal-reader.js';
import { openSessions } from './journal-session.js';
import { countStaged } from './artifact-staging.js';

/** What one session holds, from a pass over its frames (records are counted, not kept). */
export interface SessionSummary {
  dir: string;
  /** Tracking URI the writer logged to (from the newest hello). */
  uri: string | undefined;
  /** Pid of a still-running writer; such a session is not synced. */
  livePid: number | undefined;
  /** The writer closed it (a clean exit with records left). */
  closed: boolean;
  runs: Map<string, RunState>;
  /** Records (and run ends) not acknowledged: what a sync would send. */
  unsettled: number;
  /** Artifacts staged while the server was away, not yet uploaded (artifact-staging.ts). */
  stagedArtifacts: number;
  /** Damaged frames (a torn last write of a writer that died is not damage: it was never promised). */
  corruptFrames: number;
  /**
   * Records not acknowledged that no readable frame holds: lost to damage. Exact, from the
   * ordinals: every record has one, and `total` frames and later frames bound the highest.
   */
  lostRecords: number;
  /** Segment files holding damaged frames. */
  damagedSegments: string[];
}

export interface RunState {
  id: string;
  sid: string | undefined;
  create: RunRecord['create'];
  /** One past the highest ordinal seen, per kind (metrics, params, tag ops). */
  next: [number, number, number];
  acked: [number, number, number];
  end: { status: string; endTime: number } | undefined;
  endAcked: boolean;
  /** Latest metric timestamp seen: the end time of a run whose process died. */
  lastTimestamp: number;
  /** Per kind: ordinal ranges [first, end) that readable frames hold. */
  held: [Array<[number, number]>, Array<[number, number]>, Array<[number, number]>];
}

/** Session directories a path names: itself when it holds segments, else the sessions under it. */
export function sessionDirs(path: string): string[] {
  if (listSegments(path).length > 0) return [path];
  return listSessions(path).map((n) => join(path, n));
}

export async function scanSession(dir: string, onCorrupt?: (message: string) => void): Promise<SessionSummary> {
  const summary: SessionSummary = {
    dir,
    uri: undefined,
    livePid: liveOwner(dir, openSessions),
    closed: false,
    runs: new Map(),
    unsettled: 0,
    stagedArtifacts: countStaged(dir),
    corruptFrames: 0,
    lostRecords: 0,
    damagedSegments: [],
  };
  const damage: Array<{ path: string; message: string; torn: boolean }> = [];
  const run = (id: string): RunState => {
    let r = summary.runs.get(id);
    if (r === undefined) {
      r = { id, sid: undefined, create: undefined, next: [0, 0, 0], acked: [0, 0, 0], end: undefined, endAcked: false, lastTimestamp: 0, held: [[], [], []] };
      summary.runs.set(id, r);
    }
    return r;
  };
  for (const seg of listSegments(dir)) {
    const path = join(dir, seg);
    if (!existsSync(path)) continue;
    for await (const { record: rec } of readFrames(path, {
      onCorrupt: (c) => {
        const held = c.records !== undefined ? `; its header says ${c.records} record(s)` : '';
        damage.push({ path: c.path, torn: c.torn, message: `${c.path}: ${c.reason} at byte ${c.offset} (${c.bytes} bytes skipped${held})` });
      },
    })) {
      switch (rec.t) {
        case 'hello':
          summary.uri = rec.uri;
          summary.closed = false;
          break;
        case 'close':
          summary.closed = true;
          break;
        case 'run': {
          const r = run(rec.id);
          r.sid ??= rec.sid;
          r.create ??= rec.create;
          break;
        }
        case 'sid':
          run(rec.id).sid = rec.sid;
          break;
        case 'm': {
          const r = run(rec.r);
          r.next[0] = Math.max(r.next[0], rec.o + rec.n);
          r.held[0].push([rec.o, rec.o + rec.n]);
          for (const ts of decodeF64(rec.ts)) if (ts > r.lastTimestamp) r.lastTimestamp = ts;
          break;
        }
        case 'p': {
          const r = run(rec.r);
          r.next[1] = Math.max(r.next[1], rec.o + rec.kv.length);
          r.held[1].push([rec.o, rec.o + rec.kv.length]);
          break;
        }
        case 'g': {
          const r = run(rec.r);
          r.next[2] = Math.max(r.next[2], rec.o + rec.ops.length);
          r.held[2].push([rec.o, rec.o + rec.ops.length]);
          break;
        }
        case 'end': {
          // A later end (the run was resumed and ended again) waits to be applied anew.
          const r = run(rec.r);
          r.end = { status: rec.status, endTime: rec.endTime };
          r.endAcked = false;
          break;
        }
        case 'total': {
          // Records written before this frame: a damaged frame among them still counts in next.
          const r = run(rec.r);
          r.next = [Math.max(r.next[0], rec.m), Math.max(r.next[1], rec.p), Math.max(r.next[2], rec.g)];
          break;
        }
        case 'ack': {
          const r = run(rec.r);
          r.acked = [Math.max(r.acked[0], rec.m), Math.max(r.acked[1], rec.p), Math.max(r.acked[2], rec.g)];
          if (rec.e) r.endAcked = true;
          break;
        }
      }
    }
  }
  const segments = listSegments(dir);
  const lastSegment = segments.length ? join(dir, segments[segments.length - 1]!) : undefined;
  for (const d of damage) {
    // The unfinished last write of a writer that died: its records were never counted as durable.
    if (d.torn && !summary.closed && d.path === lastSegment) {
      onCorrupt?.(`${d.message}: a write its process did not finish (nothing it promised)`);
      continue;
    }
    summary.corruptFrames++;
    if (!summary.damagedSegments.includes(d.path)) summary.damagedSegments.push(d.path);
    onCorrupt?.(d.message);
  }
  for (const r of summary.runs.values()) {
    for (let k = 0; k < 3; k++) summary.lostRecords += unheld(r.held[k]!, r.acked[k]!, r.next[k]!);
    summary.unsettled += Math.max(0, r.next[0] - r.acked[0]) + Math.max(0, r.next[1] - r.acked[1]) + Math.max(0, r.next[2] - r.acked[2]);
    if (r.end !== undefined && !r.endAcked) summary.unsettled++;
  }
  return summary;
}

/** Ordinals in [from, to) that no range holds. */
function unheld(ranges: Array<[number, number]>, from: number, to: number): number {
  if (to <= from) return 0;
  let missing = 0;
  let at = from;
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
    if (at >= to) break;
    if (b <= at) continue;
    if (a > at) missing += Math.min(a, to) - at;
    at = Math.max(at, b);
  }
  return missing + Math.max(0, to - at);
}
