import type { LogMetricOptions } from './client-options.js';
import { linkFields } from './client-logged-models.js';
import type { Metric, Param, RunTag } from './entities.js';
import { InvalidArgumentError } from './errors.js';
import type { RecordSink } from './journal/journaled-queue.js';
import { MAX_EXPERIMENT_NAME_LENGTH } from './limits.js';
import { normalizeValue, validateKey, validateMetricValue, validateStep, validateTimestamp } from './validation.js';

/** Metric keys remembered as valid (so the hot path skips validating them); cleared when full. */
const VALIDATED_KEYS_MAX = 10_000;

/**
 * RunlogClient's logging calls (logMetric, logParam, setTag, deleteTag, logBatch): each validates
 * its arguments, throws a typed error for bad input, and otherwise only enqueues into the sink (the
 * journaled queue, else the uploader); it never waits on I/O. It remembers each run's params,
 * which are write-once in MLflow, until the run's end is applied (`forgetRun`).
 */
export class RecordIntake {
  private readonly validMetricKeys = new Set<string>();
  private readonly paramsByRun = new Map<string, Map<string, string>>();

  /** `truncate`: MLFLOW_TRUNCATE_LONG_VALUES (long param and tag values are cut, not refused). */
  constructor(
    private readonly sink: RecordSink,
    private readonly truncate: boolean,
    /** Points linked to a model or dataset bypass the columnar queue (see LinkedMetricSender). */
    private readonly sendLinked: (runId: string, metrics: Metric[]) => void,
  ) {}

  logMetric(runId: string, key: string, value: number, opts?: LogMetricOptions): void {
    if (!this.validMetricKeys.has(key)) this.rememberMetricKey(key);
    if (typeof value !== 'number') validateMetricValue(key, value);
    let step = 0;
    let timestamp: number;
    if (opts !== undefined) {
      if (opts.step !== undefined) {
        validateStep(key, opts.step);
        step = opts.step;
      }
      if (opts.timestamp !== undefined) {
        validateTimestamp(key, opts.timestamp);
        timestamp = opts.timestamp;
      } else timestamp = Date.now();
    } else timestamp = Date.now();
    if (opts !== undefined && (opts.modelId !== undefined || opts.dataset !== undefined)) {
      this.sendLinked(runId, [{ key, value, timestamp, step, ...linkFields(key, opts.modelId, opts.dataset) }]);
      return;
    }
    this.sink.addMetric(runId, key, value, timestamp, step);
  }

  private rememberMetricKey(key: string): void {
    validateKey('metric', key);
    if (this.validMetricKeys.size >= VALIDATED_KEYS_MAX) this.validMetricKeys.clear();
    this.validMetricKeys.add(key);
  }

  /**
   * Queues a param. Params are write-once in MLflow: the same value again is a no-op; a different
   * value throws InvalidArgumentError here rather than failing later on the server.
   */
  logParam(runId: string, key: string, value: unknown): void {
    validateKey('param', key);
    const str = normalizeValue('param', key, value, this.truncate);
    let logged = this.paramsByRun.get(runId);
    if (logged === undefined) {
      logged = new Map();
      this.paramsByRun.set(runId, logged);
    }
    const previous = logged.get(key);
    if (previous !== undefined) {
      if (previous === str) return;
      throw new InvalidArgumentError(
        `Changing param values is not allowed. Param '${key}' was already logged with value ` +
          `${JSON.stringify(previous)} for run ${runId}; the new value was ${JSON.stringify(str)}.`,
      );
    }
    // Remembered only once queued: a param the full queue dropped may be logged again.
    if (this.sink.addParam(runId, key, str)) logged.set(key, str);
  }

  setTag(runId: string, key: string, value: unknown): void {
    validateKey('tag', key);
    this.sink.setTag(runId, key, normalizeValue('tag', key, value, this.truncate));
  }

  deleteTag(runId: string, key: string): void {
    validateKey('tag', key);
    this.sink.deleteTag(runId, key);
  }

  /** Validates everything first, so a bad entry rejects the whole call and queues nothing. */
  logBatch(runId: string, batch: { metrics?: Metric[]; params?: Param[]; tags?: RunTag[] }): void {
    const metrics = batch.metrics ?? [];
    for (const m of metrics) {
      validateKey('metric', m.key);
      validateMetricValue(m.key, m.value);
      validateStep(m.key, m.step ?? 0);
      validateTimestamp(m.key, m.timestamp);
    }
    const params = (batch.params ?? []).map((p) => {
      validateKey('param', p.key);
      return { key: p.key, value: normalizeValue('param', p.key, p.value, this.truncate) };
    });
    const tags = (batch.tags ?? []).map((t) => {
      validateKey('tag', t.key);
      return { key: t.key, value: normalizeValue('tag', t.key, t.value, this.truncate) };
    });
    const logged = this.paramsByRun.get(runId);
    const seen = new Map<string, string>();
    for (const p of params) {
      const prev = logged?.get(p.key) ?? seen.get(p.key);
      if (prev !== undefined && prev !== p.value) {
        throw new InvalidArgumentError(`Changing param values is not allowed: param '${p.key}' of run ${runId}.`);
      }
      seen.set(p.key, p.value);
    }
    const linked: Metric[] = [];
    for (const m of metrics) {
      if (m.modelId !== undefined || m.datasetName !== undefined || m.datasetDigest !== undefined) {
        const dataset = m.datasetName === undefined && m.datasetDigest === undefined ? undefined : { name: m.datasetName, digest: m.datasetDigest };
        linked.push({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0, ...linkFields(m.key, m.modelId, dataset) });
      } else this.sink.addMetric(runId, m.key, m.value, m.timestamp, m.step ?? 0);
    }
    if (linked.length > 0) this.sendLinked(runId, linked);
    for (const p of params) this.logParam(runId, p.key, p.value);
    for (const t of tags) this.sink.setTag(runId, t.key, t.value);
  }

  /** The run's end was applied: its params are no longer remembered. */
  forgetRun(runId: string): void {
    this.paramsByRun.delete(runId);
  }
}

/** Tags given as a record (createExperiment, createRun), validated and normalized. */
export function recordToTags(kind: 'tag', record: Record<string, unknown> | undefined, truncate: boolean): RunTag[] {
  if (!record) return [];
  return Object.entries(record).map(([key, value]) => {
    validateKey(kind, key);
    return { key, value: normalizeValue(kind, key, value, truncate) };
  });
}

export function validateExperimentName(name: unknown): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidArgumentError('An experiment name must be a non-empty string.');
  }
  if (name.length > MAX_EXPERIMENT_NAME_LENGTH) {
    throw new InvalidArgumentError(`Experiment name exceeds the maximum length of ${MAX_EXPERIMENT_NAME_LENGTH} characters.`);
  }
}
