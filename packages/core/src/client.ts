import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { listFilesRecursive } from './fs-walk.js';
import { stringify as toYaml } from 'yaml';
import { BatchUploader, type BatchUploaderOptions, type UploaderStats } from './batch-uploader.js';
import type {
  CreateLoggedModelOptions,
  Experiment,
  FileInfo,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  PagedList,
  Param,
  Run,
  RunStatus,
  RunTag,
  ViewType,
} from './entities.js';
import { ClosedError, InvalidArgumentError, UnsentRecordsError } from './errors.js';
import { parseBoolEnv } from './config.js';
import { MAX_EXPERIMENT_NAME_LENGTH } from './limits.js';
import type { TrackingStore } from './store.js';
import { openStore } from './store-factory.js';
import {
  normalizeValue,
  validateArtifactPath,
  validateKey,
  validateMetricValue,
  validateStep,
  validateTimestamp,
} from './validation.js';

export interface RunlogClientOptions {
  /** A path, `file:` URI or `http(s)://` MLflow server. Default: MLFLOW_TRACKING_URI, else ./mlruns. */
  trackingUri?: string | undefined;
  /** Use this store instead of opening one from the URI. */
  store?: TrackingStore | undefined;
  /** Tuning of the background uploader (concurrency, batchDelayMs, maxQueueSize, retry). */
  uploader?: Omit<BatchUploaderOptions, 'store' | 'onError'> | undefined;
  /** Background failures (a batch the server refused, a full queue). Default: NODE_DEBUG=runlog output. */
  onError?: ((err: Error) => void) | undefined;
  /** How long reads wait for this run's queued records to land first (read-your-writes). */
  readFlushTimeoutMs?: number | undefined;
  env?: Record<string, string | undefined> | undefined;
}

export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  viewType?: ViewType | undefined;
  pageToken?: string | undefined;
}

export interface SearchExperimentsOptions {
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  viewType?: ViewType | undefined;
  pageToken?: string | undefined;
}

export interface LogMetricOptions {
  step?: number | undefined;
  /** Milliseconds since the epoch; default: now, fixed at the call. */
  timestamp?: number | undefined;
}

const VALIDATED_KEYS_MAX = 10_000;

/**
 * MLflow's MlflowClient for Node: the same operations with explicit run ids. Logging methods
 * (logMetric, logParam, setTag, deleteTag, logBatch) validate their arguments, throw a typed error
 * for bad input, and otherwise only enqueue: they never wait on I/O and never fail because of the
 * network. Reads of a run first wait (bounded) for that run's queued records, so they see them.
 */
export class RunlogClient {
  readonly trackingUri: string;
  readonly store: TrackingStore;
  readonly uploader: BatchUploader;
  private readonly truncate: boolean;
  private readonly readFlushTimeoutMs: number;
  private readonly validMetricKeys = new Set<string>();
  private readonly paramsByRun = new Map<string, Map<string, string>>();
  private readonly pendingArtifacts = new Map<string, Set<Promise<unknown>>>();
  private closed = false;

  constructor(opts: RunlogClientOptions = {}) {
    const env = opts.env ?? process.env;
    if (opts.store) {
      this.store = opts.store;
      this.trackingUri = opts.trackingUri ?? opts.store.displayUri;
    } else {
      const opened = openStore(opts.trackingUri, env);
      this.store = opened.store;
      this.trackingUri = opened.uri;
    }
    this.truncate = parseBoolEnv(env, 'MLFLOW_TRUNCATE_LONG_VALUES') ?? true;
    this.readFlushTimeoutMs = opts.readFlushTimeoutMs ?? 30_000;
    const storeConcurrency = this.store.uploadConcurrency;
    const wanted = opts.uploader?.concurrency;
    this.uploader = new BatchUploader({
      limits: this.store.batchLimits,
      ...opts.uploader,
      // A store's own bound (1 for the local store, which keeps metric files in logging order) wins.
      concurrency: storeConcurrency !== undefined && wanted !== undefined ? Math.min(wanted, storeConcurrency) : (wanted ?? storeConcurrency),
      store: this.store,
      onError: opts.onError,
    });
  }

  // ---- experiments ----

  async createExperiment(name: string, opts: { artifactLocation?: string; tags?: Record<string, string> } = {}): Promise<string> {
    this.checkOpen();
    validateExperimentName(name);
    return this.store.createExperiment(name, opts.artifactLocation, recordToTags('tag', opts.tags, this.truncate));
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.store.getExperiment(experimentId);
  }

  /** Resolves null when no experiment has that name. */
  getExperimentByName(name: string): Promise<Experiment | null> {
    return this.store.findExperimentByName(name);
  }

  searchExperiments(opts: SearchExperimentsOptions = {}): Promise<PagedList<Experiment>> {
    return this.store.searchExperiments(opts);
  }

  setExperimentTag(experimentId: string, key: string, value: unknown): Promise<void> {
    validateKey('tag', key);
    return this.store.setExperimentTag(experimentId, key, normalizeValue('tag', key, value, this.truncate));
  }

