import type { PagedList } from '../entities.js';
import { InvalidArgumentError } from '../errors.js';
import type { RegistryStore } from './registry-store.js';
import { ACTIVE_STAGES, canonicalStage, type ModelVersion, type ModelVersionStage, type RegisteredModel, type VersionLike } from './entities.js';
import { parseVersion, validateAlias, validateAliasNotReserved, validateModelName, validateRegistryTag } from './validation.js';

export interface RegistryClientOptions {
  /** Model registry URI (a path, `file:` URI or MLflow server). Default: MLFLOW_REGISTRY_URI, else the tracking URI. */
  registryUri?: string | undefined;
  /** Use this registry store instead of opening one. */
  registryStore?: RegistryStore | undefined;
}

export interface SearchRegistryOptions {
  /** MLflow's registry filter, e.g. `name LIKE 'iris%'`, `tags.team = 'ml'`, `run_id = '…'`. */
  filter?: string | undefined;
  /** Default 100 for registered models (at most 1000), 10,000 for versions (at most 200,000). */
  maxResults?: number | undefined;
  orderBy?: string[] | undefined;
  pageToken?: string | undefined;
}

export interface CreateModelVersionOptions {
  runId?: string | undefined;
  tags?: Record<string, unknown> | undefined;
  runLink?: string | undefined;
  description?: string | undefined;
  /** MLflow 3: the LoggedModel (`m-…`) this version is promoted from. */
  modelId?: string | undefined;
  /**
   * How long to wait for a version a server reports PENDING_REGISTRATION to become READY
   * (default 300,000 ms, as MLflow; 0 does not wait). OSS registries create versions READY.
   */
  awaitCreationForMs?: number | undefined;
  /** Poll interval while waiting (default 1000 ms). */
  pollIntervalMs?: number | undefined;
}

/** Tag values are stored as strings; non-strings become what MLflow's client makes of them (str()). */
function tagValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function tagRecord(tags: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (tags === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    const value = tagValue(v);
    validateRegistryTag(k, value);
    out[k] = value;
  }
  return out;
}

function description(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidArgumentError('A description must be a string.');
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Every method is async: bad input rejects, never throws synchronously.
 *
 * The registry operations behind RunlogClient's registry methods (MlflowClient's names in
 * camelCase): arguments are validated with MLflow's rules here, before any request or write, so
 * both stores refuse bad input the same way with an InvalidArgumentError.
 */
export class RegistryMethods {
  constructor(private readonly store: () => RegistryStore) {}

  async createRegisteredModel(name: string, opts: { tags?: Record<string, unknown> | undefined; description?: string | undefined } = {}): Promise<RegisteredModel> {
    validateModelName(name);
    const tags = tagRecord(opts.tags);
    return this.store().createRegisteredModel(name, {
      ...(tags ? { tags } : {}),
      ...(opts.description !== undefined ? { description: description(opts.description) } : {}),
    });
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    validateModelName(name);
    return this.store().getRegisteredModel(name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateModelName(newName, 'new_name');
    return this.store().renameRegisteredModel(name, newName);
  }

  async updateRegisteredModel(name: string, desc: string): Promise<RegisteredModel> {
    validateModelName(name);
    return this.store().updateRegisteredModel(name, description(desc));
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    validateModelName(name);
    return this.store().deleteRegisteredModel(name);
  }

  async searchRegisteredModels(opts: SearchRegistryOptions = {}): Promise<PagedList<RegisteredModel>> {
    return this.store().searchRegisteredModels(opts);
  }

  async setRegisteredModelTag(name: string, key: string, value: unknown): Promise<void> {
    validateModelName(name);
    const v = tagValue(value);
    validateRegistryTag(key, v);
    return this.store().setRegisteredModelTag(name, key, v);
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    validateRegistryTag(key, '');
    return this.store().deleteRegisteredModelTag(name, key);
  }

  async createModelVersion(name: string, source: string, opts: CreateModelVersionOptions = {}): Promise<ModelVersion> {
    validateModelName(name);
    if (typeof source !== 'string' || source.trim() === '') throw new InvalidArgumentError('createModelVersion: a source URI is required.');
    const tags = tagRecord(opts.tags);
    const store = this.store();
    let mv = await store.createModelVersion({
      name,
      source,
      runId: opts.runId,
      tags,
      runLink: opts.runLink,
      description: opts.description,
      modelId: opts.modelId,
    });
    const deadline = Date.now() + (opts.awaitCreationForMs ?? 300_000);
    while (mv.status === 'PENDING_REGISTRATION' && Date.now() < deadline) {
      await sleep(opts.pollIntervalMs ?? 1000);
      mv = await store.getModelVersion(name, mv.version);
    }
    return mv;
  }

  async getModelVersion(name: string, version: VersionLike): Promise<ModelVersion> {
    validateModelName(name);
    return this.store().getModelVersion(name, parseVersion(version));
  }

  async updateModelVersion(name: string, version: VersionLike, desc: string): Promise<ModelVersion> {
    validateModelName(name);
    return this.store().updateModelVersion(name, parseVersion(version), description(desc));
  }

  async deleteModelVersion(name: string, version: VersionLike): Promise<void> {
    validateModelName(name);
    return this.store().deleteModelVersion(name, parseVersion(version));
  }

  async searchModelVersions(opts: SearchRegistryOptions = {}): Promise<PagedList<ModelVersion>> {
    return this.store().searchModelVersions(opts);
  }

  async setModelVersionTag(name: string, version: VersionLike, key: string, value: unknown): Promise<void> {
    validateModelName(name);
    const v = tagValue(value);
    validateRegistryTag(key, v);
    return this.store().setModelVersionTag(name, parseVersion(version), key, v);
  }

  async deleteModelVersionTag(name: string, version: VersionLike, key: string): Promise<void> {
    validateModelName(name);
    validateRegistryTag(key, '');
    return this.store().deleteModelVersionTag(name, parseVersion(version), key);
  }

  async setRegisteredModelAlias(name: string, alias: string, version: VersionLike): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    validateAliasNotReserved(alias);
    return this.store().setRegisteredModelAlias(name, alias, parseVersion(version));
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    return this.store().deleteRegisteredModelAlias(name, alias);
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    validateAlias(alias);
    return this.store().getModelVersionByAlias(name, alias);
  }

  async transitionModelVersionStage(name: string, version: VersionLike, stage: string, archiveExistingVersions = false): Promise<ModelVersion> {
    validateModelName(name);
    const target = canonicalStage(stage);
    if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
      throw new InvalidArgumentError(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. ` +
          `Valid stages are ${ACTIVE_STAGES.join(', ')}`,
      );
    }
    return this.store().transitionModelVersionStage(name, parseVersion(version), target, archiveExistingVersions === true);
  }

  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    validateModelName(name);
    const canonical: ModelVersionStage[] | undefined = stages?.map(canonicalStage);
    return this.store().getLatestVersions(name, canonical);
  }

  async getModelVersionDownloadUri(name: string, version: VersionLike): Promise<string> {
    validateModelName(name);
    return this.store().getModelVersionDownloadUri(name, parseVersion(version));
  }
}
