import { debug } from './debug.js';
import type { Metric, Param, RunTag } from './entities.js';
import { NotFoundError, QueueFullError, RetryableError, RunlogError, StoreWriteError } from './errors.js';
import { MAX_BATCH_REQUEST_BYTES, MAX_ENTITIES_PER_BATCH, MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH } from './limits.js';
import { MetricChunk } from './metric-chunk.js';
import { RunAckCounters, type Range, type Watermarks } from './ack-counter.js';
import { RunQueue, takeBatch, type TagOp } from './batch-builder.js';
import { retryDelayMs, type RetryPolicy } from './rest/retry-policy.js';
import type { BatchLimits, LogBatch, TrackingStore } from './store.js';

export type { Watermarks } from './ack-counter.js';

export interface BatchUploaderOptions {
  store: Pick<TrackingStore, 'logBatch' | 'deleteTag'>;
  /** Requests in flight at once, across runs. */
  concurrency?: number;
  /** Longest time a partial batch waits for more records before it is sent. */
  batchDelayMs?: number;
  /** Records held (queued, not yet in a request) before new ones are dropped and counted. */
  maxQueueSize?: number;
  /** Backoff for retryable failures (network, 408/429/5xx). Retries go on until close(). */
  retry?: RetryPolicy;
  /** Background failures go here, never to the caller of a logging method. */
  onError?: (err: Error) => void;
  /** Size of one request; defaults to MLflow's log-batch limits. A local store may allow more. */
  limits?: Partial<BatchLimits> | undefined;
  /**
   * Told when a run's acknowledgement watermarks advance: the first `metrics`, `params` and
   * `tagOps` records queued for the run (counted per kind in queueing order) are settled, either
   * acknowledged by the store or refused by it for good. The journal trims on this.
   */
  onAck?: ((runId: string, watermarks: Watermarks) => void) | undefined;
}

/** MLflow's runs/log-batch limits, with a safety margin under its 1 MB request size. */
export const MLFLOW_BATCH_LIMITS: BatchLimits = {
  metrics: MAX_METRICS_PER_BATCH,
  params: MAX_PARAMS_TAGS_PER_BATCH,
  tags: MAX_PARAMS_TAGS_PER_BATCH,
  entities: MAX_ENTITIES_PER_BATCH,
  bytes: MAX_BATCH_REQUEST_BYTES - 50_000,
};

export interface UploaderStats {
  /** Records waiting to be put in a request. */
  queued: number;
  /** Records in requests that have not been acknowledged yet. */
  inflight: number;
  /** Records acknowledged by the store. */
  sent: number;
  /** Records the store rejected for good (bad input it found); reported to onError. */
  failed: number;
  /** Records refused because the queue was full. */
  dropped: number;
  /** Requests sent, including retries. */
  requests: number;
  /** Requests retried after a retryable failure. */
  retries: number;
}