  deleteExperiment(experimentId: string): Promise<void> {
    return this.store.deleteExperiment(experimentId);
  }

  // ---- runs ----

  /** Creates a run (status RUNNING). Tags given here are sent with the creation request. */
  async createRun(
    experimentId: string,
    opts: { runName?: string | undefined; tags?: Record<string, string> | undefined; startTime?: number | undefined } = {},
  ): Promise<Run> {
    this.checkOpen();
    const tags = recordToTags('tag', opts.tags, this.truncate);
    const info = await this.store.createRun({
      experimentId,
      startTime: opts.startTime ?? Date.now(),
      runName: opts.runName,
      userId: tags.find((t) => t.key === 'mlflow.user')?.value,
      tags,
    });
    const tagRecord: Record<string, string> = {};
    for (const t of tags) tagRecord[t.key] = t.value;
    if (info.runName) tagRecord['mlflow.runName'] = info.runName;
    return { info, data: { metrics: {}, params: {}, tags: tagRecord } };
  }

  async getRun(runId: string): Promise<Run> {
    await this.settle(runId);
    return this.store.getRun(runId);
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    await this.settle(runId);
    return this.store.getMetricHistory(runId, key);
  }

  async searchRuns(opts: SearchRunsOptions): Promise<PagedList<Run>> {
    await this.uploader.flush(this.readFlushTimeoutMs);
    return this.store.searchRuns(opts);
  }

  async updateRun(runId: string, opts: { status?: RunStatus; runName?: string }): Promise<void> {
    await this.store.updateRun(runId, opts);
  }

  /**
   * Ends a run: waits up to `timeoutMs` for its queued records and artifact uploads, then sets its
   * status and end time. Rejects with UnsentRecordsError (records keep retrying) if the deadline
   * passes first.
   */
  async setTerminated(runId: string, status: RunStatus = 'FINISHED', opts: { endTime?: number; timeoutMs?: number } = {}): Promise<void> {
    const endTime = opts.endTime ?? Date.now();
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const started = Date.now();
    const artifactsDone = await this.waitArtifacts(runId, timeoutMs);
    const ok = artifactsDone && (await this.uploader.flush(Math.max(0, timeoutMs - (Date.now() - started)), runId));
    if (!ok) {
      const uploads = this.pendingArtifacts.get(runId)?.size ?? 0;
      throw new UnsentRecordsError(
        this.uploader.pendingFor(runId) + uploads,
        `run ${runId} could not be ended within ${timeoutMs} ms because ${this.store.displayUri} did not ` +
          `acknowledge them${uploads ? ` (${uploads} of them artifact uploads)` : ''}; they stay queued and keep ` +
          'retrying while the process lives.',
      );
    }
    await this.store.updateRun(runId, { status, endTime });
    this.paramsByRun.delete(runId);
  }

  deleteRun(runId: string): Promise<void> {
    return this.store.deleteRun(runId);
  }

  restoreRun(runId: string): Promise<void> {
    return this.store.restoreRun(runId);
  }

