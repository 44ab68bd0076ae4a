import { MAX_BATCH_REQUEST_BYTES, MAX_ENTITIES_PER_BATCH, MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH } from './limits.js';
import type { Watermarks } from './ack-counter.js';
import type { Clock } from './clock.js';
import type { RetryPolicy } from './rest/retry-policy.js';
import type { BatchLimits, TrackingStore } from './store.js';

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
  /** Time for the batch delay, backoff waits and flush deadlines (tests move it by hand). Default: the real clock. */
  clock?: Clock | undefined;
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
