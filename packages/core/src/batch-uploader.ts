import { debug } from './debug.js';
import { QueueFullError, type StoreWriteError } from './errors.js';
import { MetricChunk } from './metric-chunk.js';
import { RunAckCounters, type Range } from './ack-counter.js';
import { RunQueue, takeBatch, type TagOp } from './batch-builder.js';
import { BatchSender, type Delivery } from './batch-sender.js';
import { realClock, type Clock, type ClockTimer } from './clock.js';
import { MLFLOW_BATCH_LIMITS, type BatchUploaderOptions, type UploaderStats } from './batch-uploader-options.js';
import type { RetryPolicy } from './rest/retry-policy.js';
import type { BatchLimits } from './store.js';

export { MLFLOW_BATCH_LIMITS, type BatchUploaderOptions, type UploaderStats } from './batch-uploader-options.js';
export type { Watermarks } from './ack-counter.js';

interface Work extends Delivery {
  /** Ordinal ranges the work carries, when acknowledgements are counted. */
  ranges?: Range[];
  carriesTags: boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_RETRY: RetryPolicy = { maxRetries: Infinity, baseDelayMs: 500, maxDelayMs: 30_000, jitterMs: 500 };

/**
 * Buffers logged records per run and sends them as runs/log-batch requests within MLflow's limits,
 * with bounded concurrency and retries. Enqueue methods are synchronous, never touch I/O and never
 * throw because of the store. Timers are unref'd: the uploader never keeps a process alive by
 * itself; flush() holds the process open only until its deadline.
 */
export class BatchUploader {
  private readonly concurrency: number;
  private readonly batchDelayMs: number;
  private maxQueueSize: number;
  private readonly onError: (err: Error) => void;
  private readonly limits: BatchLimits;
  private readonly runs = new Map<string, RunQueue>();
  private lastRun: RunQueue | undefined;
  private queued = 0;
  private inflightRequests = 0;
  private inflightRecords = 0;
  private dropped = 0;
  private timer: ClockTimer | undefined;
  private readonly clock: Clock;
  private pumpScheduled = false;
  /** Partial batches may go out now (the delay passed, or someone is flushing). */
  private drainPartial = false;
  private flushers = 0;
  private closed = false;
  private warnedFull = false;
  private readonly idleWaiters = new Set<() => void>();
  private rr = 0;
  private readonly onAck: BatchUploaderOptions['onAck'];
  /** Counts acknowledgements per run, when onAck wants them. */
  private readonly acks: RunAckCounters | undefined;
  /** Sends requests: retries, backoff, bisection of refused batches, and their counts. */
  private readonly sender: BatchSender;

  constructor(opts: BatchUploaderOptions) {
    this.concurrency = opts.concurrency ?? 4;
    this.batchDelayMs = opts.batchDelayMs ?? 250;
    this.maxQueueSize = opts.maxQueueSize ?? 2_000_000;
    this.clock = opts.clock ?? realClock;
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
    this.sender = new BatchSender({
      store: opts.store,
      retry: opts.retry ?? DEFAULT_RETRY,
      clock: this.clock,
      onError: this.onError,
      onStoreError: () => this.notifyIdle(),
    });
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
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.drainPartial = true;
      this.pump();
    }, this.batchDelayMs);
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
    let settled = false;
    try {
      settled = await this.sender.deliver(work);
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

  /** The disk error that holds back `runId`'s records (or any run's), if one does now. */
  storeErrorFor(runId?: string): StoreWriteError | undefined {
    if (runId !== undefined) return this.runs.get(runId)?.storeError;
    for (const q of this.runs.values()) if (q.storeError !== undefined) return q.storeError;
    return undefined;
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

  /**
   * The records of `runId` the store refused as bad input since the last call (a param changed on
   * a resumed run, a value the server would not take), and forgets them. endRun reports them.
   */
  takeRefused(runId: string): { records: number; first: Error } | undefined {
    return this.sender.takeRefused(runId);
  }

  /** Records of one run not yet acknowledged (queued + in flight). */
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
      sent: this.sender.sent,
      failed: this.sender.failed,
      dropped: this.dropped,
      requests: this.sender.requests,
      retries: this.sender.retries,
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
    const failuresBefore = this.sender.storeFailures;
    const refused = () => this.sender.storeFailures > failuresBefore && this.storeErrorFor(runId) !== undefined;
    this.flushers++;
    this.drainPartial = true;
    try {
      for (const q of this.runs.values()) if (runId === undefined || q.runId === runId) q.wakeStoreRetry?.();
      this.pump();
      return await new Promise<boolean>((resolve) => {
        // A referenced timer: while someone waits on a flush, the process stays up until the deadline.
        const deadline = this.clock.setTimeout(() => finish(false), delay, true);
        const check = () => {
          if (idle()) finish(true);
          else if (refused()) finish(false);
        };
        const finish = (ok: boolean) => {
          this.clock.clearTimeout(deadline);
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
    this.sender.wake();
  }

  /**
   * Stops retrying: in-flight retries give up at their next wait and count as failed; queued
   * records are left unsent. Call flush() first for a graceful close. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.sender.close();
    this.notifyIdle();
  }
}
