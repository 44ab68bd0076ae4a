import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import PQueue from 'p-queue';
import { BatchUploader } from '../batch-uploader.js';
import { redactUri } from '../config.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { openStore } from '../store-factory.js';
import { isTrackingServerStore } from '../store.js';
import { feedFrame } from './feed-uploader.js';
import { listStaged, uploadEntry } from './artifact-staging.js';
import { FailoverStore } from './failover-store.js';
import { defaultJournalDir, listSegments, liveOwner, ownerLine, OWNER_FILE } from './journal-location.js';
import { readFrames } from './journal-reader.js';
import { scanSession, sessionDirs, type RunState, type SessionSummary } from './journal-scan.js';

type Env = Record<string, string | undefined>;

/** Options of syncJournals(). */
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
  /** Sessions replayed at once (each with its own connection and uploader). Default 2. */
  concurrency?: number | undefined;
  /** Progress of each session: records and journal bytes read, as they are replayed. */
  onProgress?: ((event: SyncProgress) => void) | undefined;
}

/** A progress event of syncJournals(), per session. */
export interface SyncProgress {
  /** The session directory. */
  dir: string;
  /** `session-started` (totals known), `records` (some sent), `session-done` (whatever its outcome). */
  stage: 'session-started' | 'records' | 'session-done';
  /** Records to send (those the journal does not show acknowledged) and records sent so far. */
  totalRecords: number;
  records: number;
  /** Journal bytes of the session and bytes read so far. */
  totalBytes: number;
  bytes: number;
  /** Runs with records to send. */
  runs: number;
}

/** What syncJournals() did with one journal session. */
export interface SessionSyncResult {
  dir: string;
  uri: string | undefined;
  outcome: 'synced' | 'live' | 'busy' | 'incomplete' | 'unreachable';
  /** Why a session was not synced (unreachable server). */
  problem?: string | undefined;
  /** Records sent (those the journal did not show as acknowledged). */
  records: number;
  /** Staged artifact entries uploaded (files of logArtifact/logText/..., or a logged model). */
  artifacts: number;
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
  const queue = new PQueue({ concurrency: Math.max(1, opts.concurrency ?? DEFAULT_SESSION_CONCURRENCY) });
  const syncOne = async (dir: string): Promise<SessionSyncResult> => {
    try {
      return await syncSession(dir, opts, env);
    } catch (err) {
      // One session that cannot be synced (a bad target, a server refusing it) does not stop the others.
      if (err instanceof InvalidArgumentError) throw err;
      return { dir, uri: undefined, outcome: 'incomplete', problem: (err as Error).message, records: 0, artifacts: 0, runs: 0, refused: 0, corruptFrames: 0, lost: 0, quarantined: [] };
    }
  };
  try {
    // Results in the order of the session directories, whatever order they finish in.
    return await Promise.all(sessionDirs(root).map((dir) => queue.add(() => syncOne(dir))));
  } finally {
    queue.clear(); // after a refused target (InvalidArgumentError), start no further session
  }
}

const DEFAULT_SESSION_CONCURRENCY = 2;

async function syncSession(dir: string, opts: SyncJournalsOptions, env: Env): Promise<SessionSyncResult> {
  const warn = opts.onWarning ?? (() => undefined);
  const summary = await scanSession(dir, warn);
  const result: SessionSyncResult = {
    dir,
    uri: summary.uri,
    outcome: 'synced',
    records: 0,
    artifacts: 0,
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
    if (summary.unsettled === 0 && summary.stagedArtifacts === 0) {
      result.quarantined = quarantine(summary, warn);
      rmSync(dir, { recursive: true, force: true });
      return result;
    }
    const target = opts.to ?? summary.uri;
    if (target === undefined) throw new InvalidArgumentError(`The journal ${dir} names no tracking server; pass one with --to.`);
    const { store: opened, uri } = openStore(target, env);
    if (!isTrackingServerStore(opened)) {
      await opened.close();
      throw new InvalidArgumentError(`runlog sync replays into a tracking server (http or https), not ${uri}.`);
    }
    try {
      // One quick probe first: with the server away, the records would only wait out the timeout.
      await opened.capabilities.trackingServer.probe(10_000);
    } catch (err) {
      await opened.close();
      return { ...result, outcome: 'unreachable', problem: (err as Error).message };
    }
    const sameServer = opts.to === undefined || sameUri(uri, summary.uri);
    const ok = await replay(summary, new FailoverStore(opened), sameServer, opts.timeoutMs ?? 600_000, warn, result, opts.onProgress);
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
  onProgress: SyncJournalsOptions['onProgress'],
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const segments = listSegments(summary.dir);
  const sizes = segments.map((seg) => {
    try {
      return statSync(join(summary.dir, seg)).size;
    } catch {
      return 0;
    }
  });
  const progress = {
    dir: summary.dir,
    totalRecords: summary.unsettled,
    records: 0,
    totalBytes: sizes.reduce((a, b) => a + b, 0),
    bytes: 0,
    runs: 0,
  };
  const report = (stage: SyncProgress['stage']) => onProgress?.({ ...progress, stage, records: result.records, runs: result.runs });
  const replayed = new Map<string, RunState>();
  const staged = listStaged(summary.dir);
  const stagedRuns = new Set(staged.map((e) => e.runId));
  for (const r of summary.runs.values()) {
    const unsent = Math.max(0, r.next[0] - r.acked[0]) + Math.max(0, r.next[1] - r.acked[1]) + Math.max(0, r.next[2] - r.acked[2]);
    const endWaits = r.end !== undefined && !r.endAcked;
    // A run its dead process never ended needs a final status even with every record delivered.
    const neverEnded = r.end === undefined && !summary.closed;
    if (unsent <= 0 && !endWaits && !neverEnded && !stagedRuns.has(r.id)) continue;
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
  report('session-started');
  const uploader = new BatchUploader({ store, maxQueueSize: Infinity, onError: (err) => warn(err.message) });
  let lastReport = 0;
  try {
    for (const [i, seg] of segments.entries()) {
      const before = progress.bytes;
      for await (const { record: rec, next } of readFrames(join(summary.dir, seg))) {
        progress.bytes = before + next;
        if (result.records - lastReport >= PROGRESS_EVERY_RECORDS) {
          lastReport = result.records;
          report('records');
        }
        if (rec.t !== 'm' && rec.t !== 'p' && rec.t !== 'g') continue;
        const r = replayed.get(rec.r);
        if (r === undefined) continue;
        result.records += feedFrame(uploader, rec, r.acked);
        // Bounded memory: let the uploader drain before reading on.
        if (uploader.queuedRecords > 200_000 && !(await uploader.flush(Math.max(0, deadline - Date.now())))) return false;
      }
    }
    progress.bytes = progress.totalBytes;
    report('records');
    if (!(await uploader.flush(Math.max(0, deadline - Date.now())))) return false;
    result.refused = uploader.stats().failed;
    // Artifacts staged while the server was away: after the run's records, before its end.
    for (const entry of staged) {
      if (!replayed.has(entry.runId)) {
        warn(`staged artifact ${entry.dir}: its run ${entry.runId} is not in the journal; kept.`);
        continue;
      }
      const outcome = await uploadEntry(entry, store);
      if (outcome === 'later') return false;
      if (outcome instanceof Error) {
        warn(outcome.message);
        result.refused++;
      } else result.artifacts++;
    }
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
    report('session-done');
  }
}

/** How often (in records fed) a session reports progress while replaying. */
const PROGRESS_EVERY_RECORDS = 5000;
