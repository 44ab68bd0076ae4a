/**
 * MLflow's JSON wire format (snake_case proto names) to and from runlog's camelCase entities.
 * Doubles that are not finite travel as the strings "NaN", "Infinity", "-Infinity" (protobuf JSON
 * mapping); JSON.stringify would turn them into null, so every metric value passes through here.
 */
import type { Experiment, FileInfo, LoggedModel, LoggedModelMetric, Metric, Run, RunInfo, RunStatus } from '../entities.js';

export function encodeDouble(v: number): number | string {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

export function decodeDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return Number(v);
}

const num = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v));

export function tagsToRecord(tags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(tags)) for (const t of tags as { key: string; value?: string }[]) out[t.key] = t.value ?? '';
  return out;
}

export function decodeExperiment(e: any): Experiment {
  return {
    experimentId: String(e.experiment_id),
    name: e.name,
    artifactLocation: e.artifact_location ?? '',
    lifecycleStage: e.lifecycle_stage ?? 'active',
    creationTime: num(e.creation_time),
    lastUpdateTime: num(e.last_update_time),
    tags: tagsToRecord(e.tags),
  };
}

export function decodeRunInfo(i: any): RunInfo {
  return {
    runId: i.run_id ?? i.run_uuid,
    runName: i.run_name ?? '',
    experimentId: String(i.experiment_id),
    userId: i.user_id ?? '',
    status: (i.status ?? 'RUNNING') as RunStatus,
    startTime: num(i.start_time) ?? 0,
    endTime: num(i.end_time),
    artifactUri: i.artifact_uri ?? '',
    lifecycleStage: i.lifecycle_stage ?? 'active',
  };
}

export function decodeMetric(m: any): Metric {
  const out: Metric = { key: m.key, value: decodeDouble(m.value), timestamp: Number(m.timestamp ?? 0), step: Number(m.step ?? 0) };
  if (m.model_id) out.modelId = m.model_id;
  if (m.dataset_name) out.datasetName = m.dataset_name;
  if (m.dataset_digest) out.datasetDigest = m.dataset_digest;
  return out;
}

export function decodeRun(r: any): Run {
  const metrics: Record<string, number> = {};
  for (const m of (r.data?.metrics ?? []) as any[]) metrics[m.key] = decodeDouble(m.value);
  const params: Record<string, string> = {};
  for (const p of (r.data?.params ?? []) as any[]) params[p.key] = p.value ?? '';
  const run: Run = { info: decodeRunInfo(r.info), data: { metrics, params, tags: tagsToRecord(r.data?.tags) } };
  // MLflow 3 servers say which models the run produced; MLflow 2 servers send no outputs.
  if (r.outputs !== undefined) {
    run.outputs = {
      modelOutputs: ((r.outputs.model_outputs ?? []) as any[]).map((o) => ({ modelId: String(o.model_id), step: Number(o.step ?? 0) })),
    };
  }
  return run;
}

export function decodeFileInfo(f: any): FileInfo {
  return { path: f.path, isDir: Boolean(f.is_dir), fileSize: f.is_dir ? undefined : num(f.file_size) };
}

export function decodeLoggedModel(m: any): LoggedModel {
  const info = m.info ?? m;
  const params: Record<string, string> = {};
  for (const p of (m.data?.params ?? []) as any[]) params[p.key] = p.value ?? '';
  return {
    modelId: info.model_id,
    experimentId: String(info.experiment_id),
    name: info.name ?? '',
    artifactUri: info.artifact_uri ?? '',
    status: info.status ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED',
    sourceRunId: info.source_run_id || undefined,
    modelType: info.model_type || undefined,
    creationTimestampMs: num(info.creation_timestamp_ms),
    lastUpdatedTimestampMs: num(info.last_updated_timestamp_ms),
    statusMessage: info.status_message || undefined,
    tags: tagsToRecord(info.tags),
    params,
    metrics: ((m.data?.metrics ?? []) as any[]).map((p) => {
      const point: LoggedModelMetric = decodeMetric(p);
      if (p.run_id) point.runId = p.run_id;
      return point;
    }),
  };
}

export function recordToKeyValues(record: Record<string, string> | undefined): Array<{ key: string; value: string }> {
  return Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));
}