  // ---- logging (synchronous, enqueue only) ----

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
    this.uploader.addMetric(runId, key, value, timestamp, step);
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
    if (this.uploader.addParam(runId, key, str)) logged.set(key, str);
  }

  setTag(runId: string, key: string, value: unknown): void {
    validateKey('tag', key);
    this.uploader.setTag(runId, key, normalizeValue('tag', key, value, this.truncate));
  }

  deleteTag(runId: string, key: string): void {
    validateKey('tag', key);
    this.uploader.deleteTag(runId, key);
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
    for (const m of metrics) this.uploader.addMetric(runId, m.key, m.value, m.timestamp, m.step ?? 0);
    for (const p of params) this.logParam(runId, p.key, p.value);
    for (const t of tags) this.uploader.setTag(runId, t.key, t.value);
  }

  // ---- artifacts (asynchronous; endRun waits for them) ----

  /** Uploads a file to `<artifact root>/<artifactPath>/<file name>`. */
  logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    return this.track(runId, async () => {
      const dir = validateArtifactPath(artifactPath);
      await this.store.logArtifact(runId, localPath, dir);
    });
  }

  /** Uploads a directory's contents (recursively) under `artifactPath`. */
  logArtifacts(runId: string, localDir: string, artifactPath?: string): Promise<void> {
    return this.track(runId, async () => {
      const base = validateArtifactPath(artifactPath);
      const info = await stat(localDir);
      if (!info.isDirectory()) throw new InvalidArgumentError(`${localDir} is not a directory.`);
      for (const rel of (await listFilesRecursive(localDir)).sort()) {
        const relDir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
        await this.store.logArtifact(runId, join(localDir, rel), [base, relDir].filter(Boolean).join('/'));
      }
    });
  }

  /** Writes `text` (UTF-8) as the artifact file `artifactFile`, e.g. 'notes/summary.txt'. */
  logText(runId: string, text: string, artifactFile: string): Promise<void> {
    return this.track(runId, async () => {
      const target = requireFileName(artifactFile);
      await this.store.putArtifact(runId, target, Buffer.from(text, 'utf8'));
    });
  }

  /** Writes `value` as JSON, or YAML when `artifactFile` ends in .yaml/.yml. */
  logDict(runId: string, value: unknown, artifactFile: string): Promise<void> {
    const yaml = /\.ya?ml$/i.test(artifactFile);
    const text = yaml ? toYaml(value) : JSON.stringify(value, null, 2);
    return this.logText(runId, text, artifactFile);
  }

  listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    return this.store.listArtifacts(runId, validateArtifactPath(path));
  }

  /** Downloads an artifact file or directory into `dstPath` (default: a new temp dir); returns the local path. */
  async downloadArtifacts(runId: string, path: string, dstPath?: string): Promise<string> {
    await this.waitArtifacts(runId);
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dst = dstPath ?? (await mkdtemp(join(tmpdir(), 'runlog-artifacts-')));
    return this.store.downloadArtifacts(runId, validateArtifactPath(path), dst);
  }

  // ---- artifact URIs and MLflow 3 logged models (used by @runlog/models) ----

  /** Uploads a local directory under an artifact URI (e.g. a logged model's `artifactUri`). */
  uploadToArtifactUri(artifactUri: string, localDir: string): Promise<void> {
    this.checkOpen();
    return this.store.uploadToArtifactUri(artifactUri, localDir);
  }

  /** Downloads `relPath` ('' for everything) under an artifact URI into `dstDir`. */
  downloadFromArtifactUri(artifactUri: string, relPath: string, dstDir: string): Promise<string> {
    return this.store.downloadFromArtifactUri(artifactUri, relPath, dstDir);
  }

  /** True on an MLflow 3 server; false on the local store and MLflow 2 servers. */
  supportsLoggedModels(): Promise<boolean> {
    return this.store.supportsLoggedModels();
  }

  createLoggedModel(experimentId: string, opts: CreateLoggedModelOptions): Promise<LoggedModel> {
    this.checkOpen();
    return this.store.createLoggedModel(experimentId, opts);
  }

  getLoggedModel(modelId: string): Promise<LoggedModel> {
    return this.store.getLoggedModel(modelId);
  }

  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return this.store.finalizeLoggedModel(modelId, status);
  }

  /** Links logged models to a run as its outputs. */
  logModelOutputs(runId: string, models: Array<{ modelId: string; step: number }>): Promise<void> {
    return this.store.logModelOutputs(runId, models);
  }

  private track(runId: string, fn: () => Promise<void>): Promise<void> {
    this.checkOpen();
    const p = fn();
    let set = this.pendingArtifacts.get(runId);
    if (set === undefined) {
      set = new Set();
      this.pendingArtifacts.set(runId, set);
    }
    const entry = p.catch(() => undefined);
    set.add(entry);
    void entry.then(() => set.delete(entry));
    return p;
  }

  /** Waits for the run's artifact uploads; false if `timeoutMs` passed first. */
  private async waitArtifacts(runId: string, timeoutMs = Infinity): Promise<boolean> {
    const set = this.pendingArtifacts.get(runId);
    if (!set || set.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([Promise.all([...set]).then(() => true), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async settle(runId: string): Promise<void> {
    await this.waitArtifacts(runId);
    await this.uploader.flush(this.readFlushTimeoutMs, runId);
  }

  // ---- lifecycle ----

  /** Waits until every queued record is acknowledged; false if `timeoutMs` passed first. */
  flush(timeoutMs = 30_000): Promise<boolean> {
    return this.uploader.flush(timeoutMs);
  }

  stats(): UploaderStats {
    return this.uploader.stats();
  }

  /** Flushes (bounded), then stops the uploader and releases connections. Idempotent. */
  async close(timeoutMs = 30_000): Promise<boolean> {
    if (this.closed) return true;
    this.closed = true;
    const ok = await this.uploader.flush(timeoutMs);
    this.uploader.close();
    await this.store.close();
    return ok;
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError();
  }
}

function recordToTags(kind: 'tag', record: Record<string, unknown> | undefined, truncate: boolean): RunTag[] {
  if (!record) return [];
  return Object.entries(record).map(([key, value]) => {
    validateKey(kind, key);
    return { key, value: normalizeValue(kind, key, value, truncate) };
  });
}

function validateExperimentName(name: unknown): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidArgumentError('An experiment name must be a non-empty string.');
  }
  if (name.length > MAX_EXPERIMENT_NAME_LENGTH) {
    throw new InvalidArgumentError(`Experiment name exceeds the maximum length of ${MAX_EXPERIMENT_NAME_LENGTH} characters.`);
  }
}

function requireFileName(artifactFile: string): string {
  const target = validateArtifactPath(artifactFile);
  if (!target) throw new InvalidArgumentError('An artifact file name is required.');
  return target;
}

