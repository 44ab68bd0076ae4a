import type { PagedList } from './entities.js';
import type { ModelVersion, RegisteredModel, VersionLike } from './registry/entities.js';
import { RegistryMethods, type CreateModelVersionOptions, type RegistryClientOptions, type SearchRegistryOptions } from './registry/registry-methods.js';
import type { RegistryStore } from './registry/registry-store.js';
import type { TrackingStore } from './store.js';
import { openRegistryStore } from './store-factory.js';

/** Where RunlogClient's registry comes from: the client's options, resolved lazily. */
export type RegistrySource = RegistryClientOptions & { env: Record<string, string | undefined> };

/**
 * RunlogClient's Model Registry half (issue #6): MlflowClient's registry methods in camelCase,
 * each delegating to RegistryMethods. The registry store is opened on first use from
 * `registryUri`, else MLFLOW_REGISTRY_URI, else the client's tracking URI; arguments are
 * validated first (see RegistryMethods). Versions are strings in results; a number is accepted.
 */
export abstract class RegistryDelegation {
  abstract readonly trackingUri: string;
  abstract readonly store: TrackingStore;
  private registryOpened: { store: RegistryStore; uri: string } | undefined;
  private registryMethods: RegistryMethods | undefined;

  constructor(private readonly registrySource: RegistrySource) {}

  /** Throws ClosedError once the client is closed. */
  protected abstract checkOpen(): void;

  /** The registry's URI (opens the registry store). */
  get registryUri(): string {
    return this.openRegistry().uri;
  }

  /** The registry store in use (opened on first use). */
  get registryStore(): RegistryStore {
    return this.openRegistry().store;
  }

  private openRegistry(): { store: RegistryStore; uri: string } {
    if (this.registryOpened === undefined) {
      const { registryStore, registryUri, env } = this.registrySource;
      this.registryOpened = registryStore
        ? { store: registryStore, uri: registryUri ?? registryStore.displayUri }
        : openRegistryStore({ registryUri, trackingUri: this.trackingUri, trackingStore: unwrapFailover(this.store) }, env);
    }
    return this.registryOpened;
  }

  private get registry(): RegistryMethods {
    this.checkOpen();
    this.registryMethods ??= new RegistryMethods(() => this.openRegistry().store);
    return this.registryMethods;
  }

  /**
   * Closes a registry opened for another server (registryUri): it has its own connections. One on
   * the tracking server shares the tracking store's, and closing it again is harmless.
   */
  protected async closeRegistry(): Promise<void> {
    if (this.registryOpened !== undefined && this.registryOpened.store !== (this.registrySource.registryStore as unknown)) {
      await this.registryOpened.store.close();
    }
  }

  /** Creates a registered model; AlreadyExistsError if the name is taken. */
  createRegisteredModel(name: string, opts?: { tags?: Record<string, unknown>; description?: string }): Promise<RegisteredModel> {
    return this.registry.createRegisteredModel(name, opts);
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.registry.getRegisteredModel(name);
  }

  /** Renames a registered model; its versions, tags and aliases move with it. */
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return this.registry.renameRegisteredModel(name, newName);
  }

  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    return this.registry.updateRegisteredModel(name, description);
  }

  /** Deletes a registered model and all its versions. */
  deleteRegisteredModel(name: string): Promise<void> {
    return this.registry.deleteRegisteredModel(name);
  }

  /** `filter`: `name = / != / LIKE / ILIKE / IN`, `tags.<key> = / != / LIKE / ILIKE`, joined by AND. */
  searchRegisteredModels(opts?: SearchRegistryOptions): Promise<PagedList<RegisteredModel>> {
    return this.registry.searchRegisteredModels(opts);
  }

  setRegisteredModelTag(name: string, key: string, value: unknown): Promise<void> {
    return this.registry.setRegisteredModelTag(name, key, value);
  }

  deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    return this.registry.deleteRegisteredModelTag(name, key);
  }

  /** Creates the next version (max + 1, from 1) of a registered model from `source`. */
  createModelVersion(name: string, source: string, opts?: CreateModelVersionOptions): Promise<ModelVersion> {
    return this.registry.createModelVersion(name, source, opts);
  }

  getModelVersion(name: string, version: VersionLike): Promise<ModelVersion> {
    return this.registry.getModelVersion(name, version);
  }

  updateModelVersion(name: string, version: VersionLike, description: string): Promise<ModelVersion> {
    return this.registry.updateModelVersion(name, version, description);
  }

  /** Deletes a version (its aliases go with it); its number is never reused. */
  deleteModelVersion(name: string, version: VersionLike): Promise<void> {
    return this.registry.deleteModelVersion(name, version);
  }

  /** `filter`: `name`, `run_id`, `source_path`, `version_number`, `tags.<key>`, joined by AND. */
  searchModelVersions(opts?: SearchRegistryOptions): Promise<PagedList<ModelVersion>> {
    return this.registry.searchModelVersions(opts);
  }

  setModelVersionTag(name: string, version: VersionLike, key: string, value: unknown): Promise<void> {
    return this.registry.setModelVersionTag(name, version, key, value);
  }

  deleteModelVersionTag(name: string, version: VersionLike, key: string): Promise<void> {
    return this.registry.deleteModelVersionTag(name, version, key);
  }

  /** Points `alias` at a version (letters, digits, `_`, `-`; not `latest` nor `v<N>`). */
  setRegisteredModelAlias(name: string, alias: string, version: VersionLike): Promise<void> {
    return this.registry.setRegisteredModelAlias(name, alias, version);
  }

  deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    return this.registry.deleteRegisteredModelAlias(name, alias);
  }

  /** NotFoundError for an unknown alias; `latest` gives the highest version. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.registry.getModelVersionByAlias(name, alias);
  }

  /**
   * Moves a version to a stage (None, Staging, Production, Archived; any case). With
   * `archiveExistingVersions` (Staging/Production only) the versions already there become
   * Archived. Stages are deprecated by MLflow in favour of aliases, and still served.
   */
  transitionModelVersionStage(name: string, version: VersionLike, stage: string, archiveExistingVersions = false): Promise<ModelVersion> {
    return this.registry.transitionModelVersionStage(name, version, stage, archiveExistingVersions);
  }

  /** The latest version in each of `stages` (all stages when omitted). */
  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    return this.registry.getLatestVersions(name, stages);
  }

  /** Where the version's files are (an artifact URI). */
  getModelVersionDownloadUri(name: string, version: VersionLike): Promise<string> {
    return this.registry.getModelVersionDownloadUri(name, version);
  }
}

/** The store under a failover store: the registry shares its connections. */
function unwrapFailover(store: TrackingStore): TrackingStore {
  return store.capabilities?.failover?.inner ?? store;
}
