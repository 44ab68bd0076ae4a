import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BatchUploader } from '../batch-uploader.js';
import { redactUri } from '../config.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { RestStore } from '../rest/rest-store.js';
import { openStore } from '../store-factory.js';
import { feedFrame } from './feed-uploader.js';
import { FailoverStore } from './failover-store.js';
import { defaultJournalDir, listSegments, liveOwner, ownerLine, OWNER_FILE } from './journal-location.js';
import { readFrames } from './journal-reader.js';
import { scanSession, sessionDirs, type RunState, type SessionSummary } from './journal-scan.js';

type Env = Record<string, string | undefined>;

export interface SyncJournalsOptions {
  /** A journal root or one session directory. Default: RUNLOG_JOURNAL_DIR, else ~/.local/state/runlog/journal. */
  journal?: string | undefined;
  /** Tracking server to replay into. Default: the URI each session recorded. */
  to?: string | undefined;
  /** Give up on a session after this long (it is kept for the next sync). Default 10 minutes. */
  timeoutMs?: number | undefined;
  env?: Env | undefined;
  /** Corrupt frames, skipped runs, sessions left alone. */
  onWarning?: ((message: string) => void) | undefined;
}

export interface SessionSyncResult {
  dir: string;
  uri: string | undefined;
  outcome: 'synced' | 'live' | 'busy' | 'incomplete' | 'unreachable';
  /** Why a session was not synced (unreachable server). */
  problem?: string | undefined;
  /** Records sent (those the journal did not show as acknowledged). */
  records: number;
  runs: number;
  /** Records the server refused for good (bad input); reported, not retried. */
  refused: number;
  corruptFrames: number;
  /** Records lost to damaged frames: never sent, and counted exactly (see scanSession). */
  lost: number;
  /** Where damaged segments were moved (kept for inspection instead of deleted). */
  quarantined: string[];
}

/** Folder under the journal root that keeps damaged segments of synced sessions. */
export const QUARANTINE_DIR = 'quarantine';

/**
 * Replays journals left by processes that crashed or exited with records unsent. Idempotent:
 * records the journal shows acknowledged are skipped; runs are found again by their client id
 * tag instead of being created twice; a resent metric point that did reach the server is
 * identical (key, value, timestamp, step) and MLflow stores it once; params and tags are
 * write-same. A session that synced completely is deleted, so a second sync finds nothing.
 * Sessions whose writer still runs are left alone.
 */
export async function syncJournals(opts: SyncJournalsOptions = {}): Promise<SessionSyncResult[]> {
  const env = opts.env ?? process.env;
  const root = opts.journal ?? defaultJournalDir(env);
  const results: SessionSyncResult[] = [];
  for (const dir of sessionDirs(root)) {
    try {
      results.push(await syncSession(dir, opts, env));
    } catch (err) {
      // One session that cannot be synced (a bad target, a server refusing it) does not stop the others.
      if (err instanceof InvalidArgumentError) throw err;
      results.push({ dir, uri: undefined, outcome: 'incomplete', problem: (err as Error).message, records: 0, runs: 0, refused: 0, corruptFrames: 0, lost: 0, quarantined: [] });
    }
  }
  return results;
}

async function syncSession(dir: string, opts: SyncJournalsOptions, env: Env): Promise<SessionSyncResult> {
  const warn = opts.onWarning ?? (() => undefined);
  const summary = await scanSession(dir, warn);
  const result: SessionSyncResult = {
    dir,
    uri: summary.uri,
    outcome: 'synced',
    records: 0,
    runs: 0,
    refused: 0,
    corruptFrames: summary.corruptFrames,
    lost: summary.lostRecords,
    quarantined: [],
  };
  if (summary.lostRecords > 0) warn(`${dir}: ${summary.lostRecords} record(s) were in damaged frames and are lost; they are not on the server.`);
  if (summary.livePid !== undefined && !summary.closed) return { ...result, outcome: 'live' };
  const lock = join(dir, 'sync.lock');
  if (!takeLock(lock)) return { ...result, outcome: 'busy' };
  try {
    if (summary.unsettled === 0) {
      result.quarantined = quarantine(summary, warn);
      rmSync(dir, { recursive: true, force: true });
      return result;
    }
    const target = opts.to ?? summary.uri;
    if (target === undefined) throw new InvalidArgumentError(`The journal ${dir} names no tracking server; pass one with --to.`);
    const { store: opened, uri } = openStore(target, env);
    if (!(opened instanceof RestStore)) {
      await opened.close();
      throw new InvalidArgumentError(`runlog sync replays into a tracking server (http or https), not ${uri}.`);
    }
    try {
      // One quick probe first: with the server away, the records would only wait out the timeout.
      await opened.client.once('GET', '/health', { raw: true, timeoutMs: 10_000 });
    } catch (err) {
      await opened.close();
      return { ...result, outcome: 'unreachable', problem: (err as Error).message };
    }
    const sameServer = opts.to === undefined || sameUri(uri, summary.uri);
    const ok = await replay(summary, new FailoverStore(opened), sameServer, opts.timeoutMs ?? 600_000, warn, result);
    await opened.close();
    if (ok) {
      result.quarantined = quarantine(summary, warn);
      rmSync(dir, { recursive: true, force: true });
    } else result.outcome = 'incomplete';
    return result;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Moves a synced session's damaged segments to `<journal root>/quarantine/<session>/`, so the
 * evidence outlives the session (a sync never deletes a damaged segment).
 */
function quarantine(summary: SessionSummary, warn: (m: string) => void): string[] {
  if (summary.damagedSegments.length === 0) return [];
  const to = join(dirname(summary.dir), QUARANTINE_DIR, basename(summary.dir));
  mkdirSync(to, { recursive: true });
  const moved: string[] = [];
  for (const seg of summary.damagedSegments) {
    const dest = join(to, basename(seg));
    renameSync(seg, dest);
    moved.push(dest);
  }
  warn(`damaged segment(s) of ${summary.dir} moved to ${to}`);
  return moved;
}

/**
 * A sync holds a session through a lock directory naming its process; a lock whose process is gone
 * (a sync killed midway) is taken over.
 */
function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, OWNER_FILE), ownerLine());
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || liveOwner(lock) !== undefined) return false;
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return false;
}

