/**
 * runlog's camelCase entities to MLflow's JSON wire shapes (snake_case proto names), the reverse of
 * core's `rest/wire.ts`. Metric values pass through `encodeDouble` so NaN and ±Infinity travel as
 * the strings protobuf's JSON mapping uses (JSON.stringify would write null).
 */
import type { Experiment, FileInfo, LoggedModel, Metric, Run, RunInfo } from '@runlog/core';
import { encodeDouble } from '@runlog/core/internal';

type KeyValue = { key: string; value: string };

function keyValues(record: Readonly<Record<string, string>>): KeyValue[] {
  return Object.keys(record).map((key) => ({ key, value: record[key]! }));
}

export function encodeExperiment(e: Experiment): Record<string, unknown> {
  const out: Record<string, unknown> = {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    tags: keyValues(e.tags),
  };
  if (e.creationTime !== undefined) out.creation_time = e.creationTime;
  if (e.lastUpdateTime !== undefined) out.last_update_time = e.lastUpdateTime;
  return out;
}

export function encodeRunInfo(i: RunInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    run_id: i.runId,
    run_uuid: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    artifact_uri: i.artifactUri,
    lifecycle_stage: i.lifecycleStage,
  };
  if (i.endTime !== undefined) out.end_time = i.endTime;
  return out;
}

/**
 * A run as `runs/get` and `runs/search` answer it. `latest` gives each metric's latest point
 * (timestamp and step too); without it only values are known and timestamp/step are 0.
 */
export function encodeRun(run: Run, latest?: ReadonlyMap<string, Metric>, datasetInputs: unknown[] = []): Record<string, unknown> {
  const modelOutputs = (run.outputs?.modelOutputs ?? []).map((o) => ({ model_id: o.modelId, step: o.step }));
  const metrics = Object.keys(run.data.metrics).map((key) => {
    const point = latest?.get(key);
    return {
      key,
      value: encodeDouble(run.data.metrics[key]!),
      timestamp: point?.timestamp ?? 0,
      step: point?.step ?? 0,
    };
  });
  return {
    info: encodeRunInfo(run.info),
    data: { metrics, params: keyValues(run.data.params), tags: keyValues(run.data.tags) },
    inputs: { dataset_inputs: datasetInputs },
    outputs: modelOutputs.length > 0 ? { model_outputs: modelOutputs } : {},
  };
}

export function encodeMetric(m: Metric): Record<string, unknown> {
  return { key: m.key, value: encodeDouble(m.value), timestamp: m.timestamp, step: m.step };
}

export function encodeFileInfo(f: FileInfo): Record<string, unknown> {
  return f.isDir ? { path: f.path, is_dir: true } : { path: f.path, is_dir: false, file_size: f.fileSize ?? 0 };
}

export function encodeLoggedModel(m: LoggedModel): Record<string, unknown> {
  const info: Record<string, unknown> = {
    model_id: m.modelId,
    experiment_id: m.experimentId,
    name: m.name,
    artifact_uri: m.artifactUri,
    status: m.status,
    tags: keyValues(m.tags),
  };
  if (m.sourceRunId !== undefined) info.source_run_id = m.sourceRunId;
  if (m.modelType !== undefined) info.model_type = m.modelType;
  if (m.creationTimestampMs !== undefined) info.creation_timestamp_ms = m.creationTimestampMs;
  if (m.lastUpdatedTimestampMs !== undefined) info.last_updated_timestamp_ms = m.lastUpdatedTimestampMs;
  if (m.statusMessage !== undefined) info.status_message = m.statusMessage;
  const metrics = (m.metrics ?? []).map((p) => ({ ...encodeMetric(p), ...(p.runId ? { run_id: p.runId } : {}) }));
  return { info, data: { params: keyValues(m.params), metrics } };
}
