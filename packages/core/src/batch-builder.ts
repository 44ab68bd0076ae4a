import type { Metric, Param, RunTag } from './entities.js';
import type { MetricChunk } from './metric-chunk.js';
import type { BatchLimits, LogBatch } from './store.js';
import type { StoreWriteError } from './errors.js';

export type TagOp = { kind: 'set'; key: string; value: string } | { kind: 'delete'; key: string };

/** Everything queued for one run. Tag operations keep their order; metrics and params need none. */
export class RunQueue {
  readonly chunks: MetricChunk[] = [];
  metricCount = 0;
  params: Param[] = [];
  tagOps: TagOp[] = [];
  /** A request carrying tag operations is in flight: later tag operations wait for it. */
  tagsInFlight = false;
  inflightRecords = 0;
  /**
   * Requests of this run waiting to be retried. While one waits, no later batch of the run is
   * started: after an outage the run's records arrive in logging order, and a down server sees
   * one retrying request per run, not a stream of them.
   */
  retrying = 0;
  /** Set while the local store's disk refuses this run's writes (full, read-only, failing). */
  storeError: StoreWriteError | undefined;
  /** Wakes the run's retry that waits after a disk error (a flush tries again at once). */
  wakeStoreRetry: (() => void) | undefined;
  constructor(readonly runId: string) {}
  get queued(): number {
    return this.metricCount + this.params.length + this.tagOps.length;
  }
}

/** What one request carries: a log-batch, or one tag deletion (its own request). */
export type TakenBatch = { batch: LogBatch; deleteTagKey?: undefined; records: number; carriesTags: boolean } | { batch?: undefined; deleteTagKey: string; records: 1; carriesTags: true };

/**
 * Takes the run's next request off its queue: a tag deletion at the head of the tag operations,
 * else a batch within `limits` (counts and estimated bytes), tags first, then params, then
 * metrics. Only a full batch goes unless `drainPartial`; undefined when nothing may go now.
 */
export function takeBatch(q: RunQueue, limits: BatchLimits, drainPartial: boolean): TakenBatch | undefined {
  if (q.queued === 0 || q.retrying > 0) return undefined;
  const tagsAvailable = !q.tagsInFlight && q.tagOps.length > 0;
  const head = tagsAvailable ? q.tagOps[0] : undefined;
  if (head?.kind === 'delete') {
    q.tagOps.shift();
    return { deleteTagKey: head.key, records: 1, carriesTags: true };
  }
  const full =
    q.metricCount >= limits.metrics ||
    q.params.length >= limits.params ||
    (tagsAvailable && q.tagOps.length >= limits.tags);
  if (!full && !drainPartial) return undefined;
  if (!full && q.metricCount === 0 && q.params.length === 0 && !tagsAvailable) return undefined;

  let budget = limits.bytes;
  let entities = 0;
  const tags: RunTag[] = [];
  if (tagsAvailable) {
    while (tags.length < limits.tags && q.tagOps.length > 0) {
      const op = q.tagOps[0]!;
      if (op.kind !== 'set') break;
      const size = 40 + 3 * (op.key.length + op.value.length);
      if (size > budget && tags.length > 0) break;
      budget -= size;
      tags.push({ key: op.key, value: op.value });
      q.tagOps.shift();
    }
  }
  const params: Param[] = [];
  while (params.length < limits.params && q.params.length > 0) {
    const p = q.params[0]!;
    const size = 40 + 3 * (p.key.length + p.value.length);
    if (size > budget && (params.length > 0 || tags.length > 0)) break;
    budget -= size;
    params.push(p);
    q.params.shift();
  }
  entities = tags.length + params.length;
  const metrics: Metric[] = [];
  const maxMetrics = Math.min(limits.metrics, limits.entities - entities);
  while (metrics.length < maxMetrics && q.metricCount > 0) {
    const chunk = q.chunks[0]!;
    const key = chunk.keys[chunk.start]!;
    const size = 90 + 3 * key.length;
    if (size > budget && metrics.length + entities > 0) break;
    budget -= size;
    const i = chunk.start++;
    metrics.push({ key, value: chunk.values[i]!, timestamp: chunk.timestamps[i]!, step: chunk.steps[i]! });
    q.metricCount--;
    if (chunk.start === chunk.length && (chunk.full || q.metricCount === 0)) q.chunks.shift();
  }
  const records = metrics.length + params.length + tags.length;
  if (records === 0) return undefined;
  return { batch: { metrics, params, tags }, records, carriesTags: tags.length > 0 };
}
