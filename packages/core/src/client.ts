import { join } from 'node:path';
import { ArtifactSender } from './artifact-sender.js';
import { BatchUploader, type BatchUploaderOptions, type UploaderStats } from './batch-uploader.js';
import type { RunlogClientOptions, SearchExperimentsOptions, SearchRunsOptions, LogMetricOptions } from './client-options.js';
import type { CreateLoggedModelOptions, Experiment, FileInfo, LoggedModel, LoggedModelStatus, Metric, PagedList, Param, Run, RunStatus, RunTag } from './entities.js';
import { ClosedError, InvalidArgumentError } from './errors.js';
import { parseBoolEnv } from './config.js';
import { debug } from './debug.js';
import { withPublicErrors } from './public-errors.js';
import type { TrackingStore } from './store.js';
import { openDurableTracking, resolveDurability } from './journal/durability.js';
import type { JournaledQueue, RecordSink } from './journal/journaled-queue.js';
import { OfflineArtifacts } from './journal/offline-artifacts.js';
import type { StagedModelRequest } from './journal/staged-model.js';
import { openStore } from './store-factory.js';
import { RegistryDelegation } from './client-registry.js';
import { LinkedMetricSender, linkFields, rememberLoggedModelId, type SearchLoggedModelsOptions } from './client-logged-models.js';
import type { Dataset, LogInputOptions } from './datasets/dataset-input.js';
import { sendDatasetInputs, type DatasetInputSpec } from './datasets/send-inputs.js';
import { RecordIntake, recordToTags, validateExperimentName } from './record-intake.js';
import { flushRecords, withDeadline } from './record-flush.js';
import { RunEnding } from './run-ending.js';
import { normalizeValue, validateArtifactPath, validateKey } from './validation.js';

export type { RunlogClientOptions, SearchRunsOptions, SearchExperimentsOptions, LogMetricOptions } from './client-options.js';

/**
 * MLflow's MlflowClient for Node: the same operations with explicit run ids. Logging methods
 * (logMetric, logParam, setTag, deleteTag, logBatch) validate their arguments, throw a typed error
 * for bad input, and otherwise only enqueue: they never wait on I/O and never fail because of the
 * network. Reads of a run first wait (bounded) for that run's queued records, so they see them.
 *
 * The work is done by parts with one job each: RecordIntake (logging calls), ArtifactSender
 * (artifact uploads), RunEnding (setTerminated and ends applied later), flushRecords (waiting for
 * acknowledgements) and RegistryDelegation (the Model Registry half).
 */
export class RunlogClient extends RegistryDelegation {
  readonly trackingUri: string;
  readonly store: TrackingStore;
  readonly uploader: BatchUploader;
  /** Set when records are journaled (a tracking server with durability other than 'memory'). */
  readonly journal: JournaledQueue | undefined;
  /** With a journal: artifacts staged while the server is away (see OfflineArtifacts). */
  readonly offlineArtifacts: OfflineArtifacts | undefined;
  private readonly truncate: boolean;
  private readonly readFlushTimeoutMs: number;
  private closed = false;
  /** Logging calls: validated, then enqueued into the journaled queue, else the uploader. */
  private readonly intake: RecordIntake;
  /** Artifact uploads (direct, or staged in the journal) and the ones in flight per run. */
  private readonly artifacts: ArtifactSender;
  private readonly linkedMetrics: LinkedMetricSender;
  /** Run ends, and journaled ones the server has not taken yet. */
  private readonly ending: RunEnding;
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
      onError: this.onError,
    });
    let sink: RecordSink;
    if (durable) {
      this.store = durable.store;
      this.uploader = durable.uploader;
      this.journal = durable.queue;
      sink = durable.queue;
      this.offlineArtifacts = new OfflineArtifacts(durable.store, durable.writer.sessionDir, this.onError);
      // Back online: staged artifacts go first (the drain), then waiting run ends.
      durable.store.presence.onOnline(() => this.ending.serverBack());
    } else {
      this.uploader = new BatchUploader(uploaderOptions);
      this.journal = undefined;
      sink = this.uploader;
      this.offlineArtifacts = undefined;
    }
    this.intake = new RecordIntake(sink, this.truncate, (runId, metrics) => this.sendLinked(runId, metrics));
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
    this.ending = new RunEnding({
      store: this.store,
      uploader: this.uploader,
      journal: this.journal,
      offlineArtifacts: this.offlineArtifacts,
      artifacts: this.artifacts,
      flushRecords: (timeoutMs, runId) => this.flushRecords(timeoutMs, runId),
      onEnded: (runId) => this.intake.forgetRun(runId),
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
  setTerminated(runId: string, status: RunStatus = 'FINISHED', opts: { endTime?: number; timeoutMs?: number } = {}): Promise<void> {
    return this.ending.end(runId, status, opts);
  }

  deleteRun(runId: string): Promise<void> {
    return this.store.deleteRun(runId);
  }

  restoreRun(runId: string): Promise<void> {
    return this.store.restoreRun(runId);
  }

  // ---- logging (synchronous, enqueue only; see RecordIntake) ----

  logMetric(runId: string, key: string, value: number, opts?: LogMetricOptions): void {
    this.intake.logMetric(runId, key, value, opts);
  }

  /** Queues a param; write-once: the same value again is a no-op, a different one throws InvalidArgumentError. */
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

  logParam(runId: string, key: string, value: unknown): void {
    this.intake.logParam(runId, key, value);
  }

  setTag(runId: string, key: string, value: unknown): void {
    this.intake.setTag(runId, key, value);
  }

  deleteTag(runId: string, key: string): void {
    this.intake.deleteTag(runId, key);
  }

  /** Validates everything first, so a bad entry rejects the whole call and queues nothing. */
  logBatch(runId: string, batch: { metrics?: Metric[]; params?: Param[]; tags?: RunTag[] }): void {
    this.intake.logBatch(runId, batch);
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

  // ---- dataset inputs (asynchronous; endRun waits for them) ----

  /** Records `dataset` as an input of the run, with its context ('train', 'eval') and input tags. */
  logInput(runId: string, dataset: Dataset, opts: LogInputOptions = {}): Promise<void> {
    return this.logInputs(runId, [{ ...opts, dataset }]);
  }

  /** Records several datasets as inputs of the run, in one request. */
  logInputs(runId: string, inputs: DatasetInputSpec[]): Promise<void> {
    return this.artifacts.track(runId, () => sendDatasetInputs(this.store, runId, inputs));
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

  /** Waits for queued records (all, or one run's) to be acknowledged; see flushRecords in record-flush.ts. */
  private flushRecords(timeoutMs: number, runId?: string, waitForServer = false): Promise<boolean> {
    const targets = { uploader: this.uploader, journal: this.journal, presence: this.store.capabilities?.failover?.presence };
    return flushRecords(targets, timeoutMs, runId, waitForServer);
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
    if (ok) await this.ending.applyWaiting(Math.max(0, timeoutMs - (Date.now() - started)));
    if (this.journal && this.journal.pending > 0) ok = false;
    this.uploader.close();
    // Unsent records stay in the journal (marked closed, so `runlog sync` may upload them).
    this.ending.stop();
    this.journal?.close();
    await this.store.close();
    await this.closeRegistry();
    return ok;
  }

  protected checkOpen(): void {
    if (this.closed) throw new ClosedError();
  }
}
