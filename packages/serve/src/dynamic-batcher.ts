import { debuglog } from 'node:util';
import type { TensorValue } from '@runlog/models';
import { concatRows, sliceRows } from './tensor-rows.js';

const log = debuglog('runlog');

export type Tensors = Record<string, TensorValue>;
/** One model call. */
export type RunModel = (inputs: Tensors, params: Record<string, unknown> | undefined) => Promise<Tensors>;

/** Dynamic batching of concurrent requests into one model call. */
export interface BatchingOptions {
  /** Most rows (dimension 0, summed over the merged requests) in one model call. Default 64. */
  maxBatchSize?: number;
  /**
   * How long a request may wait for others to join its batch when the model is idle. Default 0:
   * a batch leaves at the end of the current event-loop turn, so an idle server adds no latency
   * and what arrives while the model is busy is merged into the next call.
   */
  maxWaitMs?: number;
  /** Model calls in flight at once. Default 1 (onnxruntime-node runs a session on the main thread). */
  maxConcurrentBatches?: number;
}

export interface BatcherStats {
  /** Model calls that served two or more requests. */
  mergedCalls: number;
  /** Requests served by such calls. */
  mergedRequests: number;
  /** Largest number of rows in one call. */
  maxRows: number;
  /** Batches that had to be rerun one request at a time (the outputs were not row-wise). */
  unsplittable: number;
}

interface Job {
  inputs: Tensors;
  rows: number;
  /** Jobs with equal keys (params, dtypes and row shapes) can share a call. */
  key: string;
  params: Record<string, unknown> | undefined;
  enqueuedAt: number;
  resolve(out: Tensors): void;
  reject(err: unknown): void;
}

/** A submitted request; cancel() drops it if it has not reached the model yet. */
export interface BatchTicket {
  result: Promise<Tensors>;
  cancel(): void;
}

/**
 * Dynamic batching: requests that queue while the model is busy (or within `maxWaitMs` when it is
 * idle) are concatenated along dimension 0 into one model call, whose outputs are split back by
 * row ranges. Only requests with the same params and the same trailing dimensions are merged.
 * Batching assumes the model's rows are independent (as a served model's usually are); a model
 * whose outputs do not have one row per input row is detected and answered one request at a time.
 */
export class DynamicBatcher {
  private readonly maxBatchSize: number;
  private maxWaitMs: number;
  private readonly maxConcurrent: number;
  private queue: Job[] = [];
  private queuedRows = 0;
  private inflight = 0;
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly counters: BatcherStats = { mergedCalls: 0, mergedRequests: 0, maxRows: 0, unsplittable: 0 };

  constructor(
    private readonly run: RunModel,
    opts: BatchingOptions = {},
  ) {
    this.maxBatchSize = Math.max(1, opts.maxBatchSize ?? 64);
    this.maxWaitMs = Math.max(0, opts.maxWaitMs ?? 0);
    this.maxConcurrent = Math.max(1, opts.maxConcurrentBatches ?? 1);
  }

  stats(): BatcherStats {
    return { ...this.counters };
  }

  /** Stops waiting for batches to fill (maxWaitMs becomes 0): what is queued goes to the model now. */
  drain(): void {
    this.maxWaitMs = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule();
  }

  /** Requests waiting for the model. */
  get pending(): number {
    return this.queue.length;
  }

  submit(inputs: Tensors, rows: number, key: string, params: Record<string, unknown> | undefined): BatchTicket {
    let job!: Job;
    const result = new Promise<Tensors>((resolve, reject) => {
      job = { inputs, rows, key, params, enqueuedAt: performance.now(), resolve, reject };
    });
    this.queue.push(job);
    this.queuedRows += rows;
    if (log.enabled) log('serve: queued a request of %d rows (%d requests waiting)', rows, this.queue.length);
    this.schedule();
    return {
      result,
      cancel: () => {
        const i = this.queue.indexOf(job);
        if (i >= 0) {
          this.queue.splice(i, 1);
          this.queuedRows -= job.rows;
        }
      },
    };
  }

  private schedule(): void {
    if (this.immediate || this.inflight >= this.maxConcurrent || this.queue.length === 0) return;
    const wait = this.maxWaitMs > 0 && this.queuedRows < this.maxBatchSize ? this.queue[0]!.enqueuedAt + this.maxWaitMs - performance.now() : 0;
    if (wait <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate = setImmediate(() => this.flush());
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, Math.ceil(wait));
    }
  }

  private flush(): void {
    this.immediate = undefined;
    while (this.inflight < this.maxConcurrent && this.queue.length > 0) {
      if (this.maxWaitMs > 0 && this.queuedRows < this.maxBatchSize && performance.now() - this.queue[0]!.enqueuedAt < this.maxWaitMs) break;
      void this.dispatch(this.take());
    }
    this.schedule();
  }

  /** The oldest job and the queued jobs that can join it, in arrival order, up to maxBatchSize rows. */
  private take(): Job[] {
    const head = this.queue[0]!;
    const batch = [head];
    let rows = head.rows;
    const rest: Job[] = [];
    for (let i = 1; i < this.queue.length; i++) {
      const job = this.queue[i]!;
      if (job.key === head.key && rows + job.rows <= this.maxBatchSize) {
        batch.push(job);
        rows += job.rows;
      } else rest.push(job);
    }
    this.queue = rest;
    this.queuedRows -= rows;
    return batch;
  }

  private async dispatch(batch: Job[]): Promise<void> {
    this.inflight++;
    try {
      if (batch.length === 1) {
        const job = batch[0]!;
        this.counters.maxRows = Math.max(this.counters.maxRows, job.rows);
        await this.run(job.inputs, job.params).then(job.resolve, job.reject);
        return;
      }
      await this.runMerged(batch);
    } finally {
      this.inflight--;
      this.schedule();
    }
  }

  private async runMerged(batch: Job[]): Promise<void> {
    const merged: Tensors = {};
    for (const name in batch[0]!.inputs) merged[name] = concatRows(batch.map((j) => j.inputs[name]!));
    const rows = batch.reduce((n, j) => n + j.rows, 0);
    this.counters.maxRows = Math.max(this.counters.maxRows, rows);
    let out: Tensors;
    try {
      out = await this.run(merged, batch[0]!.params);
    } catch {
      // One bad request must not fail the others: answer each on its own.
      await this.runEach(batch);
      return;
    }
    for (const name in out) {
      const t = out[name]!;
      if (t.dims.length === 0 || t.dims[0] !== rows) {
        log('serve: output %s of a %d-row batch has shape %j: not row-wise, running requests one by one', name, rows, t.dims);
        this.counters.unsplittable++;
        await this.runEach(batch);
        return;
      }
    }
    this.counters.mergedCalls++;
    this.counters.mergedRequests += batch.length;
    let start = 0;
    for (const job of batch) {
      const part: Tensors = {};
      for (const name in out) part[name] = sliceRows(out[name]!, start, start + job.rows);
      start += job.rows;
      job.resolve(part);
    }
  }

  private async runEach(batch: Job[]): Promise<void> {
    for (const job of batch) await this.run(job.inputs, job.params).then(job.resolve, job.reject);
  }
}
