import { existsSync } from 'node:fs';
import { decodeF64 } from './frame-codec.js';
import { join } from 'node:path';
import type { RunRecord } from './journal-format.js';
import { listSegments, listSessions, liveOwner } from './journal-location.js';
import { readFrames } from './journal-reader.js';
import { openSessions } from './journal-writer.js';
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
  corruptFrames: number;
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
  };
  const run = (id: string): RunState => {
    let r = summary.runs.get(id);
    if (r === undefined) {
      r = { id, sid: undefined, create: undefined, next: [0, 0, 0], acked: [0, 0, 0], end: undefined, endAcked: false, lastTimestamp: 0 };
      summary.runs.set(id, r);
    }
    return r;
  };
  for (const seg of listSegments(dir)) {
    const path = join(dir, seg);
    if (!existsSync(path)) continue;
    for await (const { record: rec } of readFrames(path, {
      onCorrupt: (c) => {
        summary.corruptFrames++;
        onCorrupt?.(`${c.path}: ${c.reason} at byte ${c.offset} (${c.bytes} bytes skipped)`);
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
          for (const ts of decodeF64(rec.ts)) if (ts > r.lastTimestamp) r.lastTimestamp = ts;
          break;
        }
        case 'p': {
          const r = run(rec.r);
          r.next[1] = Math.max(r.next[1], rec.o + rec.kv.length);
          break;
        }
        case 'g': {
          const r = run(rec.r);
          r.next[2] = Math.max(r.next[2], rec.o + rec.ops.length);
          break;
        }
        case 'end': {
          // A later end (the run was resumed and ended again) waits to be applied anew.
          const r = run(rec.r);
          r.end = { status: rec.status, endTime: rec.endTime };
          r.endAcked = false;
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
  for (const r of summary.runs.values()) {
    summary.unsettled += Math.max(0, r.next[0] - r.acked[0]) + Math.max(0, r.next[1] - r.acked[1]) + Math.max(0, r.next[2] - r.acked[2]);
    if (r.end !== undefined && !r.endAcked) summary.unsettled++;
  }
  return summary;
}
