/** Registry entities to MLflow's JSON (mlflow/protos/model_registry.proto names). */
import type { ModelVersion, RegisteredModel } from '@runlog/core';

function defined(obj: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k];
  return obj;
}

const keyValues = (r: Readonly<Record<string, string>>) => Object.keys(r).map((key) => ({ key, value: r[key]! }));

export function encodeModelVersion(v: ModelVersion): Record<string, unknown> {
  return defined({
    name: v.name,
    version: v.version,
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    user_id: v.userId,
    current_stage: v.currentStage,
    description: v.description,
    source: v.source,
    run_id: v.runId,
    run_link: v.runLink,
    status: v.status,
    status_message: v.statusMessage,
    tags: keyValues(v.tags),
    aliases: v.aliases,
    model_id: v.modelId,
  });
}

export function encodeRegisteredModel(m: RegisteredModel): Record<string, unknown> {
  return defined({
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    user_id: m.userId,
    description: m.description,
    latest_versions: m.latestVersions.map(encodeModelVersion),
    tags: keyValues(m.tags),
    aliases: Object.keys(m.aliases).map((alias) => ({ alias, version: m.aliases[alias]! })),
  });
}