interface Work {
  runId: string;
  queue: RunQueue;
  /** Ordinal ranges the work carries, when acknowledgements are counted. */
  ranges?: Range[];
  batch?: LogBatch;
  deleteTagKey?: string;
  records: number;
  carriesTags: boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_RETRY: RetryPolicy = { maxRetries: Infinity, baseDelayMs: 500, maxDelayMs: 30_000, jitterMs: 500 };
const RETRYABLE_FS_CODES = new Set(['EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'ENOSPC']);

/**
 * Buffers logged records per run and sends them as runs/log-batch requests within MLflow's limits,
 * with bounded concurrency and retries. Enqueue methods are synchronous, never touch I/O and never
 * throw because of the store. Timers are unref'd: the uploader never keeps a process alive by
 * itself; flush() holds the process open only until its deadline.
 */
export class BatchUploader {
  private readonly store: BatchUploaderOptions['store'];
  private readonly concurrency: number;
  private readonly batchDelayMs: number;
  private maxQueueSize: number;
  private readonly retry: RetryPolicy;
  private readonly onError: (err: Error) => void;
  private readonly limits: BatchLimits;
  private readonly runs = new Map<string, RunQueue>();
  private lastRun: RunQueue | undefined;
  private queued = 0;
  private inflightRequests = 0;
  private inflightRecords = 0;
  private sent = 0;
  private failed = 0;
  private dropped = 0;
  private requests = 0;
  private retries = 0;
  /** Disk errors met so far (a flush that sees a new one resolves false at once). */
  private storeFailures = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumpScheduled = false;
  /** Partial batches may go out now (the delay passed, or someone is flushing). */
  private drainPartial = false;
  private flushers = 0;
  private closed = false;
  private warnedFull = false;
  private readonly idleWaiters = new Set<() => void>();
  private readonly sleepers = new Set<() => void>();
  private rr = 0;
  private readonly onAck: BatchUploaderOptions['onAck'];
  /** Counts acknowledgements per run, when onAck wants them. */
  private readonly acks: RunAckCounters | undefined;

  constructor(opts: BatchUploaderOptions) {
    this.store = opts.store;
    this.concurrency = opts.concurrency ?? 4;
    this.batchDelayMs = opts.batchDelayMs ?? 250;
    this.maxQueueSize = opts.maxQueueSize ?? 2_000_000;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    const handler = opts.onError ?? ((err: Error) => debug('background error: %s', err.message));
    // A throwing handler must not turn into an unhandled rejection or reach a logging call.
    this.onError = (err) => {
      try {
        handler(err);
      } catch (handlerErr) {
        debug('onError handler threw: %s', (handlerErr as Error).message);
      }
    };
    this.limits = { ...MLFLOW_BATCH_LIMITS, ...opts.limits };
    this.onAck = opts.onAck;
    this.acks = opts.onAck !== undefined ? new RunAckCounters() : undefined;
  }

  // ---- enqueue (hot path) ----

  /** Queues one metric point. Arguments must already be validated. Returns false if dropped. */
  addMetric(runId: string, key: string, value: number, timestamp: number, step: number): boolean {
    if (this.queued >= this.maxQueueSize || this.closed) return this.drop(1);
    const q = this.lastRun !== undefined && this.lastRun.runId === runId ? this.lastRun : this.queueFor(runId);
    let chunk = q.chunks[q.chunks.length - 1];
    if (chunk === undefined || chunk.full) {
      chunk = new MetricChunk();
      q.chunks.push(chunk);
    }
    const i = chunk.length++;
    chunk.keys[i] = key;
    chunk.values[i] = value;
    chunk.timestamps[i] = timestamp;
    chunk.steps[i] = step;
    q.metricCount++;
    this.queued++;
    if (chunk.full && q.metricCount >= this.limits.metrics) this.schedulePump();
    else if (this.timer === undefined) this.armTimer();
    return true;
  }

  addParam(runId: string, key: string, value: string): boolean {
    if (this.queued >= this.maxQueueSize || this.closed) return this.drop(1);
    const q = this.queueFor(runId);
    q.params.push({ key, value });
    this.queued++;
    this.afterAdd(q.params.length >= this.limits.params);
    return true;
  }

  setTag(runId: string, key: string, value: string): boolean {
    return this.addTagOp(runId, { kind: 'set', key, value });
  }

  deleteTag(runId: string, key: string): boolean {
    return this.addTagOp(runId, { kind: 'delete', key });
  }

  private addTagOp(runId: string, op: TagOp): boolean {
    if (this.queued >= this.maxQueueSize || this.closed) return this.drop(1);
    const q = this.queueFor(runId);
    q.tagOps.push(op);
    this.queued++;
    this.afterAdd(q.tagOps.length >= this.limits.tags);
    return true;
  }

  private afterAdd(batchFull: boolean): void {
    if (batchFull) this.schedulePump();
    else if (this.timer === undefined) this.armTimer();
  }

  private queueFor(runId: string): RunQueue {
    let q = this.runs.get(runId);
    if (q === undefined) {
      q = new RunQueue(runId);
      this.runs.set(runId, q);
    }
    this.lastRun = q;
    return q;
  }

  private drop(n: number): false {
    this.dropped += n;
    if (!this.warnedFull && !this.closed) {
      this.warnedFull = true;
      this.onError(new QueueFullError(this.maxQueueSize));
    }
    return false;
  }

  // ---- scheduling ----

  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drainPartial = true;
      this.pump();
    }, this.batchDelayMs);
    this.timer.unref();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    }).unref();
  }

  /** Starts as many requests as concurrency allows. */
  private pump(): void {
    while (this.inflightRequests < this.concurrency) {
      const work = this.nextWork();
      if (work === undefined) break;
      void this.send(work);
    }
    if (this.queued === 0) {
      if (this.flushers === 0) this.drainPartial = false;
    } else if (this.timer === undefined && !this.drainPartial) {
      this.armTimer();
    }
    this.notifyIdle();
  }

  /** Round-robin over runs; takes a full batch, or a partial one when partial batches may go. */
  private nextWork(): Work | undefined {
    const queues = [...this.runs.values()];
    for (let n = 0; n < queues.length; n++) {
      const q = queues[(this.rr + n) % queues.length]!;
      const work = this.takeWork(q);
      if (work !== undefined) {
        this.rr = (this.rr + n + 1) % Math.max(1, queues.length);
        return work;
      }
    }
    return undefined;
  }

  private takeWork(q: RunQueue): Work | undefined {
    const taken = takeBatch(q, this.limits, this.drainPartial);
    return taken === undefined ? undefined : this.startWork({ runId: q.runId, queue: q, ...taken });
  }

  private startWork(work: Work): Work {
    if (this.acks !== undefined) work.ranges = this.acks.take(work.runId, work);
    this.queued -= work.records;
    this.inflightRecords += work.records;
    work.queue.inflightRecords += work.records;
    if (work.carriesTags) work.queue.tagsInFlight = true;
    this.inflightRequests++;
    return work;
  }

  // ---- sending ----

  private async send(work: Work): Promise<void> {
    // Whether the records are done with: acknowledged, or refused for good as bad input. Records
    // that failed any other way (a 401 from an auth proxy, a gateway's 404 page, a closed
    // uploader) stay unsettled, so a journal keeps them for `runlog sync`.
    let settled = true;
    try {
      if (work.deleteTagKey !== undefined) {
        await this.withRetries(() => this.store.deleteTag(work.runId, work.deleteTagKey!), work.queue);
        this.sent += 1;
      } else {
        settled = await this.sendBatch(work.runId, work.batch!, work.queue);
      }
    } catch (err) {
      // Only deleteTag gets here (sendBatch reports its own failures): a tag that is not there, a
      // closed uploader. Counted and reported, never thrown: this promise has no one awaiting it.
      this.failed += work.records;
      settled = !this.closed && (err instanceof NotFoundError || isBadInput(err));
      this.onError(err as Error);
    } finally {
      this.inflightRequests--;
      this.inflightRecords -= work.records;
      work.queue.inflightRecords -= work.records;
      if (work.carriesTags) work.queue.tagsInFlight = false;
      if (work.ranges !== undefined && settled) this.settleRanges(work.runId, work.ranges);
      if (work.queue.queued === 0 && work.queue.inflightRecords === 0) this.forgetIdleRun(work.queue);
      this.pump();
    }
  }

  /**
   * Sends a batch, retrying retryable failures. A batch the store rejects as bad input is split in
   * halves until the bad record is isolated, so one bad record never costs the others. Resolves
   * whether every record is settled (see send).
   */
  private async sendBatch(runId: string, batch: LogBatch, queue: RunQueue): Promise<boolean> {
    const size = batch.metrics.length + batch.params.length + batch.tags.length;
    try {
      await this.withRetries(() => this.store.logBatch(runId, batch), queue);
      this.sent += size;
      return true;
    } catch (err) {
      const badInput = isBadInput(err);
      if (this.closed || !badInput || size <= 1 || isRunLevelRefusal(err)) {
        this.failed += size;
        if (badInput) this.noteRefused(runId, size, err as Error);
        this.onError(err as Error);
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
          if (this.closed || !isRetryable(err) || attempt > this.retry.maxRetries) throw unwrap(err);
          this.retries++;
          if (!blocking) {
            blocking = true;
            queue.retrying++;
          }
          const wait = retryDelayMs(this.retry, attempt, err instanceof RetryableError ? err.retryAfter : null);
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
    if (queue.storeError === undefined) this.onError(err);
    queue.storeError = err;
    this.storeFailures++;
    this.notifyIdle();
  }

  /** The disk error that holds back `runId`'s records (or any run's), if one does now. */
  storeErrorFor(runId?: string): StoreWriteError | undefined {
    if (runId !== undefined) return this.runs.get(runId)?.storeError;
    for (const q of this.runs.values()) if (q.storeError !== undefined) return q.storeError;
    return undefined;
  }

  private sleep(ms: number, storeRetry?: RunQueue): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.sleepers.delete(done);
        if (storeRetry !== undefined && storeRetry.wakeStoreRetry === done) storeRetry.wakeStoreRetry = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.sleepers.add(done);
      if (storeRetry !== undefined) storeRetry.wakeStoreRetry = done;
    });
  }

  private settleRanges(runId: string, ranges: Range[]): void {
    const watermarks = this.acks?.settle(runId, ranges);
    if (watermarks === undefined) return;
    try {
      this.onAck!(runId, watermarks);
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Lowers the queue bound (a journal that failed hands memory back to the drop limit). */
  limitQueue(maxQueueSize: number): void {
    this.maxQueueSize = maxQueueSize;
  }

  private forgetIdleRun(q: RunQueue): void {
    if (this.runs.get(q.runId) === q) this.runs.delete(q.runId);
    if (this.lastRun === q) this.lastRun = undefined;
  }

  // ---- flushing and state ----

  /** Records of one run not yet acknowledged (queued + in flight). */
  /** Records of each run the store refused for good, with the first refusal, until taken. */
  private readonly refusedByRun = new Map<string, { records: number; first: Error }>();

  private noteRefused(runId: string, records: number, err: Error): void {
    const known = this.refusedByRun.get(runId);
    if (known) known.records += records;
    else this.refusedByRun.set(runId, { records, first: err });
  }

  /**
   * The records of `runId` the store refused as bad input since the last call (a param changed on
   * a resumed run, a value the server would not take), and forgets them. endRun reports them.
   */
  takeRefused(runId: string): { records: number; first: Error } | undefined {
    const refused = this.refusedByRun.get(runId);
    this.refusedByRun.delete(runId);
    return refused;
  }

  pendingFor(runId: string): number {
    const q = this.runs.get(runId);
    return q === undefined ? 0 : q.queued + q.inflightRecords;
  }

  get pending(): number {
    return this.queued + this.inflightRecords;
  }

  /** Records waiting to be put in a request. */
  get queuedRecords(): number {
    return this.queued;
  }

  stats(): UploaderStats {
    return {
      queued: this.queued,
      inflight: this.inflightRecords,
      sent: this.sent,
      failed: this.failed,
      dropped: this.dropped,
      requests: this.requests,
      retries: this.retries,
    };
  }

  /**
   * Sends everything queued (or only `runId`'s records) and resolves true once the store has
   * acknowledged it, or false when `timeoutMs` passes first, or as soon as the local store's disk
   * refuses a write of those records (storeErrorFor() says why). A write that waits after a disk
   * error is tried again at once. Records still pending stay queued.
   */
  async flush(timeoutMs = 30_000, runId?: string): Promise<boolean> {
    // setTimeout fires at once for delays over 2^31-1 ms; Infinity means "as long as it takes".
    const delay = Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS);
    const idle = () => (runId === undefined ? this.pending === 0 : this.pendingFor(runId) === 0);
    if (idle()) return true;
    const failuresBefore = this.storeFailures;
    const refused = () => this.storeFailures > failuresBefore && this.storeErrorFor(runId) !== undefined;
    this.flushers++;
    this.drainPartial = true;
    try {
      for (const q of this.runs.values()) if (runId === undefined || q.runId === runId) q.wakeStoreRetry?.();
      this.pump();
      return await new Promise<boolean>((resolve) => {
        // A referenced timer: while someone waits on a flush, the process stays up until the deadline.
        const deadline = setTimeout(() => finish(false), delay);
        const check = () => {
          if (idle()) finish(true);
          else if (refused()) finish(false);
        };
        const finish = (ok: boolean) => {
          clearTimeout(deadline);
          this.idleWaiters.delete(check);
          resolve(ok);
        };
        this.idleWaiters.add(check);
        check();
      });
    } finally {
      this.flushers--;
    }
  }

  private notifyIdle(): void {
    for (const check of [...this.idleWaiters]) check();
  }

  /** Ends every backoff wait now: the store is known to answer again, so retries go out at once. */
  wake(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /**
   * Stops retrying: in-flight retries give up at their next wait and count as failed; queued
   * records are left unsent. Call flush() first for a graceful close. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const wake of [...this.sleepers]) wake();
    this.notifyIdle();
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
