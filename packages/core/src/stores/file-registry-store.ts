import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PagedList } from '../entities.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { ACTIVE_STAGES, STAGE_DELETED_INTERNAL, canonicalStage, type ModelVersion, type ModelVersionStage, type RegisteredModel } from '../registry/entities.js';
import { applyModelVersionSearch, applyRegisteredModelSearch } from '../registry/registry-search.js';
import type { CreateModelVersionRequest, RegistrySearchRequest, RegistryStore } from '../registry/registry-store.js';
import { parseVersion, validateAlias, validateAliasNotReserved, validateFileModelName, validateRegistryTag } from '../registry/validation.js';
import { writeNewExperiment } from './file-store-experiments.js';
import { isNotFound } from './file-store-layout.js';
import { writeRaw } from './file-store-writes.js';
import type { StoredModelVersion, StoredRegisteredModel } from './file-registry-meta.js';
import { aliasFile, createModelFolder, listModelFolderNames, MODELS_FOLDER, moveModelFolder } from './file-registry-model-folder.js';
import { readAliases, readModelMeta, readTags, removeAliasesOf, removeIfExists, rewriteModelMeta, tagFile, writeModelMeta, writeTags } from './file-registry-model-folder.js';
import { resolveModelVersionSource, type LoggedModelLookup } from './file-registry-sources.js';
import { archiveOtherVersionsInStage, createVersionFolder, highestVersion, loadLatestVersionPerStage, loadLiveVersions } from './file-registry-versions.js';
import { readLiveVersion, renameVersions, toModelVersion, writeVersionMeta, type NewModelVersion } from './file-registry-versions.js';
import { KeyedMutex } from './keyed-mutex.js';
import { localPathFromUri } from './local-artifacts.js';

export interface FileRegistryStoreOptions {
  /** Clock in epoch milliseconds. Default Date.now. */
  now?: () => number;
  /**
   * Looks up an MLflow 3 LoggedModel for `models:/<model_id>` sources and `modelId` (default: none,
   * such sources are refused). RunlogClient passes its tracking store's getLoggedModel.
   */
  getLoggedModel?: LoggedModelLookup | undefined;
}

/**
 * The model registry of a local `mlruns` directory, in MLflow 3.18's file-registry layout, so
 * Python's `MlflowClient(registry_uri='file:…')` reads what runlog writes and the reverse:
 *
 *   <root>/models/<name>/meta.yaml, tags/<key>, aliases/<alias> (content: the version)
 *   <root>/models/<name>/version-<n>/meta.yaml, version-<n>/tags/<key>
 *
 * Versions are numbered max+1 from 1, counting deleted ones (a deleted version keeps its folder
 * with stage `Deleted_Internal` and is never returned; its aliases are removed). Mutations of one
 * registered model are serialized in this process; `version-<n>` is claimed with an exclusive
 * mkdir, so two processes never get the same number.
 *
 * Deliberate difference: renaming moves the whole folder (tags, aliases, version tags included)
 * and rewrites the names in the meta files; MLflow 3.18 copies meta files only, which loses the
 * model's tags and aliases and fails on versions that have tags.
 *
 * The folder formats live in file-registry-model-folder.ts (a model's meta, tags and aliases),
 * file-registry-versions.ts (its version folders) and file-registry-meta.ts (the meta.yaml files);
 * this class validates input, takes the per-model locks and keeps last-updated times current.
 */
export class FileRegistryStore implements RegistryStore {
  readonly displayUri: string;
  readonly rootDir: string;
  readonly modelsDir: string;
  private readonly now: () => number;
  private readonly getLoggedModel: FileRegistryStoreOptions['getLoggedModel'];
  private readonly locks = new KeyedMutex();
  private init: Promise<void> | undefined;

  constructor(root: string, options: FileRegistryStoreOptions = {}) {
    const dir = localPathFromUri(root);
    if (dir === null) throw new InvalidArgumentError(`FileRegistryStore needs a local path or file: URI, got ${root}`);
    this.displayUri = root;
    this.rootDir = dir;
    this.modelsDir = join(dir, MODELS_FOLDER);
    this.now = options.now ?? Date.now;
    this.getLoggedModel = options.getLoggedModel;
  }

  // ---- registered models ----

