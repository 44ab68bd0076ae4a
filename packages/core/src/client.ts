import { join } from 'node:path';
import { ArtifactSender } from './artifact-sender.js';
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
import { ClosedError, InvalidArgumentError, StoreWriteError, UnsentRecordsError } from './errors.js';
import { parseBoolEnv } from './config.js';
import { debug } from './debug.js';
import { withPublicErrors } from './public-errors.js';
import { MAX_EXPERIMENT_NAME_LENGTH } from './limits.js';
import type { TrackingStore } from './store.js';
import { openDurableTracking, resolveDurability, type Durability, type JournalOptions } from './journal/durability.js';
import type { JournaledQueue, RecordSink } from './journal/journaled-queue.js';
import { OfflineArtifacts } from './journal/offline-artifacts.js';
import type { StagedModelRequest } from './journal/staged-model.js';
import { openStore } from './store-factory.js';
import { RegistryDelegation } from './client-registry.js';
import { LinkedMetricSender, linkFields, rememberLoggedModelId, type MetricDataset, type SearchLoggedModelsOptions } from './client-logged-models.js';
import { WaitingRunEnds } from './waiting-run-ends.js';
import type { RegistryClientOptions } from './registry/registry-methods.js';
import {
  normalizeValue,
  validateArtifactPath,
  validateKey,
  validateMetricValue,
  validateStep,
  validateTimestamp,
} from './validation.js';

/** Options of `new RunlogClient()`; every one is optional. */
export interface RunlogClientOptions {
  /** A path, `file:` URI or `http(s)://` MLflow server. Default: MLFLOW_TRACKING_URI, else ./mlruns. */
  trackingUri?: string | undefined;
  /** Use this store instead of opening one from the URI. */
  store?: TrackingStore | undefined;
  /**
   * How long opening a connection to the tracking server may take before it counts as away
   * (milliseconds). Default RUNLOG_CONNECT_TIMEOUT_MS, else 2000.
   */
  connectTimeoutMs?: number | undefined;
  /** Tuning of the background uploader (concurrency, batchDelayMs, maxQueueSize, retry). */
  uploader?: Omit<BatchUploaderOptions, 'store' | 'onError'> | undefined;
  /** Background failures (a batch the server refused, a full queue). Default: NODE_DEBUG=runlog output. */
  onError?: ((err: Error) => void) | undefined;
  /** How long reads wait for this run's queued records to land first (read-your-writes). */
  readFlushTimeoutMs?: number | undefined;
  /**
   * How records are kept until a tracking server has them: 'journal' (default for a server),
   * 'fsync-every-flush' or 'memory'; RUNLOG_DURABILITY. The local store always writes directly.
   */
  durability?: Durability | undefined;
  /** Journal location and tuning (dir: RUNLOG_JOURNAL_DIR, else ~/.local/state/runlog/journal). */
  journal?: JournalOptions | undefined;
  env?: Record<string, string | undefined> | undefined;
  /** Model registry URI (a path, `file:` URI or MLflow server). Default: MLFLOW_REGISTRY_URI, else the tracking URI. */
  registryUri?: RegistryClientOptions['registryUri'];
  /** Use this registry store instead of opening one. */
  registryStore?: RegistryClientOptions['registryStore'];
}

/** searchRuns() options: MLflow's filter and order-by syntax. */
export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  viewType?: ViewType | undefined;
  pageToken?: string | undefined;
}

/** searchExperiments() options. */
export interface SearchExperimentsOptions {
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  viewType?: ViewType | undefined;
  pageToken?: string | undefined;
}

/** Step and timestamp of a metric point, and (MLflow 3) the model and dataset it belongs to. */
export interface LogMetricOptions {
  step?: number | undefined;
  /** Milliseconds since the epoch; default: now, fixed at the call. */
  timestamp?: number | undefined;
  /** A LoggedModel id (`m-…`): the point also shows under that model, as in MLflow 3. */
  modelId?: string | undefined;
  /** The dataset the value was computed on. */
  dataset?: MetricDataset | undefined;
}

const VALIDATED_KEYS_MAX = 10_000;

