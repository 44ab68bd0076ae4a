import type { CreateLoggedModelOptions, LoggedModel, LoggedModelOrderBy, LoggedModelStatus } from './entities.js';
import type { Experiment, FileInfo, Metric, Param, PagedList, Run, RunInfo, RunStatus, RunTag, ViewType } from './entities.js';
import type { RegistryStore } from './registry/registry-store.js';

export interface CreateRunRequest {
  /** '' when only the name is known yet (the server was away when it was looked up): see experimentName. */
  experimentId: string;
  /** With experimentId '': the experiment to create the run in, found (or created) by name later. */
  experimentName?: string | undefined;
  /** Milliseconds since the epoch. */
  startTime: number;
  runName?: string | undefined;
  userId?: string | undefined;
  tags: RunTag[];
}

export interface UpdateRunRequest {
  status?: RunStatus | undefined;
  endTime?: number | undefined;
  runName?: string | undefined;
}

export interface SearchRunsRequest {
  experimentIds: string[];
  /** MLflow filter syntax, e.g. `metrics.acc > 0.9 and params.lr = '0.1'`. */
  filter?: string | undefined;
  viewType?: ViewType | undefined;
  maxResults?: number | undefined;
  /** e.g. `['metrics.rmse DESC', 'params.lr']`. */
  orderBy?: string[] | undefined;
  pageToken?: string | undefined;
}

export interface SearchExperimentsRequest {
  filter?: string | undefined;
  viewType?: ViewType | undefined;
  maxResults?: number | undefined;
  orderBy?: string[] | undefined;
  pageToken?: string | undefined;
}

/** A search of MLflow 3 LoggedModels (`logged-models/search`). */
export interface SearchLoggedModelsRequest {
  experimentIds: string[];
  /**
   * MLflow's logged-model filter: `name`, `model_id`, `model_type`, `status`, `source_run_id`,
   * `creation_timestamp`, `last_updated_timestamp`, `metrics.<key>`, `params.<key>`, `tags.<key>`,
   * e.g. `name = 'model' AND metrics.acc > 0.9`.
   */
  filter?: string | undefined;
  /** Only metrics computed on these datasets count in metric clauses (and a model needs one). */
  datasets?: Array<{ datasetName: string; datasetDigest?: string | undefined }> | undefined;
  /** Default: creation_timestamp descending, then model_id. */
  orderBy?: LoggedModelOrderBy[] | undefined;
  /** Default 100, as MLflow. */
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

/**
 * One batch for runs/log-batch, already within MLflow's limits (the uploader sizes it). Stores may
 * assume: at most 1000 metrics, 100 params, 100 tags, 1000 entities; no duplicate param keys.
 */
export interface LogBatch {
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

/** How much one request may carry. */
export interface BatchLimits {
  metrics: number;
  params: number;
  tags: number;
  /** metrics + params + tags */
  entities: number;
  /** Estimated request bytes. */
  bytes: number;
}

/**
 * What a store that talks to an MLflow tracking server offers beyond the contract: single bounded
 * attempts, from which the journal's failover layer tells "server away" (a RetryableError) from a
 * refusal. A store with this capability gets the journal (durability other than 'memory') and is a
 * target for `runlog sync`.
 */
export interface TrackingServerAccess {
  /** One GET /health bounded by `timeoutMs`; rejects when the server did not answer. */
  probe(timeoutMs: number): Promise<void>;
  /** createRun in one attempt bounded by `timeoutMs`; an unanswered one rejects with RetryableError. */
  createRunOnce(req: CreateRunRequest, timeoutMs: number): Promise<RunInfo>;
  /** findExperimentByName in one attempt bounded by `timeoutMs`; an unanswered one rejects with RetryableError. */
  findExperimentByNameOnce(name: string, timeoutMs: number): Promise<Experiment | null>;
  /** The id of a live run of the experiment carrying tag key=value, if any (one attempt). */
  findRunIdByTag(experimentId: string, key: string, value: string): Promise<string | undefined>;
  /** A registry store on this server sharing its connections, when `baseUrl` names this server; else undefined. */
  registryOn(baseUrl: string): RegistryStore | undefined;
}

/**
 * What the journal's failover layer offers the client: whether the server is known away, and an
 * experiment lookup that does not wait for it (runs may then be created with experimentId '' and
 * experimentName, resolved when the server answers).
 */
export interface FailoverAccess {
  readonly presence: { readonly offline: boolean; probeNow(): Promise<boolean> };
  /** One bounded lookup: the experiment, null when there is none, 'offline' when the server did not answer. */
  lookupExperimentOnce(name: string): Promise<Experiment | null | 'offline'>;
  /** The store beneath the failover layer. */
  readonly inner: TrackingStore;
}

/**
 * Optional abilities of a store, looked up by generic code instead of the store's class. A store
 * that wraps another (to add logging, auth, metrics) forwards them, e.g.
 * `readonly capabilities = inner.capabilities`, and keeps the journal and connection sharing.
 */
export interface StoreCapabilities {
  /** Present on a store backed by an MLflow tracking server. */
  readonly trackingServer?: TrackingServerAccess | undefined;
  /** Present on the journal's failover store. */
  readonly failover?: FailoverAccess | undefined;
  /** The `mlruns` directory of a local store (a local registry in it looks models up there). */
  readonly localRoot?: string | undefined;
}

/** A store with the tracking-server capability. */
export type TrackingServerStore = TrackingStore & { readonly capabilities: { readonly trackingServer: TrackingServerAccess } };

/** Whether `store` talks to a tracking server (itself, or through the store it wraps). */
export function isTrackingServerStore(store: TrackingStore | undefined): store is TrackingServerStore {
  return store?.capabilities?.trackingServer !== undefined;
}

/**
 * The tracking store contract: what runlog needs from a backend. FileStore writes MLflow's local
 * `mlruns` layout; RestStore talks to an MLflow tracking server. Every method is async and rejects
 * with a RunlogError subclass; a method that finds nothing rejects with NotFoundError, except the
 * `find*` methods, which resolve `null`.
 */
export interface TrackingStore {
  /** Human-readable location, for messages ("./mlruns", "http://host:5000"). */
  readonly displayUri: string;
  /**
   * How many log requests the uploader may have in flight for this store. A local store wants 1,
   * so that each metric file is appended in logging order; a server gains from a few.
   */
  readonly uploadConcurrency?: number;
  /** Larger batches than MLflow's REST limits, for stores without them (the local store). */
  readonly batchLimits?: Partial<BatchLimits>;
  /** Abilities beyond this contract (see StoreCapabilities); a wrapping store forwards its inner store's. */
  readonly capabilities?: StoreCapabilities | undefined;