function sameUri(a: string, b: string | undefined): boolean {
  return b !== undefined && redactUri(a).replace(/\/+$/, '') === redactUri(b).replace(/\/+$/, '');
}

async function replay(
  summary: SessionSummary,
  store: FailoverStore,
  sameServer: boolean,
  timeoutMs: number,
  warn: (m: string) => void,
  result: SessionSyncResult,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const replayed = new Map<string, RunState>();
  for (const r of summary.runs.values()) {
    const unsent = Math.max(0, r.next[0] - r.acked[0]) + Math.max(0, r.next[1] - r.acked[1]) + Math.max(0, r.next[2] - r.acked[2]);
    const endWaits = r.end !== undefined && !r.endAcked;
    // A run its dead process never ended needs a final status even with every record delivered.
    const neverEnded = r.end === undefined && !summary.closed;
    if (unsent <= 0 && !endWaits && !neverEnded) continue;
    if (sameServer && r.sid !== undefined) store.addServerId(r.id, r.sid);
    else if (r.create !== undefined) {
      store.addOfflineRun(r.id, {
        experimentId: r.create.experimentId,
        experimentName: r.create.experimentName,
        startTime: r.create.startTime,
        runName: r.create.runName,
        userId: r.create.userId,
        tags: r.create.tags.map(([key, value]) => ({ key, value })),
      });
    } else {
      warn(`run ${r.id}: the journal does not say how to create it on ${store.displayUri}; its records were skipped.`);
      continue;
    }
    replayed.set(r.id, r);
  }
  result.runs = replayed.size;
  const uploader = new BatchUploader({ store, maxQueueSize: Infinity, onError: (err) => warn(err.message) });
  try {
    for (const seg of listSegments(summary.dir)) {
      for await (const { record: rec } of readFrames(join(summary.dir, seg))) {
        if (rec.t !== 'm' && rec.t !== 'p' && rec.t !== 'g') continue;
        const r = replayed.get(rec.r);
        if (r === undefined) continue;
        result.records += feedFrame(uploader, rec, r.acked);
        // Bounded memory: let the uploader drain before reading on.
        if (uploader.queuedRecords > 200_000 && !(await uploader.flush(Math.max(0, deadline - Date.now())))) return false;
      }
    }
    if (!(await uploader.flush(Math.max(0, deadline - Date.now())))) return false;
    result.refused = uploader.stats().failed;
    let ok = true;
    for (const r of replayed.values()) {
      let end: { status: string; endTime: number } | undefined;
      if (r.end !== undefined && !r.endAcked) end = r.end;
      else if (r.end === undefined && r.create !== undefined && !summary.closed) {
        // The writer died with the run open (no end was ever logged): the run is over.
        end = { status: 'KILLED', endTime: r.lastTimestamp || Date.now() };
        warn(`run ${r.id} had not ended when its process died; marked KILLED.`);
      } else if (r.end === undefined && !r.endAcked) {
        // Said, never silent: the status stays what it is on the server, and why.
        warn(
          summary.closed
            ? `run ${r.id}: its process closed without ending it; its status on the server is left as it is (RUNNING unless set since).`
            : `run ${r.id}: its process died without ending it, but did not create it (it was resumed or given by id); its status on the server is left as it is.`,
        );
      }
      if (end === undefined) continue;
      try {
        await store.updateRun(r.id, { status: end.status as never, endTime: end.endTime });
      } catch (err) {
        // A run the server no longer has (deleted) cannot be ended: reported, and done with.
        if (err instanceof NotFoundError) warn(`run ${r.id}: ${(err as Error).message}; its end was not applied.`);
        else {
          warn(`run ${r.id}: its end could not be applied: ${(err as Error).message}`);
          ok = false;
        }
      }
    }
    return ok;
  } finally {
    uploader.close();
  }
}