/**
 * MLflow's MlflowClient for Node: the same operations with explicit run ids. Logging methods
 * (logMetric, logParam, setTag, deleteTag, logBatch) validate their arguments, throw a typed error
 * for bad input, and otherwise only enqueue: they never wait on I/O and never fail because of the
 * network. Reads of a run first wait (bounded) for that run's queued records, so they see them.
 */
export class RunlogClient extends RegistryDelegation {
  readonly trackingUri: string;
  readonly store: TrackingStore;
  readonly uploader: BatchUploader;
  /** Set when records are journaled (a tracking server with durability other than 'memory'). */
  readonly journal: JournaledQueue | undefined;
  /** Where logging calls enqueue: the journaled queue, else the uploader. */
  private readonly sink: RecordSink;
  /** With a journal: artifacts staged while the server is away (see OfflineArtifacts). */
  readonly offlineArtifacts: OfflineArtifacts | undefined;
  private readonly truncate: boolean;
  private readonly readFlushTimeoutMs: number;
  private readonly validMetricKeys = new Set<string>();
  private readonly paramsByRun = new Map<string, Map<string, string>>();
  private closed = false;
  /** Artifact uploads (direct, or staged in the journal) and the ones in flight per run. */
  private readonly artifacts: ArtifactSender;
  private readonly linkedMetrics: LinkedMetricSender;
  /** Background problems that are not the caller's to catch (a skipped symlink, a refused batch). */
  private readonly onError: (err: Error) => void;

