/**
 * MLflow's registry JSON (snake_case proto names, mlflow/protos/model_registry.proto) to runlog's
 * camelCase entities. Absent proto fields (proto3 JSON omits defaults) become undefined, or the
 * proto default where the entity needs one.
 */
import { tagsToRecord } from '../rest/wire.js';
import type { ModelVersion, ModelVersionStage, ModelVersionStatus, RegisteredModel } from './entities.js';

const num = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));
const str = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : String(v));

export function decodeModelVersion(v: any): ModelVersion {
  return {
    name: String(v.name),
    version: String(v.version),
    creationTimestamp: num(v.creation_timestamp),
    lastUpdatedTimestamp: num(v.last_updated_timestamp),
    userId: str(v.user_id),
    currentStage: (v.current_stage ?? 'None') as ModelVersionStage,
    description: str(v.description),
    source: v.source ?? '',
    runId: str(v.run_id),
    runLink: str(v.run_link),
    status: (v.status ?? 'READY') as ModelVersionStatus,
    statusMessage: str(v.status_message),
    tags: tagsToRecord(v.tags),
    aliases: Array.isArray(v.aliases) ? v.aliases.map(String) : [],
    modelId: str(v.model_id),
  };
}

export function decodeRegisteredModel(m: any): RegisteredModel {
  const aliases: Record<string, string> = {};
  if (Array.isArray(m.aliases)) for (const a of m.aliases as { alias: string; version: unknown }[]) aliases[a.alias] = String(a.version);
  return {
    name: String(m.name),
    creationTimestamp: num(m.creation_timestamp),
    lastUpdatedTimestamp: num(m.last_updated_timestamp),
    userId: str(m.user_id),
    description: str(m.description),
    latestVersions: Array.isArray(m.latest_versions) ? m.latest_versions.map(decodeModelVersion) : [],
    tags: tagsToRecord(m.tags),
    aliases,
  };
}

export function encodeTags(tags: Record<string, string> | undefined): Array<{ key: string; value: string }> | undefined {
  if (tags === undefined) return undefined;
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}