  createExperiment(name: string, artifactLocation?: string, tags?: RunTag[]): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  findExperimentByName(name: string): Promise<Experiment | null>;
  searchExperiments(req: SearchExperimentsRequest): Promise<PagedList<Experiment>>;
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;
  deleteExperiment(experimentId: string): Promise<void>;

  createRun(req: CreateRunRequest): Promise<RunInfo>;
  updateRun(runId: string, req: UpdateRunRequest): Promise<RunInfo>;
  getRun(runId: string): Promise<Run>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  searchRuns(req: SearchRunsRequest): Promise<PagedList<Run>>;

  /** Writes one batch. Idempotent for metrics with the same (key, value, timestamp, step). */
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;

  /** Uploads one local file to `<run artifact root>/<artifactPath>/<basename>`. */
  logArtifact(runId: string, localFile: string, artifactPath: string): Promise<void>;
  /** Writes bytes to `<run artifact root>/<artifactFile>` (artifactFile is a relative path with a name). */
  putArtifact(runId: string, artifactFile: string, bytes: Uint8Array): Promise<void>;
  listArtifacts(runId: string, path: string): Promise<FileInfo[]>;
  /** Downloads a file or a directory (recursively) under the run's artifacts into `dstDir`; returns the local path. */
  downloadArtifacts(runId: string, path: string, dstDir: string): Promise<string>;

  /** Uploads a local directory's files (recursively) under an artifact URI, e.g. a logged model's. */
  uploadToArtifactUri(artifactUri: string, localDir: string): Promise<void>;
  /** Downloads `relPath` ('' for all) under an artifact URI into `dstDir`; returns the local path. */
  downloadFromArtifactUri(artifactUri: string, relPath: string, dstDir: string): Promise<string>;

  /**
   * MLflow 3 LoggedModels. A store without them (MLflow 2 servers) answers false and the model
   * layer falls back to run artifacts.
   */
  supportsLoggedModels(): Promise<boolean>;
  createLoggedModel(experimentId: string, opts: CreateLoggedModelOptions): Promise<LoggedModel>;
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  /** Links models to a run as its outputs (`runs/outputs`). */
  logModelOutputs(runId: string, models: Array<{ modelId: string; step: number }>): Promise<void>;
  /** Logged models of the experiments, filtered, ordered and paged as MLflow does. */
  searchLoggedModels(req: SearchLoggedModelsRequest): Promise<PagedList<LoggedModel>>;
  /** Sets (overwrites) tags of a logged model. */
  setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void>;
  /** Deletes one tag of a logged model; NotFoundError when it has none of that key. */
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;

  /** Releases connections and file handles. Idempotent. */
  close(): Promise<void>;
}
