import { mkdir, readdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CreateLoggedModelOptions, Experiment, FileInfo, LoggedModel, LoggedModelStatus, Metric, PagedList, Run, RunInfo, RunTag, ViewType } from '../entities.js';
import { RUN_STATUS_CODES } from '../entities.js';
import { CorruptStoreError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { MAX_EXPERIMENT_NAME_LENGTH } from '../limits.js';
import { applyExperimentSearch, applyRunSearch } from '../search/run-search.js';
import type {
  CreateRunRequest,
  LogBatch,
  SearchExperimentsRequest,
  SearchLoggedModelsRequest,
  SearchRunsRequest,
  StoreCapabilities,
  TrackingStore,
  UpdateRunRequest,
} from '../store.js';
import { validateArtifactPath, validateKey, validateMetricValue, validateStep, validateTimestamp } from '../validation.js';
import { loadExperiment, loadExperiments, trashExperiment, writeNewExperiment } from './file-store-experiments.js';
import { appendToUriPath, FileStoreLayout, isNotFound, META, validateExperimentId, writeFileAtomic } from './file-store-layout.js';
import { runMetaYaml, type StoredRun } from './file-store-meta.js';
import { mapLimit, readMetricFile, readRunData } from './file-store-runs.js';
import { keyFile, MetricAppender, writeParams, writeRaw } from './file-store-writes.js';
import { KeyedMutex } from './keyed-mutex.js';
import { withFileLock } from './file-lock.js';
import { asStoreWriteError } from './disk-errors.js';
import { warnOnce } from './store-warnings.js';
import { FileArtifacts, localPathFromUri } from './local-artifacts.js';
import { listFilesRecursive } from '../fs-walk.js';
import { generateExperimentId, generateRunId, generateRunName } from './names.js';
import { FileLoggedModels } from './file-logged-models.js';

export interface FileStoreOptions {
  /** Clock in epoch milliseconds (creation, update and deletion times). Default Date.now. */
  now?: () => number;
  /** user_id of new runs when the request and the `mlflow.user` tag give none. Default 'unknown', as MLflow. */
  userId?: string;
}

const RUN_NAME_TAG = 'mlflow.runName';
const DEFAULT_EXPERIMENT_ID = '0';
/** The lock file of experiment creation and deletion, in the root (its `.break` companion shares the prefix). */
const EXPERIMENTS_LOCK = '.runlog-experiments.lock';
/** Runs read at once by searchRuns (bounds open descriptors on big stores). */
const IO_CONCURRENCY = 16;

/**
 * The embedded store: MLflow 3.18's local `mlruns` FileStore layout, byte for byte, so MLflow's
 * own client and UI (with MLFLOW_ALLOW_FILE_STORE=true) read what runlog writes and the reverse.
 * The root is created on first use with experiment "0" ("Default") when missing or empty.
 */
export class FileStore implements TrackingStore {
  readonly displayUri: string;
  /** One batch at a time: appends land in logging order, and a local disk gains nothing from more. */
  readonly uploadConcurrency = 1;
  /**
   * No REST limits apply locally: bigger batches mean fewer opens and appends per point. Params
   * and tags keep MLflow's 100 so batches stay the same shape as on a server.
   */
  readonly batchLimits = { metrics: 20_000, entities: 20_200, bytes: 64 * 1024 * 1024 };
  readonly rootDir: string;
  readonly capabilities: StoreCapabilities;
  private readonly layout: FileStoreLayout;
  private readonly now: () => number;
  private readonly defaultUserId: string | undefined;
  private readonly locks = new KeyedMutex();
  private readonly metrics = new MetricAppender();
  private readonly models: FileLoggedModels;
  private init: Promise<void> | undefined;

  constructor(rootDir: string, options: FileStoreOptions = {}) {
    const dir = localPathFromUri(rootDir);
    if (dir === null) throw new InvalidArgumentError(`FileStore needs a local path or file: URI, got ${rootDir}`);
    this.displayUri = rootDir;
    this.rootDir = dir;
    this.capabilities = { localRoot: dir };
    this.layout = new FileStoreLayout(dir);
    this.now = options.now ?? Date.now;
    this.models = new FileLoggedModels(this.layout, this.now);
    this.defaultUserId = options.userId;
  }

  // ---- experiments ----

  async createExperiment(name: string, artifactLocation?: string, tags: RunTag[] = []): Promise<string> {
    await this.ready();
    if (typeof name !== 'string' || !name.trim()) throw new InvalidArgumentError(`Invalid experiment name: '${name}'`);
    if (name.length > MAX_EXPERIMENT_NAME_LENGTH) {
      throw new InvalidArgumentError(`'name' exceeds the maximum length of ${MAX_EXPERIMENT_NAME_LENGTH} characters`);
    }
    for (const tag of tags) validateKey('tag', tag.key);
    return this.withExperimentsLock(async () => {
      const existing = await this.findExperimentByName(name);
      if (existing?.lifecycleStage === 'deleted') {
        throw new InvalidArgumentError(
          `Experiment '${name}' already exists in deleted state. You can restore the experiment, or permanently ` +
            "delete the experiment from the .trash folder (under tracking server's root folder) in order to use " +
            'this experiment name again.',
        );
      }
      if (existing) throw new InvalidArgumentError(`Experiment '${name}' already exists.`);
      for (;;) {
        const id = generateExperimentId();
        try {
          await mkdir(join(this.rootDir, id));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw err;
        }
        await writeNewExperiment(this.rootDir, id, name, artifactLocation, tags, this.now());
        return id;
      }
    });
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    await this.ready();
    const dir = await this.layout.experimentDir(experimentId);
    if (!dir) throw new NotFoundError(`Could not find experiment with ID ${experimentId}`);
    const exp = await loadExperiment(this.layout, dir, experimentId);
    if (!exp) throw new NotFoundError(`Experiment '${experimentId}' does not exist.`);
    return exp;
  }

  async findExperimentByName(name: string): Promise<Experiment | null> {
    await this.ready();
    const matches = (await loadExperiments(this.layout, 'ALL')).filter((e) => e.name === name);
    // MLflow searches with its default order (creation_time DESC, experiment_id ASC) and takes the first.
    matches.sort((a, b) => (b.creationTime ?? 0) - (a.creationTime ?? 0) || (a.experimentId < b.experimentId ? -1 : 1));
    return matches[0] ?? null;
  }

  async searchExperiments(req: SearchExperimentsRequest): Promise<PagedList<Experiment>> {
    await this.ready();
    const experiments = await loadExperiments(this.layout, req.viewType ?? 'ACTIVE_ONLY');
    return applyExperimentSearch(experiments, {
      filter: req.filter,
      orderBy: req.orderBy,
      maxResults: req.maxResults,
      pageToken: req.pageToken,
    });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    validateKey('tag', key);
    const exp = await this.getExperiment(experimentId);
    if (exp.lifecycleStage !== 'active') {
      throw new InvalidArgumentError(`The experiment ${experimentId} must be in the 'active' lifecycle_stage to set tags`);
    }
    const dir = (await this.layout.experimentDir(experimentId, 'ACTIVE_ONLY'))!;
    await writeRaw(join(dir, 'tags', ...key.split('/')), value, dir);
  }

  /** Marks the experiment and its active runs deleted, then moves its folder into `.trash/`, as MLflow. */
  async deleteExperiment(experimentId: string): Promise<void> {
    await this.ready();
    validateExperimentId(experimentId);
    if (experimentId === DEFAULT_EXPERIMENT_ID) {
      throw new InvalidArgumentError(
        `Cannot delete the default experiment '${DEFAULT_EXPERIMENT_ID}'. This is an internally reserved experiment.`,
      );
    }
    await this.withExperimentsLock(() => trashExperiment(this.layout, this.locks, experimentId, this.now()));
  }

  // ---- runs ----

  async createRun(req: CreateRunRequest): Promise<RunInfo> {
    const exp = await this.getExperiment(req.experimentId);
    if (exp.lifecycleStage !== 'active') {
      throw new InvalidArgumentError(`Could not create run under non-active experiment with ID ${req.experimentId}.`);
    }
    const tags = [...req.tags];
    for (const tag of tags) validateKey('tag', tag.key);
    const nameTag = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    if (req.runName && nameTag && req.runName !== nameTag) {
      throw new InvalidArgumentError(
        "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values " +
          `(run_name='${req.runName}', mlflow.runName='${nameTag}').`,
      );
    }
    const runName = req.runName || nameTag || generateRunName();
    if (!nameTag) tags.push({ key: RUN_NAME_TAG, value: runName });
    const userTag = tags.find((t) => t.key === 'mlflow.user')?.value;
    const runId = generateRunId();
    const dir = join((await this.layout.experimentDir(req.experimentId, 'ACTIVE_ONLY'))!, runId);
    await mkdir(dir);
    await Promise.all(['metrics', 'params', 'artifacts', 'tags'].map((d) => mkdir(join(dir, d))));
    for (const tag of tags) await writeRaw(keyFile(dir, 'tags', tag.key), tag.value, dir);
    const info: RunInfo = {
      runId,
      runName,
      experimentId: req.experimentId,
      userId: req.userId ?? userTag ?? this.defaultUserId ?? 'unknown',
      status: 'RUNNING',
      startTime: req.startTime,
      endTime: undefined,
      artifactUri: appendToUriPath(exp.artifactLocation, runId, 'artifacts'),
      lifecycleStage: 'active',
    };
    // meta.yaml last: MLflow skips a run folder without one, so a half-made run stays invisible.
    await writeFileAtomic(join(dir, META), runMetaYaml({ info }));
    this.layout.rememberRun(runId, dir);
    return info;
  }

  async updateRun(runId: string, req: UpdateRunRequest): Promise<RunInfo> {
    await this.ready();
    if (req.status !== undefined && !(req.status in RUN_STATUS_CODES)) {
      throw new InvalidArgumentError(`Invalid run status ${JSON.stringify(req.status)}.`);
    }
    return this.locks.run(`run:${runId}`, async () => {
      const { dir, run } = await this.layout.findRun(runId);
      assertActive(run);
      const info: RunInfo = { ...run.info };
      if (req.status) info.status = req.status;
      if (req.endTime) info.endTime = req.endTime;
      if (req.runName) {
        info.runName = req.runName;
        await writeRaw(join(dir, 'tags', RUN_NAME_TAG), req.runName, dir);
      }
      await writeFileAtomic(join(dir, META), runMetaYaml({ info }));
      return info;
    });
  }

  async getRun(runId: string): Promise<Run> {
    await this.ready();
    const { dir, run } = await this.layout.findRun(runId);
    return { ...toRun(run, await readRunData(dir)), outputs: { modelOutputs: await this.models.readOutputs(dir) } };
  }

  async deleteRun(runId: string): Promise<void> {
    await this.setRunLifecycle(runId, 'deleted');
  }

  async restoreRun(runId: string): Promise<void> {
    await this.setRunLifecycle(runId, 'active');
  }

  async searchRuns(req: SearchRunsRequest): Promise<PagedList<Run>> {
    await this.ready();
    const view: ViewType = req.viewType ?? 'ACTIVE_ONLY';
    const runs: Run[] = [];
    for (const experimentId of new Set(req.experimentIds)) {
      const expDir = await this.layout.experimentDir(experimentId);
      if (!expDir) continue;
      const found = await mapLimit(await this.layout.runDirsOf(expDir), IO_CONCURRENCY, async (dir) => {
        try {
          const run = await this.layout.readRunMeta(dir);
          if (!run || run.info.experimentId !== experimentId || !inView(view, run.info.lifecycleStage)) return null;
          return { ...toRun(run, await readRunData(dir)), outputs: { modelOutputs: await this.models.readOutputs(dir) } };
        } catch (err) {
          // One damaged run never hides the others: it is left out, with one warning naming it.
          if (!(err instanceof CorruptStoreError)) throw err;
          warnOnce('RUNLOG_CORRUPT_RUN_SKIPPED', dir, `runlog: run folder ${dir} is left out of the search: ${err.message}`);
          return null;
        }
      });
      for (const run of found) if (run) runs.push(run);
    }
    return applyRunSearch(runs, { filter: req.filter, orderBy: req.orderBy, maxResults: req.maxResults, pageToken: req.pageToken });
  }

  /**
   * Params first (all checked before any is written: a changed value rejects the batch), then one
   * append per metric key, then tags, as MLflow's FileStore orders them.
   */
  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    await this.ready();
    for (const m of batch.metrics) {
      validateKey('metric', m.key);
      validateMetricValue(m.key, m.value);
      validateTimestamp(m.key, m.timestamp);
      validateStep(m.key, m.step);
    }
    for (const p of batch.params) validateKey('param', p.key);
    for (const t of batch.tags) validateKey('tag', t.key);
    const { dir, run } = await this.layout.findRun(runId);
    assertActive(run);

    await writeParams(dir, runId, batch.params);
    await this.metrics.append(dir, batch.metrics);
    if (batch.metrics.some((m) => m.modelId !== undefined)) await this.models.appendMetrics(run.info.experimentId, runId, batch.metrics);
    for (const tag of batch.tags) {
      await writeRaw(keyFile(dir, 'tags', tag.key), tag.value, dir);
      if (tag.key === RUN_NAME_TAG && tag.value) {
        await this.locks.run(`run:${runId}`, async () => {
          const { dir: runDir, run: current } = await this.layout.findRun(runId);
          const renamed = { info: { ...current.info, runName: tag.value }, deletedTime: current.deletedTime };
          await writeFileAtomic(join(runDir, META), runMetaYaml(renamed));
        });
      }
    }
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.ready();
    validateKey('tag', key);
    const { dir, run } = await this.layout.findRun(runId);
    assertActive(run);
    const file = keyFile(dir, 'tags', key);
    await unlink(file).catch((err) => {
      if (isNotFound(err)) throw new NotFoundError(`No tag with name: ${key} in run with id ${runId}`, { cause: err });
      throw asStoreWriteError(err, file);
    });
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    await this.ready();
    validateKey('metric', key);
    const { dir } = await this.layout.findRun(runId);
    const file = keyFile(dir, 'metrics', key);
    return readMetricFile(file, key).catch((err) => {
      if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return [];
      throw err;
    });
  }

  // ---- artifacts (file: artifact roots) ----

  async logArtifact(runId: string, localFile: string, artifactPath: string): Promise<void> {
    const rel = validateArtifactPath(artifactPath);
    await (await this.artifacts(runId)).copyIn(localFile, rel ? `${rel}/${basename(localFile)}` : basename(localFile));
  }

  async putArtifact(runId: string, artifactFile: string, bytes: Uint8Array): Promise<void> {
    await (await this.artifacts(runId)).write(artifactFile, bytes);
  }

  async listArtifacts(runId: string, path: string): Promise<FileInfo[]> {
    return (await this.artifacts(runId)).list(path);
  }

  async downloadArtifacts(runId: string, path: string, dstDir: string): Promise<string> {
    return (await this.artifacts(runId)).download(path, dstDir);
  }

  // ---- artifact URIs and logged models ----

  async uploadToArtifactUri(artifactUri: string, localDir: string): Promise<void> {
    const repo = requireLocalArtifacts(artifactUri);
    for (const file of (await listFilesRecursive(localDir)).sort()) {
      await repo.copyIn(join(localDir, file), file);
    }
  }

  async downloadFromArtifactUri(artifactUri: string, relPath: string, dstDir: string): Promise<string> {
    return requireLocalArtifacts(artifactUri).download(relPath, dstDir);
  }

  /** MLflow 3 LoggedModels, under `<experiment>/models/<model_id>/` (see FileLoggedModels). */
  async supportsLoggedModels(): Promise<boolean> {
    return true;
  }

  async createLoggedModel(experimentId: string, opts: CreateLoggedModelOptions): Promise<LoggedModel> {
    const exp = await this.getExperiment(experimentId);
    if (exp.lifecycleStage !== 'active') {
      throw new InvalidArgumentError(`Could not create model under non-active experiment with ID ${experimentId}.`);
    }
    return this.models.create(experimentId, exp.artifactLocation, opts);
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    await this.ready();
    return this.models.get(modelId);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    await this.ready();
    return this.models.finalize(modelId, status);
  }

  async logModelOutputs(runId: string, models: Array<{ modelId: string; step: number }>): Promise<void> {
    await this.ready();
    const { dir, run } = await this.layout.findRun(runId);
    assertActive(run);
    await this.models.logOutputs(dir, models);
  }

  async searchLoggedModels(req: SearchLoggedModelsRequest): Promise<PagedList<LoggedModel>> {
    await this.ready();
    return this.models.search(req);
  }

  async setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void> {
    await this.ready();
    await this.models.setTags(modelId, tags);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.ready();
    await this.models.deleteTag(modelId, key);
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  // ---- internals ----

  /**
   * Creates the root with experiment "0" when it is missing or empty (MLflow: when missing), and
   * `.trash/`. Under the experiments lock, so processes starting together on a fresh store agree.
   */
  private ready(): Promise<void> {
    this.init ??= (async () => {
      const isEmpty = async () => {
        const entries = await readdir(this.rootDir).catch((err) => (isNotFound(err) ? [] : Promise.reject(err)));
        return entries.every((name) => name.startsWith(EXPERIMENTS_LOCK));
      };
      if (await isEmpty()) {
        await mkdir(this.rootDir, { recursive: true });
        await this.withExperimentsLock(async () => {
          if (await isEmpty()) await writeNewExperiment(this.rootDir, DEFAULT_EXPERIMENT_ID, 'Default', undefined, [], this.now());
        });
      }
      await mkdir(this.layout.trashDir, { recursive: true });
    })().catch((err) => {
      this.init = undefined;
      throw err;
    });
    return this.init;
  }

  /**
   * Experiment creation and deletion, one at a time across threads and processes: in-process
   * through the mutex, between processes through a lock file in the root (MLflow lists only
   * folders there, so it never reads it as an experiment).
   */
  private withExperimentsLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.locks.run('experiments', () => withFileLock(join(this.rootDir, EXPERIMENTS_LOCK), fn));
  }

  private async setRunLifecycle(runId: string, stage: 'active' | 'deleted'): Promise<void> {
    await this.ready();
    await this.locks.run(`run:${runId}`, async () => {
      const { dir, run } = await this.layout.findRun(runId);
      const next: StoredRun = { info: { ...run.info, lifecycleStage: stage }, deletedTime: stage === 'deleted' ? this.now() : undefined };
      await writeFileAtomic(join(dir, META), runMetaYaml(next));
    });
  }

  private async artifacts(runId: string): Promise<FileArtifacts> {
    await this.ready();
    const { run } = await this.layout.findRun(runId);
    const repo = FileArtifacts.forUri(run.info.artifactUri);
    if (!repo) {
      throw new InvalidArgumentError(
        `Run ${runId} stores artifacts at ${run.info.artifactUri}; the FileStore can only reach file: artifact locations.`,
      );
    }
    return repo;
  }
}

function toRun(run: StoredRun, data: Run['data']): Run {
  const info = { ...run.info };
  if (!info.runName) info.runName = data.tags[RUN_NAME_TAG] ?? '';
  return { info, data };
}

function requireLocalArtifacts(artifactUri: string): FileArtifacts {
  const repo = FileArtifacts.forUri(artifactUri);
  if (!repo) throw new InvalidArgumentError(`The local store cannot reach artifact URI ${artifactUri}.`);
  return repo;
}


function assertActive(run: StoredRun): void {
  if (run.info.lifecycleStage !== 'active') {
    throw new InvalidArgumentError(`The run ${run.info.runId} must be in 'active' lifecycle_stage.`);
  }
}

function inView(view: ViewType, stage: 'active' | 'deleted'): boolean {
  return view === 'ALL' || (view === 'ACTIVE_ONLY' ? stage === 'active' : stage === 'deleted');
}
