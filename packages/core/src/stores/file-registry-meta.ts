import { CorruptStoreError } from '../errors.js';
import { META_YAML, pyYamlDump, pyYamlLoad, type PyYamlMapping, type PyYamlValue } from '../py/index.js';

/**
 * The meta.yaml files of MLflow 3.18's file registry (mlflow/store/model_registry/file_store.py),
 * written as `yaml.safe_dump` writes them (sorted keys):
 *
 * `models/<name>/meta.yaml`:  aliases ({alias: 'version'}, a copy of the `aliases/` files),
 *   creation_timestamp, deployment_job_id, deployment_job_state, description,
 *   last_updated_timestamp, name, workspace.
 * `models/<name>/version-<n>/meta.yaml`: creation_timestamp, current_stage, deployment_job_state,
 *   description, last_updated_timestamp, model_id, name, run_id, run_link, source, status,
 *   status_message, storage_location, user_id, version (an integer), workspace.
 *
 * Tags live in `tags/<key>` files and aliases in `aliases/<alias>` files, never in meta.yaml's
 * reader view: MLflow overwrites `aliases` from the files on every read. A parsed meta keeps the
 * whole mapping (`raw`), so fields this code does not know survive a rewrite.
 */

export interface StoredRegisteredModel {
  raw: PyYamlMapping;
  name: string;
  creationTimestamp?: number | undefined;
  lastUpdatedTimestamp?: number | undefined;
  description?: string | undefined;
}

export interface StoredModelVersion {
  raw: PyYamlMapping;
  name: string;
  version: number;
  creationTimestamp?: number | undefined;
  lastUpdatedTimestamp?: number | undefined;
  /** A canonical stage, or `Deleted_Internal` for a deleted version. */
  currentStage: string;
  description?: string | undefined;
  source: string;
  runId?: string | undefined;
  runLink?: string | undefined;
  status: string;
  statusMessage?: string | undefined;
  userId?: string | undefined;
  storageLocation?: string | undefined;
  modelId?: string | undefined;
}

const orNull = (v: string | number | undefined): PyYamlValue => (v === undefined ? null : v);

export function registeredModelYaml(m: StoredRegisteredModel, aliases: Record<string, string>): string {
  const aliasMap: PyYamlMapping = {};
  for (const [a, v] of Object.entries(aliases)) aliasMap[a] = v;
  return pyYamlDump({
    deployment_job_id: null,
    deployment_job_state: null,
    workspace: 'default',
    ...m.raw,
    aliases: aliasMap,
    creation_timestamp: orNull(m.creationTimestamp),
    description: orNull(m.description),
    last_updated_timestamp: orNull(m.lastUpdatedTimestamp),
    name: m.name,
  }, META_YAML);
}

export function modelVersionYaml(v: StoredModelVersion): string {
  return pyYamlDump({
    deployment_job_state: null,
    workspace: 'default',
    ...v.raw,
    creation_timestamp: orNull(v.creationTimestamp),
    current_stage: v.currentStage,
    description: orNull(v.description),
    last_updated_timestamp: orNull(v.lastUpdatedTimestamp),
    model_id: orNull(v.modelId),
    name: v.name,
    run_id: orNull(v.runId),
    run_link: orNull(v.runLink),
    source: v.source,
    status: v.status,
    status_message: orNull(v.statusMessage),
    storage_location: orNull(v.storageLocation),
    user_id: orNull(v.userId),
    version: v.version,
  }, META_YAML);
}

function loadMapping(text: string, file: string): PyYamlMapping {
  let d: PyYamlValue;
  try {
    d = pyYamlLoad(text);
  } catch (err) {
    throw new CorruptStoreError(`Cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new CorruptStoreError(`Cannot read ${file}: not a YAML mapping.`);
  return d;
}

function optStr(d: PyYamlMapping, key: string): string | undefined {
  const v = d[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

function reqStr(d: PyYamlMapping, key: string, file: string): string {
  const v = optStr(d, key);
  if (v === undefined) throw new CorruptStoreError(`Cannot read ${file}: '${key}' is missing.`);
  return v;
}

function optInt(d: PyYamlMapping, key: string, file: string): number | undefined {
  const v = d[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  throw new CorruptStoreError(`Cannot read ${file}: '${key}' is not an integer.`);
}

export function parseRegisteredModelMeta(text: string, file: string): StoredRegisteredModel {
  const d = loadMapping(text, file);
  return {
    raw: d,
    name: reqStr(d, 'name', file),
    creationTimestamp: optInt(d, 'creation_timestamp', file),
    lastUpdatedTimestamp: optInt(d, 'last_updated_timestamp', file),
    description: optStr(d, 'description'),
  };
}

export function parseModelVersionMeta(text: string, file: string): StoredModelVersion {
  const d = loadMapping(text, file);
  const version = optInt(d, 'version', file);
  if (version === undefined) throw new CorruptStoreError(`Cannot read ${file}: 'version' is missing.`);
  return {
    raw: d,
    name: reqStr(d, 'name', file),
    version,
    creationTimestamp: optInt(d, 'creation_timestamp', file),
    lastUpdatedTimestamp: optInt(d, 'last_updated_timestamp', file),
    currentStage: optStr(d, 'current_stage') ?? 'None',
    description: optStr(d, 'description'),
    source: optStr(d, 'source') ?? '',
    runId: optStr(d, 'run_id'),
    runLink: optStr(d, 'run_link'),
    status: optStr(d, 'status') ?? 'READY',
    statusMessage: optStr(d, 'status_message'),
    userId: optStr(d, 'user_id'),
    storageLocation: optStr(d, 'storage_location'),
    modelId: optStr(d, 'model_id'),
  };
}
