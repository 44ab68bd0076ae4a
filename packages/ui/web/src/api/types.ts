// MLflow's JSON shapes as the REST API returns them (only the fields the app reads).

export interface KeyValue {
  key: string;
  value: string;
}

export interface Metric {
  key: string;
  value: number | string;
  timestamp: number | string;
  step?: number | string;
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: RunStatus;
  start_time?: number | string;
  end_time?: number | string;
  artifact_uri?: string;
  lifecycle_stage: 'active' | 'deleted';
}

export interface DatasetInput {
  tags?: KeyValue[];
  dataset: {
    name: string;
    digest: string;
    source_type?: string;
    source?: string;
    schema?: string;
    profile?: string;
  };
}

export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: { dataset_inputs?: DatasetInput[]; model_inputs?: { model_id: string }[] };
  outputs?: { model_outputs?: { model_id: string; step?: number | string }[] };
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time?: number | string;
  last_update_time?: number | string;
  tags?: KeyValue[];
}

export interface ArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: number | string;
}

export interface LoggedModel {
  info: {
    model_id: string;
    name: string;
    experiment_id: string;
    artifact_uri?: string;
    status?: string;
    model_type?: string;
    source_run_id?: string;
    creation_timestamp_ms?: number | string;
  };
}

export interface RegisteredModel {
  name: string;
  creation_timestamp?: number | string;
  last_updated_timestamp?: number | string;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: KeyValue[];
  aliases?: { alias: string; version: string }[];
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number | string;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  aliases?: string[];
  tags?: KeyValue[];
  model_id?: string;
}

/** `GET /runlog-api/v1/info`. */
export interface ServerInfo {
  mode: 'local' | 'server';
  trackingUri: string;
  readOnly: boolean;
  version: string;
}

/** `GET /runlog-api/v1/experiment-keys`. */
export interface ExperimentKeys {
  params: string[];
  metrics: string[];
  tags: string[];
}
