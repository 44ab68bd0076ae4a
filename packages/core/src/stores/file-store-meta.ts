import type { Experiment, LifecycleStage, RunInfo, RunStatus } from '../entities.js';
import { RUN_STATUS_CODES } from '../entities.js';
import { CorruptStoreError } from '../errors.js';
import { META_YAML, pyYamlDump, pyYamlLoad, type PyYamlMapping, type PyYamlValue } from '../py/index.js';

/**
 * The `meta.yaml` files of MLflow 3.18's FileStore, as `dict(Experiment)` / `dict(RunInfo)` dumped
 * with sorted keys. Experiment tags live in `tags/<key>` files; MLflow also writes them into
 * meta.yaml when it deletes or restores an experiment, and ignores them there on read.
 */

/** An experiment as stored, plus the 3.x fields runlog carries through unchanged. */
export interface StoredExperiment extends Omit<Experiment, 'tags'> {
  workspace: string;
  effectiveTraceArchivalRetention: string | null;
}

export interface StoredRun {
  info: RunInfo;
  /** Set while the run is deleted; MLflow's `mlflow gc --older-than` reads it. */
  deletedTime?: number | undefined;
}

const STATUS_BY_CODE = new Map<number, RunStatus>(
  Object.entries(RUN_STATUS_CODES).map(([name, code]) => [code, name as RunStatus]),
);

export function experimentMetaYaml(exp: StoredExperiment, tags?: Record<string, string>): string {
  const dict: PyYamlMapping = {
    artifact_location: exp.artifactLocation,
    creation_time: exp.creationTime ?? null,
    effective_trace_archival_retention: exp.effectiveTraceArchivalRetention,
    experiment_id: exp.experimentId,
    last_update_time: exp.lastUpdateTime ?? null,
    lifecycle_stage: exp.lifecycleStage,
    name: exp.name,
    trace_location: null,
    workspace: exp.workspace,
  };
  if (tags) dict.tags = { ...tags };
  return pyYamlDump(dict, META_YAML);
}

export function runMetaYaml(run: StoredRun): string {
  const info = run.info;
  const dict: PyYamlMapping = {
    artifact_uri: info.artifactUri,
    end_time: info.endTime ?? null,
    entry_point_name: '',
    experiment_id: info.experimentId,
    lifecycle_stage: info.lifecycleStage,
    run_id: info.runId,
    run_name: info.runName,
    source_name: '',
    source_type: 4,
    source_version: '',
    start_time: info.startTime,
    status: RUN_STATUS_CODES[info.status],
    tags: [],
    user_id: info.userId,
  };
  if (run.deletedTime !== undefined) dict.deleted_time = run.deletedTime;
  return pyYamlDump(dict, META_YAML);
}

function loadMapping(text: string, file: string): PyYamlMapping {
  let data: PyYamlValue;
  try {
    data = pyYamlLoad(text);
  } catch (err) {
    throw new CorruptStoreError(`Cannot parse ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new CorruptStoreError(`Cannot read ${file}: it is empty or not a YAML mapping.`);
  }
  return data;
}

function str(d: PyYamlMapping, key: string, file: string, fallback?: string): string {
  const v = d[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new CorruptStoreError(`Cannot read ${file}: '${key}' is missing.`);
  }
  if (typeof v === 'object') throw new CorruptStoreError(`Cannot read ${file}: '${key}' is not a scalar.`);
  return String(v);
}

function time(d: PyYamlMapping, key: string, file: string): number | undefined {
  const v = d[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  throw new CorruptStoreError(`Cannot read ${file}: '${key}' is not a number of milliseconds.`);
}

function stage(d: PyYamlMapping, file: string): LifecycleStage {
  const v = d.lifecycle_stage ?? 'active';
  if (v !== 'active' && v !== 'deleted') {
    throw new CorruptStoreError(`Cannot read ${file}: unknown lifecycle_stage ${JSON.stringify(v)}.`);
  }
  return v;
}

export function parseExperimentMeta(text: string, file: string): StoredExperiment {
  const d = loadMapping(text, file);
  const retention = d.effective_trace_archival_retention;
  return {
    // Experiment ids were integers in old stores; MLflow reads them as strings.
    experimentId: str(d, 'experiment_id', file),
    name: str(d, 'name', file),
    artifactLocation: str(d, 'artifact_location', file),
    lifecycleStage: stage(d, file),
    creationTime: time(d, 'creation_time', file),
    lastUpdateTime: time(d, 'last_update_time', file),
    workspace: str(d, 'workspace', file, 'default') || 'default',
    effectiveTraceArchivalRetention: typeof retention === 'string' ? retention : null,
  };
}

export function parseRunMeta(text: string, file: string): StoredRun {
  const d = loadMapping(text, file);
  const statusValue = d.status ?? 1;
  const status = STATUS_BY_CODE.get(Number(statusValue));
  if (typeof statusValue !== 'number' || !Number.isInteger(statusValue) || status === undefined) {
    throw new CorruptStoreError(`Cannot read ${file}: unknown run status ${JSON.stringify(String(statusValue))}.`);
  }
  const startTime = time(d, 'start_time', file);
  if (startTime === undefined) throw new CorruptStoreError(`Cannot read ${file}: 'start_time' is missing.`);
  const runId = str(d, 'run_id', file, d.run_uuid === undefined ? undefined : String(d.run_uuid));
  return {
    info: {
      runId,
      runName: str(d, 'run_name', file, ''),
      experimentId: str(d, 'experiment_id', file),
      userId: str(d, 'user_id', file),
      status,
      startTime,
      endTime: time(d, 'end_time', file),
      artifactUri: str(d, 'artifact_uri', file, ''),
      lifecycleStage: stage(d, file),
    },
    deletedTime: time(d, 'deleted_time', file),
  };
}
