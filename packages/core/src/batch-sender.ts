import { debug } from './debug.js';
import type { Metric, Param, RunTag } from './entities.js';
import { NotFoundError, RetryableError, RunlogError, StoreWriteError } from './errors.js';
import type { RunQueue } from './batch-builder.js';
import type { Clock } from './clock.js';
import { retryDelayMs, type RetryPolicy } from './rest/retry-policy.js';
import type { LogBatch, TrackingStore } from './store.js';

const RETRYABLE_FS_CODES = new Set(['EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'ENOSPC']);

/** One request of the uploader: a log-batch, or one tag deletion. */
export interface Delivery {
  runId: string;
  queue: RunQueue;
  batch?: LogBatch | undefined;
  deleteTagKey?: string | undefined;
  records: number;
}

export interface BatchSenderDeps {
  store: Pick<TrackingStore, 'logBatch' | 'deleteTag'>;
  retry: RetryPolicy;
  /** Time for backoff waits (unref'd timers). */
  clock: Clock;
  /** Background failures (never thrown: nobody awaits a delivery but the uploader). */
  onError: (err: Error) => void;
  /** Told when a disk error is met, so that flushers waiting on the run can give up at once. */
  onStoreError: () => void;
}

/**
 * The uploader's sending half: delivers one request to the store, retrying retryable failures
 * with backoff (network, 408/429/5xx, a local disk that refuses writes) until it is closed, and
 * bisecting a batch the store refuses as bad input so that one bad record never costs the others.
 * It counts what it sent, retried and failed, and remembers each run's refused records for endRun.
 */
export class BatchSender {
  /** Records acknowledged by the store. */
  sent = 0;
  /** Records the store rejected for good, or that failed otherwise; reported to onError. */
  failed = 0;
  /** Requests sent, including retries. */
  requests = 0;
  /** Requests retried after a retryable failure. */
  retries = 0;
  /** Disk errors met so far (a flush that sees a new one resolves false at once). */
  storeFailures = 0;
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  /** Records of each run the store refused for good, with the first refusal, until taken. */
  private readonly refusedByRun = new Map<string, { records: number; first: Error }>();

  constructor(private readonly deps: BatchSenderDeps) {}

  /**
   * Sends one request; never rejects. Resolves whether its records are settled: acknowledged, or
   * refused for good as bad input. Records that failed any other way (a 401 from an auth proxy, a
   * gateway's 404 page, a closed uploader) stay unsettled, so a journal keeps them for `runlog sync`.
   */
  async deliver(work: Delivery): Promise<boolean> {
    try {
      if (work.deleteTagKey !== undefined) {
        await this.withRetries(() => this.deps.store.deleteTag(work.runId, work.deleteTagKey!), work.queue);
        this.sent += 1;
        return true;
      }
      return await this.sendBatch(work.runId, work.batch!, work.queue);
    } catch (err) {
      // Only deleteTag gets here (sendBatch reports its own failures): a tag that is not there, a
      // closed uploader. Counted and reported, never thrown: this promise has no one awaiting it.
      this.failed += work.records;
      const settled = !this.closed && (err instanceof NotFoundError || isBadInput(err));
      this.deps.onError(err as Error);
      return settled;
    }
  }

  /**
   * Sends a batch, retrying retryable failures. A batch the store rejects as bad input is split in
   * halves until the bad record is isolated. Resolves whether every record is settled.
   */
  private async sendBatch(runId: string, batch: LogBatch, queue: RunQueue): Promise<boolean> {
    const size = batch.metrics.length + batch.params.length + batch.tags.length;
    try {
      await this.withRetries(() => this.deps.store.logBatch(runId, batch), queue);
      this.sent += size;
      return true;
    } catch (err) {
      const badInput = isBadInput(err);
      if (this.closed || !badInput || size <= 1 || isRunLevelRefusal(err)) {
        this.failed += size;
        if (badInput) this.noteRefused(runId, size, err as Error);
        this.deps.onError(err as Error);
        return !this.closed && (badInput || isRunLevelRefusal(err));
      }
      const [a, b] = splitBatch(batch);
      const first = await this.sendBatch(runId, a, queue);
      const second = await this.sendBatch(runId, b, queue);
      return first && second;
    }
  }

  private async withRetries<T>(fn: () => Promise<T>, queue: RunQueue): Promise<T> {
    let blocking = false;
    try {
      for (let attempt = 1; ; attempt++) {
        this.requests++;
        try {
          const result = await fn();
          queue.storeError = undefined;
          return result;
        } catch (err) {
          if (err instanceof StoreWriteError) this.noteStoreError(queue, err);
          if (this.closed || !isRetryable(err) || attempt > this.deps.retry.maxRetries) throw unwrap(err);
          this.retries++;
          if (!blocking) {
            blocking = true;
            queue.retrying++;
          }
          const wait = retryDelayMs(this.deps.retry, attempt, err instanceof RetryableError ? err.retryAfter : null, Math.random, this.deps.clock.now);
          debug('log-batch retry %d in %d ms: %s', attempt, Math.round(wait), (err as Error).message);
          await this.sleep(wait, err instanceof StoreWriteError ? queue : undefined);
          if (this.closed) throw unwrap(err);
        }
      }
    } finally {
      if (blocking) queue.retrying--;
    }
  }

  /**
   * A disk error of the local store: reported to onError at once (the first of a spell, with its
   * errno and path), and flushers are told. The records stay in their request and are retried
   * with backoff until the disk takes them.
   */
  private noteStoreError(queue: RunQueue, err: StoreWriteError): void {
    if (queue.storeError === undefined) this.deps.onError(err);
    queue.storeError = err;
    this.storeFailures++;
    this.deps.onStoreError();
  }

  /** A backoff wait; `wake()` (or the run's wakeStoreRetry, after a disk error) ends it early. */
  private sleep(ms: number, storeRetry?: RunQueue): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.deps.clock.clearTimeout(t);
        this.sleepers.delete(done);
        if (storeRetry !== undefined && storeRetry.wakeStoreRetry === done) storeRetry.wakeStoreRetry = undefined;
        resolve();
      };
      const t = this.deps.clock.setTimeout(done, ms);
      this.sleepers.add(done);
      if (storeRetry !== undefined) storeRetry.wakeStoreRetry = done;
    });
  }

  private noteRefused(runId: string, records: number, err: Error): void {
    const known = this.refusedByRun.get(runId);
    if (known) known.records += records;
    else this.refusedByRun.set(runId, { records, first: err });
  }

  /** The records of `runId` the store refused as bad input since the last call, forgotten once taken. */
  takeRefused(runId: string): { records: number; first: Error } | undefined {
    const refused = this.refusedByRun.get(runId);
    this.refusedByRun.delete(runId);
    return refused;
  }

  /** Ends every backoff wait now. */
  wake(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** Stops retrying: waiting retries give up now, later failures are not retried. Idempotent. */
  close(): void {
    this.closed = true;
    this.wake();
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof RetryableError || err instanceof StoreWriteError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_FS_CODES.has(code);
}

function unwrap(err: unknown): unknown {
  return err instanceof RetryableError ? err.underlying : err;
}

/** A rejection that resending cannot fix: the store refused part of the batch's content. */
function isBadInput(err: unknown): boolean {
  if (!(err instanceof RunlogError)) return false;
  const status = (err as { status?: number }).status;
  return err.code === 'RUNLOG_ERR_INVALID_ARGUMENT' || (err.code === 'RUNLOG_ERR_SERVER' && (status === 400 || status === 413));
}

/**
 * A refusal that concerns the run, not a record (the run was deleted or is not active): every
 * record of every batch would fail the same way, so bisecting would only multiply requests.
 */
function isRunLevelRefusal(err: unknown): boolean {
  return /must be in (the )?'?active'? (state|lifecycle_stage)|is not active|has been deleted/i.test((err as Error).message);
}

function splitBatch(batch: LogBatch): [LogBatch, LogBatch] {
  const all: Array<['m', Metric] | ['p', Param] | ['t', RunTag]> = [
    ...batch.tags.map((t) => ['t', t] as ['t', RunTag]),
    ...batch.params.map((p) => ['p', p] as ['p', Param]),
    ...batch.metrics.map((m) => ['m', m] as ['m', Metric]),
  ];
  const mid = Math.ceil(all.length / 2);
  const toBatch = (items: typeof all): LogBatch => ({
    metrics: items.filter((i) => i[0] === 'm').map((i) => i[1] as Metric),
    params: items.filter((i) => i[0] === 'p').map((i) => i[1] as Param),
    tags: items.filter((i) => i[0] === 't').map((i) => i[1] as RunTag),
  });
  return [toBatch(all.slice(0, mid)), toBatch(all.slice(mid))];
}