  constructor(opts: RunlogClientOptions = {}) {
    const env = opts.env ?? process.env;
    super({ registryUri: opts.registryUri, registryStore: opts.registryStore, env });
    this.onError = opts.onError ?? ((err) => debug('%s', err.message));
    if (opts.store) {
      this.store = opts.store;
      this.trackingUri = opts.trackingUri ?? opts.store.displayUri;
    } else {
      const opened = openStore(opts.trackingUri, env, { connectTimeoutMs: opts.connectTimeoutMs });
      this.store = opened.store;
      this.trackingUri = opened.uri;
    }
    this.truncate = parseBoolEnv(env, 'MLFLOW_TRUNCATE_LONG_VALUES') ?? true;
    this.readFlushTimeoutMs = opts.readFlushTimeoutMs ?? 30_000;
    const storeConcurrency = this.store.uploadConcurrency;
    const wanted = opts.uploader?.concurrency;
    const uploaderOptions: BatchUploaderOptions = {
      limits: this.store.batchLimits,
      ...opts.uploader,
      // A store's own bound (1 for the local store, which keeps metric files in logging order) wins.
      concurrency: storeConcurrency !== undefined && wanted !== undefined ? Math.min(wanted, storeConcurrency) : (wanted ?? storeConcurrency),
      store: this.store,
      onError: opts.onError,
    };
    const durable = openDurableTracking({
      store: this.store,
      trackingUri: this.trackingUri,
      durability: resolveDurability(opts.durability, env),
      journal: opts.journal,
      uploader: uploaderOptions,
      env,
      onError: opts.onError ?? ((err) => debug('%s', err.message)),
    });
    if (durable) {
      this.store = durable.store;
      this.uploader = durable.uploader;
      this.journal = durable.queue;
      this.sink = durable.queue;
      this.offlineArtifacts = new OfflineArtifacts(durable.store, durable.writer.sessionDir, opts.onError ?? ((err) => debug('%s', err.message)));
      // Back online: staged artifacts go first (the drain), then waiting run ends.
      durable.store.presence.onOnline(() => {
        if (this.endsWaiting.size > 0) void this.offlineArtifacts?.drain().then(() => this.endsWaiting.applyReady());
      });
    } else {
      this.uploader = new BatchUploader(uploaderOptions);
      this.journal = undefined;
      this.sink = this.uploader;
      this.offlineArtifacts = undefined;
    }
    // Everything a user reaches through the client gets the documented errors only; the uploader
    // (made above with the raw store) still sees RetryableError and backs off.
    this.store = withPublicErrors(this.store);
    this.artifacts = new ArtifactSender({
      store: this.store,
      offlineArtifacts: this.offlineArtifacts,
      onError: this.onError,
      checkOpen: () => this.checkOpen(),
    });
    this.linkedMetrics = new LinkedMetricSender(this.store);
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
    opts: {
      runName?: string | undefined;
      tags?: Record<string, string> | undefined;
      startTime?: number | undefined;
      /** With experimentId '' (journaled client, server away): the experiment's name, resolved when the server answers. */
      experimentName?: string | undefined;
    } = {},
  ): Promise<Run> {
    this.checkOpen();
    const tags = recordToTags('tag', opts.tags, this.truncate);
    if (experimentId === '' && (opts.experimentName === undefined || this.store.capabilities?.failover === undefined)) {
      throw new InvalidArgumentError('An experiment id is required (an empty one only with experimentName, on a journaled tracking server).');
    }
    const info = await this.store.createRun({
      experimentId,
      experimentName: opts.experimentName,
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
    await this.flushRecords(this.readFlushTimeoutMs);
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
    // With a journal the end is journaled first: if the server does not take it now, the
    // background end-applier or `runlog sync` applies it after the run's last record.
    this.journal?.writer.endRun(runId, status, endTime);
    const artifactsDone = await this.artifacts.wait(runId, timeoutMs);
    let ok = artifactsDone && (await this.flushRecords(Math.max(0, timeoutMs - (Date.now() - started)), runId));
    // Artifacts staged while the server was away go before the end; with the server away they
    // wait, like the records, and the end is applied after them in the background or by sync.
    if (ok && this.offlineArtifacts !== undefined && this.offlineArtifacts.pendingFor(runId) > 0) {
      ok = await withDeadline(this.offlineArtifacts.drain(), Math.max(0, timeoutMs - (Date.now() - started)), false);
      ok &&= this.offlineArtifacts.pendingFor(runId) === 0;
    }
    // A journal that failed keeps nothing safe: endRun behaves as in memory mode from then on.
    const journal = this.journal !== undefined && this.journal.writer.error === undefined ? this.journal : undefined;
    if (!ok) {
      const uploads = this.artifacts.inFlight(runId);
      if (journal) {
        this.endsWaiting.schedule(runId, { status, endTime });
        if (uploads === 0) return;
      }
      const diskError = this.journal ? undefined : this.uploader.storeErrorFor(runId);
      if (diskError !== undefined) {
        const unsent = this.uploader.pendingFor(runId);
        throw new StoreWriteError(
          diskError.errno,
          diskError.path,
          `Run ${runId} could not be ended: ${unsent} record(s) could not be written to ${this.store.displayUri} ` +
            `(${diskError.message}) They stay queued and are written once the disk takes them again.`,
          { cause: diskError, unsent },
        );
      }
      const unsent = journal ? 0 : this.journal ? this.journal.writer.unsettledRecords(runId) : this.uploader.pendingFor(runId);
      throw new UnsentRecordsError(
        unsent + uploads,
        `run ${runId} could not be ended within ${timeoutMs} ms because ${this.store.displayUri} did not ` +
          `acknowledge them${uploads ? ` (${uploads} of them artifact uploads)` : ''}; ` +
          (journal
            ? 'its records are safe in the journal.'
            : `they stay queued and keep retrying while the process lives${this.journal ? ` (the journal failed: ${this.journal.writer.error!.message})` : ''}.`),
      );
    }
    try {
      await this.store.updateRun(runId, { status, endTime });
    } catch (err) {
      if (!journal) throw err;
      debug('ending run %s: %s; the journal keeps the end', runId, (err as Error).message);
      this.endsWaiting.schedule(runId, { status, endTime });
      return;
    }
    this.endApplied(runId);
    this.rejectRefused(runId);
  }

  /**
   * The run is ended; records of it that the store refused for good (reported to onError when it
   * happened, e.g. a param changed on a resumed run) make endRun reject too, so a script that
   * awaits endRun learns that the run is not what it logged.
   */
  private rejectRefused(runId: string): void {
    const refused = this.uploader.takeRefused(runId);
    if (refused === undefined) return;
    throw new InvalidArgumentError(
      `Run ${runId} ended, but ${this.store.displayUri} refused ${refused.records} of its record(s); the first refusal: ${refused.first.message}`,
      { cause: refused.first },
    );
  }

  /** Journaled run ends the server has not taken yet, applied in the background. */
  private readonly endsWaiting = new WaitingRunEnds({
    drainFirst: async () => {
      if (this.offlineArtifacts !== undefined && this.offlineArtifacts.pendingFor() > 0) await this.offlineArtifacts.drain();
    },
    ready: (runId) => this.journal !== undefined && !this.journal.spilled && this.uploader.pendingFor(runId) === 0 && (this.offlineArtifacts?.pendingFor(runId) ?? 0) === 0,
    apply: async (runId, end) => {
      await this.store.updateRun(runId, end);
      this.endApplied(runId);
    },
  });

  private endApplied(runId: string): void {
    this.paramsByRun.delete(runId);
    // The uploader keeps counting this run's records: a resumed run goes on where it stopped.
    this.journal?.writer.ackEnd(runId);
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
    if (opts !== undefined && (opts.modelId !== undefined || opts.dataset !== undefined)) {
      this.sendLinked(runId, [{ key, value, timestamp, step, ...linkFields(key, opts.modelId, opts.dataset) }]);
      return;
    }
    this.sink.addMetric(runId, key, value, timestamp, step);
  }

  /** Points linked to a model or dataset bypass the columnar queue (see LinkedMetricSender). */
  private sendLinked(runId: string, metrics: Metric[]): void {
    let sent: Promise<void>;
    try {
      sent = this.artifacts.track(runId, () => this.linkedMetrics.send(runId, metrics));
    } catch (err) {
      // A closed client: logging calls never throw into training code.
      this.onError(err as Error);
      return;
    }
    void sent.catch((err: Error) => this.onError(err));
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

  // ---- artifacts (asynchronous; endRun waits for them) ----

  /** Uploads a file to `<artifact root>/<artifactPath>/<file name>`. */
  logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    return this.artifacts.logArtifact(runId, localPath, artifactPath);
  }

  /** Uploads a directory's contents (recursively) under `artifactPath`. */
  logArtifacts(runId: string, localDir: string, artifactPath?: string): Promise<void> {
    return this.artifacts.logArtifacts(runId, localDir, artifactPath);
  }

  /** Writes `text` (UTF-8) as the artifact file `artifactFile`, e.g. 'notes/summary.txt'. */
  logText(runId: string, text: string, artifactFile: string): Promise<void> {
    return this.artifacts.logText(runId, text, artifactFile);
  }

  /** Writes `value` as JSON, or YAML when `artifactFile` ends in .yaml/.yml. */
  logDict(runId: string, value: unknown, artifactFile: string): Promise<void> {
    return this.artifacts.logDict(runId, value, artifactFile);
  }

  /**
   * True when an artifact or model logged for this run now would be staged in the journal (the
   * server is away, or the run is not created on it yet). For @runlog/models' logModel.
   */
  stagesArtifactsFor(runId: string): boolean {
    return this.offlineArtifacts?.stagingFor(runId) ?? false;
  }

  /**
   * Stages a saved model folder in the journal, to be logged as the run's model (an MLflow 3
   * LoggedModel, or run artifacts at `name` on older servers) when the server answers. The folder
   * may be deleted once this resolves. For @runlog/models' logModel.
   */
  async stageLoggedModel(runId: string, localDir: string, req: StagedModelRequest): Promise<void> {
    if (this.offlineArtifacts === undefined) throw new InvalidArgumentError('Models are staged only by a journaled client of a tracking server.');
    await this.artifacts.track(runId, () => this.offlineArtifacts!.stageModel(runId, localDir, req));
  }

  listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    return this.store.listArtifacts(runId, validateArtifactPath(path));
  }

  /** Downloads an artifact file or directory into `dstPath` (default: a new temp dir); returns the local path. */
  async downloadArtifacts(runId: string, path: string, dstPath?: string): Promise<string> {
    await this.artifacts.wait(runId);
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

  async createLoggedModel(experimentId: string, opts: CreateLoggedModelOptions): Promise<LoggedModel> {
    this.checkOpen();
    const model = await this.store.createLoggedModel(experimentId, opts);
    rememberLoggedModelId(model.modelId);
    return model;
  }

  /** Logged models of the experiments, filtered and ordered as MLflow's `search_logged_models`. */
  searchLoggedModels(opts: SearchLoggedModelsOptions): Promise<PagedList<LoggedModel>> {
    return this.store.searchLoggedModels(opts);
  }

  /** Sets tags of a logged model (values are turned into strings). */
  setLoggedModelTags(modelId: string, tags: Record<string, unknown>): Promise<void> {
    this.checkOpen();
    return this.store.setLoggedModelTags(modelId, Object.fromEntries(recordToTags('tag', tags, this.truncate).map((t) => [t.key, t.value])));
  }

  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    this.checkOpen();
    return this.store.deleteLoggedModelTag(modelId, key);
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

  private async settle(runId: string): Promise<void> {
    await this.artifacts.wait(runId);
    await this.flushRecords(this.readFlushTimeoutMs, runId);
  }

  /**
   * Waits for queued records (all, or one run's) to be acknowledged, reading spilled ones back.
   * With a journal and the server known away, by default it does not wait: the records are on
   * disk (the journal is synced first) and nothing will be acknowledged before the server answers
   * (endRun, close, reads, exit). With `waitForServer` (an explicit flush()) it probes the server
   * every slice until it answers or the deadline passes. It waits in short slices, so that a
   * server found away meanwhile ends the wait too.
   */
  private async flushRecords(timeoutMs: number, runId?: string, waitForServer = false): Promise<boolean> {
    if (!this.journal) return this.uploader.flush(timeoutMs, runId);
    const presence = this.store.capabilities?.failover?.presence;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = Math.max(0, deadline - Date.now());
      if (presence?.offline) {
        if (!waitForServer || left === 0) return this.journal.flush(0, runId);
        if (!(await presence.probeNow())) await new Promise((resolve) => setTimeout(resolve, Math.min(left, FLUSH_SLICE_MS)));
        continue;
      }
      const slice = Math.min(left, FLUSH_SLICE_MS);
      const sliceStart = Date.now();
      if (await this.journal.flush(slice, runId)) return true;
      // A flush that says false before its time is up has its answer (records the uploader gave up on).
      if (left <= FLUSH_SLICE_MS || Date.now() - sliceStart < slice - 5) return false;
    }
  }

  /** Records accepted and not yet acknowledged by the store (journaled or queued). */
  get pendingRecords(): number {
    return this.journal ? this.journal.pending : this.uploader.pending;
  }

  // ---- lifecycle ----

  /**
   * Waits until every queued record is acknowledged; false if `timeoutMs` passed first. With the
   * server away it waits for it to answer again, within `timeoutMs` (`{ waitForServer: false }`:
   * resolve false at once instead; the records are safe in the journal).
   */
  flush(timeoutMs = 30_000, opts: { waitForServer?: boolean } = {}): Promise<boolean> {
    return this.flushRecords(timeoutMs, undefined, opts.waitForServer ?? true);
  }

  stats(): UploaderStats {
    return this.uploader.stats();
  }

  /** Flushes (bounded), then stops the uploader and releases connections. Idempotent. */
  async close(timeoutMs = 30_000): Promise<boolean> {
    if (this.closed) return true;
    this.closed = true;
    const started = Date.now();
    let ok = await this.flushRecords(timeoutMs);
    if (ok && this.offlineArtifacts !== undefined && this.offlineArtifacts.pendingFor() > 0) {
      ok = await withDeadline(this.offlineArtifacts.drain(), Math.max(0, timeoutMs - (Date.now() - started)), false);
    }
    // Run ends that waited for their records: apply them now that the records are in.
    if (ok && this.endsWaiting.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeoutMs - (Date.now() - started)));
      });
      try {
        await Promise.race([this.endsWaiting.applyReady(), deadline]);
      } finally {
        clearTimeout(timer);
      }
    }
    if (this.journal && this.journal.pending > 0) ok = false;
    this.uploader.close();
    // Unsent records stay in the journal (marked closed, so `runlog sync` may upload them).
    this.endsWaiting.stop();
    this.journal?.close();
    await this.store.close();
    await this.closeRegistry();
    return ok;
  }

  protected checkOpen(): void {
    if (this.closed) throw new ClosedError();
  }
}

/** How long one wait of a journaled flush lasts before it looks whether the server went away. */
const FLUSH_SLICE_MS = 250;

/** `p`, or `fallback` once `ms` passed (the timer is cleared either way). */
async function withDeadline<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
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

