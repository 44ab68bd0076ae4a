import type { BatchUploader } from './batch-uploader.js';
import type { JournaledQueue } from './journal/journaled-queue.js';
import type { FailoverAccess } from './store.js';

/** How long one wait of a journaled flush lasts before it looks whether the server went away. */
const FLUSH_SLICE_MS = 250;

/** What a client's flush waits on: the uploader, and with a journal the journaled queue and the server's presence. */
export interface FlushTargets {
  uploader: BatchUploader;
  journal: JournaledQueue | undefined;
  /** The failover layer's view of the server (absent without a journal). */
  presence: FailoverAccess['presence'] | undefined;
}

/**
 * Waits for queued records (all, or one run's) to be acknowledged, reading spilled ones back.
 * With a journal and the server known away, by default it does not wait: the records are on
 * disk (the journal is synced first) and nothing will be acknowledged before the server answers
 * (endRun, close, reads, exit). With `waitForServer` (an explicit flush()) it probes the server
 * every slice until it answers or the deadline passes. It waits in short slices, so that a
 * server found away meanwhile ends the wait too.
 */
export async function flushRecords(targets: FlushTargets, timeoutMs: number, runId?: string, waitForServer = false): Promise<boolean> {
  const { journal, presence } = targets;
  if (!journal) return targets.uploader.flush(timeoutMs, runId);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = Math.max(0, deadline - Date.now());
    if (presence?.offline) {
      if (!waitForServer || left === 0) return journal.flush(0, runId);
      if (!(await presence.probeNow())) await new Promise((resolve) => setTimeout(resolve, Math.min(left, FLUSH_SLICE_MS)));
      continue;
    }
    const slice = Math.min(left, FLUSH_SLICE_MS);
    const sliceStart = Date.now();
    if (await journal.flush(slice, runId)) return true;
    // A flush that says false before its time is up has its answer (records the uploader gave up on).
    if (left <= FLUSH_SLICE_MS || Date.now() - sliceStart < slice - 5) return false;
  }
}

/** `p`, or `fallback` once `ms` passed (the timer is cleared either way). */
export async function withDeadline<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
