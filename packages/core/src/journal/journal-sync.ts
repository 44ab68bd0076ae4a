import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchUploader } from '../batch-uploader.js';
import { redactUri } from '../config.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { RestStore } from '../rest/rest-store.js';
import { openStore } from '../store-factory.js';
import { feedFrame } from './feed-uploader.js';
import { listStaged, uploadEntry } from './artifact-staging.js';
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
  /** Staged artifact entries uploaded (files of logArtifact/logText/..., or a logged model). */
  artifacts: number;
  runs: number;
  /** Records the server refused for good (bad input); reported, not retried. */
  refused: number;
  corruptFrames: number;
}

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
      results.push({ dir, uri: undefined, outcome: 'incomplete', problem: (err as Error).message, records: 0, artifacts: 0, runs: 0, refused: 0, corruptFrames: 0 });
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
    artifacts: 0,
    runs: 0,
    refused: 0,
    corruptFrames: summary.corruptFrames,
  };
  if (summary.livePid !== undefined && !summary.closed) return { ...result, outcome: 'live' };
  const lock = join(dir, 'sync.lock');
  if (!takeLock(lock)) return { ...result, outcome: 'busy' };
  try {
    if (summary.unsettled === 0 && summary.stagedArtifacts === 0) {
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
    if (ok) rmSync(dir, { recursive: true, force: true });
    else result.outcome = 'incomplete';
    return result;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
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
  const staged = listStaged(summary.dir);
  const stagedRuns = new Set(staged.map((e) => e.runId));
  for (const r of summary.runs.values()) {
    const unsent = r.next[0] - r.acked[0] + r.next[1] - r.acked[1] + r.next[2] - r.acked[2];
    const endWaits = r.end !== undefined && !r.endAcked;
    if (unsent <= 0 && !endWaits && !stagedRuns.has(r.id)) continue;
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
