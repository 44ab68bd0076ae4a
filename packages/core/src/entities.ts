/**
 * MLflow's tracking entities in camelCase. Field meanings and units follow MLflow's REST API:
 * every timestamp is Unix epoch milliseconds, ids are strings.
 */

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
/** Whether an experiment or run is deleted (soft-deleted, restorable). */
export type LifecycleStage = 'active' | 'deleted';
/** Which lifecycle stages a search returns. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** MLflow's integer codes for RunStatus, as stored in a FileStore run's meta.yaml. */
export const RUN_STATUS_CODES: Readonly<Record<RunStatus, number>> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};

/** An MLflow experiment. */
export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime?: number;
  lastUpdateTime?: number;
  tags: Record<string, string>;
}

/** A run's metadata: ids, name, status, times and artifact URI. */
export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime?: number | undefined;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

/** One metric point. */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  /** The LoggedModel this point also belongs to (MLflow 3: it shows under the model). */
  modelId?: string | undefined;
  /** The dataset the value was computed on (name and digest, as MLflow's metric fields). */
  datasetName?: string | undefined;
  datasetDigest?: string | undefined;
}

/** One param (values are strings, as MLflow stores them). */
export interface Param {
  key: string;
  value: string;
}

/** One run tag. */
export interface RunTag {
  key: string;
  value: string;
}

/** What a run has logged, as `runs/get` returns it. */
export interface RunData {
  /** Latest value of each metric (highest step, then timestamp, then value), as MLflow's runs/get. */
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

/** A model a run produced (MLflow 3's `LoggedModelOutput`): its id and the step it was logged at. */
export interface LoggedModelOutput {
  modelId: string;
  step: number;
}

/** What a run produced (MLflow 3's `RunOutputs`). */
export interface RunOutputs {
  modelOutputs: LoggedModelOutput[];
}

/** A run: its info and data, and (MLflow 3) the models it produced. */
export interface Run {
  info: RunInfo;
  data: RunData;
  /** Absent when the store did not say (MLflow 2 servers). */
  outputs?: RunOutputs | undefined;
}

/** An artifact file or folder. */
export interface FileInfo {
  /** Path relative to the run's artifact root, with '/' separators. */
  path: string;
  isDir: boolean;
  fileSize?: number | undefined;
}

/** One page of a search; pass `nextPageToken` back for the next page. */
export interface PagedList<T> {
  items: T[];
  nextPageToken?: string | undefined;
}

/** The state of an MLflow 3 LoggedModel. */
export type LoggedModelStatus =
  | 'LOGGED_MODEL_STATUS_UNSPECIFIED'
  | 'LOGGED_MODEL_PENDING'
  | 'LOGGED_MODEL_READY'
  | 'LOGGED_MODEL_UPLOAD_FAILED';

/** An MLflow 3 LoggedModel (`/mlflow/logged-models`). Its files live under `artifactUri`. */
export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  status: LoggedModelStatus;
  sourceRunId?: string | undefined;
  modelType?: string | undefined;
  creationTimestampMs?: number | undefined;
  lastUpdatedTimestampMs?: number | undefined;
  statusMessage?: string | undefined;
  tags: Record<string, string>;
  params: Record<string, string>;
  /**
   * The latest point of each metric logged with this model's id, one per (key, dataset), as
   * MLflow returns them; each carries its `runId`.
   */
  metrics?: LoggedModelMetric[] | undefined;
}

/** A metric point of a LoggedModel: a Metric with the run that logged it. */
export interface LoggedModelMetric extends Metric {
  runId?: string | undefined;
}

/** One ordering of searchLoggedModels (MLflow's `order_by` entries). */
export interface LoggedModelOrderBy {
  /** An attribute (`name`, `creation_timestamp`, `model_id`, `status`, …) or `metrics.<key>`. */
  fieldName: string;
  /** Default true. */
  ascending?: boolean | undefined;
  /** With a metric: only points computed on this dataset count. */
  datasetName?: string | undefined;
  datasetDigest?: string | undefined;
}

/** Options to create an MLflow 3 LoggedModel. */
export interface CreateLoggedModelOptions {
  name: string;
  sourceRunId?: string | undefined;
  modelType?: string | undefined;
  params?: Record<string, string> | undefined;
  tags?: Record<string, string> | undefined;
}
