import type { RunInputs } from './datasets/dataset-input.js';
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

/** A run: its info and data. */
export interface Run {
  info: RunInfo;
  data: RunData;
  /** The datasets the run used (`logInput`); absent from stores that do not keep inputs. */
  inputs?: RunInputs | undefined;
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
  tags: Record<string, string>;
  params: Record<string, string>;
}

/** Options to create an MLflow 3 LoggedModel. */
export interface CreateLoggedModelOptions {
  name: string;
  sourceRunId?: string | undefined;
  modelType?: string | undefined;
  params?: Record<string, string> | undefined;
  tags?: Record<string, string> | undefined;
}