  async createRegisteredModel(name: string, opts: { tags?: Record<string, string>; description?: string } = {}): Promise<RegisteredModel> {
    validateFileModelName(name);
    const tags = Object.entries(opts.tags ?? {});
    for (const [k, v] of tags) validateRegistryTag(k, v);
    await this.ready();
    return this.locks.run(name, async () => {
      const dir = this.modelDir(name);
      const time = this.now();
      const stored: StoredRegisteredModel = { raw: {}, name, creationTimestamp: time, lastUpdatedTimestamp: time, description: opts.description };
      await createModelFolder(dir, name, async (staging) => {
        await writeModelMeta(staging, stored, {});
        await writeTags(staging, tags);
      });
      return this.loadRegisteredModel(name);
    });
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    validateFileModelName(name);
    return this.loadRegisteredModel(name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateFileModelName(name);
    validateFileModelName(newName, 'new_name');
    await this.ready();
    if (name === newName) throw new AlreadyExistsError(`Registered Model (name=${newName}) already exists.`);
    const [first, second] = [name, newName].sort();
    return this.locks.run(first!, () =>
      this.locks.run(second!, async () => {
        const stored = await this.readModelMeta(name);
        const to = this.modelDir(newName);
        await moveModelFolder(this.modelDir(name), to, newName);
        const time = this.now();
        await renameVersions(to, newName, time);
        await rewriteModelMeta(to, stored, { name: newName, lastUpdatedTimestamp: time });
        return this.loadRegisteredModel(newName);
      }),
    );
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    validateFileModelName(name);
    await this.locks.run(name, async () => {
      const stored = await this.readModelMeta(name);
      await rewriteModelMeta(this.modelDir(name), stored, { description, lastUpdatedTimestamp: this.now() });
    });
    return this.loadRegisteredModel(name);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    validateFileModelName(name);
    await this.locks.run(name, async () => {
      await this.readModelMeta(name);
      await rm(this.modelDir(name), { recursive: true, force: true });
    });
  }

  async searchRegisteredModels(req: RegistrySearchRequest): Promise<PagedList<RegisteredModel>> {
    const models: RegisteredModel[] = [];
    for (const name of await listModelFolderNames(this.modelsDir)) {
      try {
        models.push(await this.loadRegisteredModel(name));
      } catch (err) {
        // A folder removed (or not yet written) while listing is not a model.
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    return applyRegisteredModelSearch(models, req);
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    validateFileModelName(name);
    validateRegistryTag(key, value);
    await this.locks.run(name, async () => {
      await this.readModelMeta(name);
      await writeRaw(tagFile(this.modelDir(name), key), value, this.modelDir(name));
      await this.touch(name);
    });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateFileModelName(name);
    validateRegistryTag(key, '');
    await this.locks.run(name, async () => {
      await this.readModelMeta(name);
      if (await removeIfExists(tagFile(this.modelDir(name), key))) await this.touch(name);
    });
  }

  // ---- model versions ----

  async createModelVersion(req: CreateModelVersionRequest): Promise<ModelVersion> {
    const { name } = req;
    validateFileModelName(name);
    for (const [k, v] of Object.entries(req.tags ?? {})) validateRegistryTag(k, v);
    if (typeof req.source !== 'string' || req.source === '') throw new InvalidArgumentError("Missing value for required parameter 'source'.");
    const { storageLocation, runId } = await resolveModelVersionSource(req, this, this.getLoggedModel);
    await this.ready();
    const version = await this.locks.run(name, async () => {
      const stored = await this.readModelMeta(name);
      const dir = this.modelDir(name);
      const time = this.now();
      const fields: NewModelVersion = {
        name,
        creationTimestamp: time,
        lastUpdatedTimestamp: time,
        currentStage: 'None',
        description: req.description,
        source: req.source,
        runId,
        runLink: req.runLink,
        status: 'READY',
        storageLocation,
        modelId: req.modelId,
      };
      const next = await createVersionFolder(dir, fields, Object.entries(req.tags ?? {}));
      await rewriteModelMeta(dir, stored, { lastUpdatedTimestamp: time });
      return String(next);
    });
    return this.getModelVersion(name, version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const { dir, stored } = await this.fetchVersion(name, version);
    return toModelVersion(stored, await readTags(dir), await readAliases(this.modelDir(name)));
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    await this.locks.run(name, async () => {
      const { dir, stored } = await this.fetchVersion(name, version);
      await writeVersionMeta(dir, { ...stored, description, lastUpdatedTimestamp: this.now() });
    });
    return this.getModelVersion(name, version);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.locks.run(name, async () => {
      const { dir, stored } = await this.fetchVersion(name, version);
      const time = this.now();
      await writeVersionMeta(dir, { ...stored, currentStage: STAGE_DELETED_INTERNAL, lastUpdatedTimestamp: time });
      await removeAliasesOf(this.modelDir(name), String(stored.version));
      await this.touch(name, time);
    });
  }

  async searchModelVersions(req: RegistrySearchRequest): Promise<PagedList<ModelVersion>> {
    const versions: ModelVersion[] = [];
    for (const name of await listModelFolderNames(this.modelsDir)) versions.push(...(await loadLiveVersions(this.modelDir(name))));
    return applyModelVersionSearch(versions, req);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    validateRegistryTag(key, value);
    await this.locks.run(name, async () => {
      const { dir } = await this.fetchVersion(name, version);
      await writeRaw(tagFile(dir, key), value, dir);
      await this.touch(name);
    });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    validateRegistryTag(key, '');
    await this.locks.run(name, async () => {
      const { dir } = await this.fetchVersion(name, version);
      if (await removeIfExists(tagFile(dir, key))) await this.touch(name);
    });
  }

  // ---- aliases ----

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    validateFileModelName(name);
    validateAlias(alias);
    validateAliasNotReserved(alias);
    await this.locks.run(name, async () => {
      await this.readModelMeta(name);
      const { stored } = await this.fetchVersion(name, version);
      await writeRaw(aliasFile(this.modelDir(name), alias), String(stored.version), this.modelDir(name));
      await this.touch(name);
    });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateFileModelName(name);
    validateAlias(alias);
    await this.locks.run(name, async () => {
      await this.readModelMeta(name);
      if (await removeIfExists(aliasFile(this.modelDir(name), alias))) await this.touch(name);
    });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateFileModelName(name);
    if (typeof alias === 'string' && alias.toLowerCase() === 'latest') {
      const latest = highestVersion(await this.getLatestVersions(name));
      if (!latest) throw new NotFoundError(`Registered Model with name=${name} has no versions`);
      return latest;
    }
    validateAlias(alias);
    await this.readModelMeta(name);
    const version = (await readAliases(this.modelDir(name)))[alias];
    if (version === undefined) throw new NotFoundError(`Registered model alias ${alias} not found.`);
    return this.getModelVersion(name, version);
  }

  // ---- stages (deprecated by MLflow, still served) ----

  async transitionModelVersionStage(name: string, version: string, stage: ModelVersionStage, archiveExistingVersions: boolean): Promise<ModelVersion> {
    const target = canonicalStage(stage);
    if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
      throw new InvalidArgumentError(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. ` +
          `Valid stages are ${ACTIVE_STAGES.join(', ')}`,
      );
    }
    const canonical = parseVersion(version);
    await this.locks.run(name, async () => {
      const { dir, stored } = await this.fetchVersion(name, canonical);
      const time = this.now();
      if (archiveExistingVersions) await archiveOtherVersionsInStage(this.modelDir(name), canonical, target, time);
      await writeVersionMeta(dir, { ...stored, currentStage: target, lastUpdatedTimestamp: time });
      await this.touch(name, time);
    });
    return this.getModelVersion(name, canonical);
  }

  async getLatestVersions(name: string, stages?: ModelVersionStage[]): Promise<ModelVersion[]> {
    validateFileModelName(name);
    await this.readModelMeta(name);
    return loadLatestVersionPerStage(this.modelDir(name), stages);
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const { stored } = await this.fetchVersion(name, version);
    return stored.storageLocation || stored.source;
  }

  async close(): Promise<void> {}

  // ---- internals ----

  /**
   * Creates `<root>/models`; a missing or empty root first gets the Default experiment, as the
   * tracking stores (MLflow's and runlog's) expect of an mlruns directory.
   */
  private ready(): Promise<void> {
    this.init ??= (async () => {
      const entries = await readdir(this.rootDir).catch((err) => (isNotFound(err) ? [] : Promise.reject(err)));
      if (entries.length === 0) await writeNewExperiment(this.rootDir, '0', 'Default', undefined, [], this.now());
      await mkdir(this.modelsDir, { recursive: true });
    })().catch((err) => {
      this.init = undefined;
      throw err;
    });
    return this.init;
  }

  private modelDir(name: string): string {
    validateFileModelName(name);
    return join(this.modelsDir, name);
  }

  private readModelMeta(name: string): Promise<StoredRegisteredModel> {
    return readModelMeta(this.modelDir(name), name);
  }

  private async loadRegisteredModel(name: string): Promise<RegisteredModel> {
    const stored = await this.readModelMeta(name);
    const dir = this.modelDir(name);
    return {
      name: stored.name,
      creationTimestamp: stored.creationTimestamp,
      lastUpdatedTimestamp: stored.lastUpdatedTimestamp,
      description: stored.description,
      latestVersions: await this.getLatestVersions(name),
      tags: await readTags(dir),
      aliases: await readAliases(dir),
    };
  }

  /** A live (not deleted) version, or NotFoundError (also when the model does not exist). */
  private async fetchVersion(name: string, version: string): Promise<{ dir: string; stored: StoredModelVersion }> {
    validateFileModelName(name);
    const v = parseVersion(version);
    await this.readModelMeta(name);
    return readLiveVersion(this.modelDir(name), name, v);
  }

  /** Rewrites the model's meta.yaml with a new last-updated time and the current aliases. Call under the model's lock. */
  private async touch(name: string, time = this.now()): Promise<void> {
    const stored = await this.readModelMeta(name);
    await rewriteModelMeta(this.modelDir(name), stored, { lastUpdatedTimestamp: time });
  }
}
