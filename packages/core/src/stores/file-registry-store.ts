import { mkdir, readdir, readFile, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { PagedList } from '../entities.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { listFilesRecursive } from '../fs-walk.js';
import {
  ACTIVE_STAGES,
  MODEL_VERSION_STAGES,
  STAGE_DELETED_INTERNAL,
  canonicalStage,
  type ModelVersion,
  type ModelVersionStage,
  type ModelVersionStatus,
  type RegisteredModel,
} from '../registry/entities.js';
import { parseModelsUri } from '../registry/models-uri.js';
import { applyModelVersionSearch, applyRegisteredModelSearch } from '../registry/registry-search.js';
import type { CreateModelVersionRequest, RegistrySearchRequest, RegistryStore } from '../registry/registry-store.js';
import { parseVersion, validateAlias, validateAliasNotReserved, validateModelName, validateRegistryTag } from '../registry/validation.js';
import { writeNewExperiment } from './file-store-experiments.js';
import { isNotFound, META, writeFileAtomic } from './file-store-layout.js';
import { writeRaw } from './file-store-writes.js';
import {
  modelVersionYaml,
  parseModelVersionMeta,
  parseRegisteredModelMeta,
  registeredModelYaml,
  type StoredModelVersion,
  type StoredRegisteredModel,
} from './file-registry-meta.js';
import { KeyedMutex } from './keyed-mutex.js';
import { localPathFromUri } from './local-artifacts.js';

export interface FileRegistryStoreOptions {
  /** Clock in epoch milliseconds. Default Date.now. */
  now?: () => number;
  /**
   * Looks up an MLflow 3 LoggedModel for `models:/<model_id>` sources and `modelId` (default: none,
   * such sources are refused). RunlogClient passes its tracking store's getLoggedModel.
   */
  getLoggedModel?: ((modelId: string) => Promise<{ artifactUri: string; sourceRunId?: string | undefined }>) | undefined;
}

const MODELS = 'models';
const TAGS = 'tags';
const ALIASES = 'aliases';
const VERSION_PREFIX = 'version-';

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
    this.modelsDir = join(dir, MODELS);
    this.now = options.now ?? Date.now;
    this.getLoggedModel = options.getLoggedModel;
  }

  // ---- registered models ----

  async createRegisteredModel(name: string, opts: { tags?: Record<string, string>; description?: string } = {}): Promise<RegisteredModel> {
    validateModelName(name);
    const tags = Object.entries(opts.tags ?? {});
    for (const [k, v] of tags) validateRegistryTag(k, v);
    await this.ready();
    return this.locks.run(name, async () => {
      const dir = this.modelDir(name);
      try {
        await mkdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AlreadyExistsError(`Registered Model (name=${name}) already exists.`);
        throw err;
      }
      const time = this.now();
      const stored: StoredRegisteredModel = { raw: {}, name, creationTimestamp: time, lastUpdatedTimestamp: time, description: opts.description };
      await writeFileAtomic(join(dir, META), registeredModelYaml(stored, {}));
      for (const [k, v] of tags) await writeRaw(join(dir, TAGS, ...k.split('/')), v);
      return this.loadRegisteredModel(name);
    });
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    validateModelName(name);
    return this.loadRegisteredModel(name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateModelName(newName, 'new_name');
    await this.ready();
    if (name === newName) throw new AlreadyExistsError(`Registered Model (name=${newName}) already exists.`);
    const [first, second] = [name, newName].sort();
    return this.locks.run(first!, () =>
      this.locks.run(second!, async () => {
        const from = this.modelDir(name);
        const stored = await this.readModelMeta(name);
        const to = this.modelDir(newName);
        try {
          await mkdir(to);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AlreadyExistsError(`Registered Model (name=${newName}) already exists.`);
          throw err;
        }
        try {
          await rename(from, to);
        } catch (err) {
          await rmdir(to).catch(() => undefined);
          throw err;
        }
        const time = this.now();
        for (const v of await this.readVersions(to)) {
          await writeFileAtomic(join(to, `${VERSION_PREFIX}${v.version}`, META), modelVersionYaml({ ...v, name: newName, lastUpdatedTimestamp: time }));
        }
        await writeFileAtomic(join(to, META), registeredModelYaml({ ...stored, name: newName, lastUpdatedTimestamp: time }, await readAliases(to)));
        return this.loadRegisteredModel(newName);
      }),
    );
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    validateModelName(name);
    await this.locks.run(name, async () => {
      const stored = await this.readModelMeta(name);
      const dir = this.modelDir(name);
      await writeFileAtomic(join(dir, META), registeredModelYaml({ ...stored, description, lastUpdatedTimestamp: this.now() }, await readAliases(dir)));
    });
    return this.loadRegisteredModel(name);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    validateModelName(name);
    await this.locks.run(name, async () => {
      await this.readModelMeta(name);
      await rm(this.modelDir(name), { recursive: true, force: true });
    });
  }

  async searchRegisteredModels(req: RegistrySearchRequest): Promise<PagedList<RegisteredModel>> {
    const models: RegisteredModel[] = [];
    for (const name of await this.modelNames()) {
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
    validateModelName(name);
    validateRegistryTag(key, value);
    await this.locks.run(name, async () => {
      await this.readModelMeta(name);
      await writeRaw(join(this.modelDir(name), TAGS, ...key.split('/')), value);
      await this.touch(name);
    });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    validateRegistryTag(key, '');
    await this.locks.run(name, async () => {
      await this.readModelMeta(name);
      if (await removeIfExists(join(this.modelDir(name), TAGS, ...key.split('/')))) await this.touch(name);
    });
  }

  // ---- model versions ----

  async createModelVersion(req: CreateModelVersionRequest): Promise<ModelVersion> {
    const { name } = req;
    validateModelName(name);
    for (const [k, v] of Object.entries(req.tags ?? {})) validateRegistryTag(k, v);
    if (typeof req.source !== 'string' || req.source === '') throw new InvalidArgumentError("Missing value for required parameter 'source'.");
    let storageLocation = req.source;
    let runId = req.runId || undefined;
    if (/^models:/i.test(req.source)) {
      const ref = parseModelsUri(req.source);
      try {
        if (ref.kind === 'logged-model') {
          const lm = await this.loggedModel(ref.modelId);
          storageLocation = lm.artifactUri;
          runId ??= lm.sourceRunId;
        } else {
          const mv = await this.resolveRef(ref);
          storageLocation = await this.getModelVersionDownloadUri(mv.name, mv.version);
        }
      } catch (err) {
        throw new InvalidArgumentError(`Unable to fetch model from model URI source artifact location '${req.source}'. Error: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    if (!runId && req.modelId) runId = (await this.loggedModel(req.modelId)).sourceRunId;
    await this.ready();
    const version = await this.locks.run(name, async () => {
      const stored = await this.readModelMeta(name);
      const dir = this.modelDir(name);
      let next = Math.max(0, ...(await this.readVersions(dir)).map((v) => v.version)) + 1;
      for (;;) {
        try {
          await mkdir(join(dir, `${VERSION_PREFIX}${next}`));
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          next++;
        }
      }
      const time = this.now();
      const mv: StoredModelVersion = {
        raw: {},
        name,
        version: next,
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
      const vdir = join(dir, `${VERSION_PREFIX}${next}`);
      await writeFileAtomic(join(vdir, META), modelVersionYaml(mv));
      for (const [k, v] of Object.entries(req.tags ?? {})) await writeRaw(join(vdir, TAGS, ...k.split('/')), v);
      await writeFileAtomic(join(dir, META), registeredModelYaml({ ...stored, lastUpdatedTimestamp: time }, await readAliases(dir)));
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
      await writeFileAtomic(join(dir, META), modelVersionYaml({ ...stored, description, lastUpdatedTimestamp: this.now() }));
    });
    return this.getModelVersion(name, version);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.locks.run(name, async () => {
      const { dir, stored } = await this.fetchVersion(name, version);
      const time = this.now();
      await writeFileAtomic(join(dir, META), modelVersionYaml({ ...stored, currentStage: STAGE_DELETED_INTERNAL, lastUpdatedTimestamp: time }));
      const modelDir = this.modelDir(name);
      for (const [alias, v] of Object.entries(await readAliases(modelDir))) {
        if (v === String(stored.version)) await removeIfExists(join(modelDir, ALIASES, alias));
      }
      await this.touch(name, time);
    });
  }

  async searchModelVersions(req: RegistrySearchRequest): Promise<PagedList<ModelVersion>> {
    const versions: ModelVersion[] = [];
    for (const name of await this.modelNames()) {
      const dir = this.modelDir(name);
      const aliases = await readAliases(dir);
      for (const v of await this.readVersions(dir)) {
        if (v.currentStage === STAGE_DELETED_INTERNAL) continue;
        versions.push(toModelVersion(v, await readTags(join(dir, `${VERSION_PREFIX}${v.version}`)), aliases));
      }
    }
    return applyModelVersionSearch(versions, req);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    validateRegistryTag(key, value);
    await this.locks.run(name, async () => {
      const { dir } = await this.fetchVersion(name, version);
      await writeRaw(join(dir, TAGS, ...key.split('/')), value);
      await this.touch(name);
    });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    validateRegistryTag(key, '');
    await this.locks.run(name, async () => {
      const { dir } = await this.fetchVersion(name, version);
      if (await removeIfExists(join(dir, TAGS, ...key.split('/')))) await this.touch(name);
    });
  }

  // ---- aliases ----

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    validateAliasNotReserved(alias);
    await this.locks.run(name, async () => {
      await this.readModelMeta(name);
      const { stored } = await this.fetchVersion(name, version);
      await writeRaw(join(this.modelDir(name), ALIASES, alias), String(stored.version));
      await this.touch(name);
    });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    await this.locks.run(name, async () => {
      await this.readModelMeta(name);
      if (await removeIfExists(join(this.modelDir(name), ALIASES, alias))) await this.touch(name);
    });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    if (typeof alias === 'string' && alias.toLowerCase() === 'latest') {
      const latest = highest(await this.getLatestVersions(name));
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
      if (archiveExistingVersions) {
        const modelDir = this.modelDir(name);
        for (const v of await this.readVersions(modelDir)) {
          if (String(v.version) !== canonical && v.currentStage === target) {
            await writeFileAtomic(join(modelDir, `${VERSION_PREFIX}${v.version}`, META), modelVersionYaml({ ...v, currentStage: 'Archived', lastUpdatedTimestamp: time }));
          }
        }
      }
      await writeFileAtomic(join(dir, META), modelVersionYaml({ ...stored, currentStage: target, lastUpdatedTimestamp: time }));
      await this.touch(name, time);
    });
    return this.getModelVersion(name, canonical);
  }

  async getLatestVersions(name: string, stages?: ModelVersionStage[]): Promise<ModelVersion[]> {
    validateModelName(name);
    await this.readModelMeta(name);
    const dir = this.modelDir(name);
    const wanted = stages !== undefined && stages.length > 0 ? new Set(stages.map(canonicalStage)) : new Set(MODEL_VERSION_STAGES);
    const best = new Map<string, StoredModelVersion>();
    for (const v of await this.readVersions(dir)) {
      if (!wanted.has(v.currentStage as ModelVersionStage)) continue;
      const cur = best.get(v.currentStage);
      if (cur === undefined || cur.version < v.version) best.set(v.currentStage, v);
    }
    const aliases = await readAliases(dir);
    const out: ModelVersion[] = [];
    for (const stage of MODEL_VERSION_STAGES) {
      const v = best.get(stage);
      if (v) out.push(toModelVersion(v, await readTags(join(dir, `${VERSION_PREFIX}${v.version}`)), aliases));
    }
    return out;
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
    validateModelName(name);
    return join(this.modelsDir, name);
  }

  private async modelNames(): Promise<string[]> {
    const entries = await readdir(this.modelsDir, { withFileTypes: true }).catch((err) => (isNotFound(err) ? [] : Promise.reject(err)));
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }

  private async readModelMeta(name: string): Promise<StoredRegisteredModel> {
    const file = join(this.modelDir(name), META);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`Registered Model with name=${name} not found`);
      throw err;
    }
    return parseRegisteredModelMeta(text, file);
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

  /** Every version folder's meta (deleted ones included); folders without meta.yaml are skipped. */
  private async readVersions(modelDir: string): Promise<StoredModelVersion[]> {
    const entries = await readdir(modelDir, { withFileTypes: true }).catch((err) => (isNotFound(err) ? [] : Promise.reject(err)));
    const out: StoredModelVersion[] = [];
    for (const e of entries) {
      if (!e.isDirectory() || !e.name.startsWith(VERSION_PREFIX)) continue;
      const file = join(modelDir, e.name, META);
      const text = await readFile(file, 'utf8').catch((err) => (isNotFound(err) ? null : Promise.reject(err)));
      if (text !== null) out.push(parseModelVersionMeta(text, file));
    }
    return out;
  }

  /** A live (not deleted) version, or NotFoundError. */
  private async fetchVersion(name: string, version: string): Promise<{ dir: string; stored: StoredModelVersion }> {
    validateModelName(name);
    const v = parseVersion(version);
    await this.readModelMeta(name);
    const dir = join(this.modelDir(name), `${VERSION_PREFIX}${v}`);
    const file = join(dir, META);
    const text = await readFile(file, 'utf8').catch((err) => (isNotFound(err) ? null : Promise.reject(err)));
    const stored = text === null ? null : parseModelVersionMeta(text, file);
    if (stored === null || stored.currentStage === STAGE_DELETED_INTERNAL) {
      throw new NotFoundError(`Model Version (name=${name}, version=${v}) not found`);
    }
    return { dir, stored };
  }

  /** Rewrites the model's meta.yaml with a new last-updated time and the current aliases. Call under the model's lock. */
  private async touch(name: string, time = this.now()): Promise<void> {
    const stored = await this.readModelMeta(name);
    const dir = this.modelDir(name);
    await writeFileAtomic(join(dir, META), registeredModelYaml({ ...stored, lastUpdatedTimestamp: time }, await readAliases(dir)));
  }

  private async resolveRef(ref: Exclude<ReturnType<typeof parseModelsUri>, { kind: 'logged-model' }>): Promise<ModelVersion> {
    switch (ref.kind) {
      case 'version':
        return this.getModelVersion(ref.name, ref.version);
      case 'alias':
        return this.getModelVersionByAlias(ref.name, ref.alias);
      case 'latest': {
        const v = highest(await this.getLatestVersions(ref.name));
        if (!v) throw new NotFoundError(`No versions of model with name '${ref.name}' found`);
        return v;
      }
      case 'stage': {
        const v = highest(await this.getLatestVersions(ref.name, [canonicalStage(ref.stage)]));
        if (!v) throw new NotFoundError(`No versions of model with name '${ref.name}' and stage '${ref.stage}' found`);
        return v;
      }
    }
  }

  private async loggedModel(modelId: string): Promise<{ artifactUri: string; sourceRunId?: string | undefined }> {
    if (!this.getLoggedModel) throw new NotFoundError(`Logged model '${modelId}' not found: this registry has no tracking store to look it up in.`);
    return this.getLoggedModel(modelId);
  }
}

function highest(versions: ModelVersion[]): ModelVersion | undefined {
  return versions.reduce<ModelVersion | undefined>((best, v) => (best === undefined || Number(v.version) > Number(best.version) ? v : best), undefined);
}

function toModelVersion(v: StoredModelVersion, tags: Record<string, string>, aliases: Record<string, string>): ModelVersion {
  const version = String(v.version);
  return {
    name: v.name,
    version,
    creationTimestamp: v.creationTimestamp,
    lastUpdatedTimestamp: v.lastUpdatedTimestamp,
    userId: v.userId,
    currentStage: v.currentStage as ModelVersionStage,
    description: v.description,
    source: v.source,
    runId: v.runId,
    runLink: v.runLink,
    status: v.status as ModelVersionStatus,
    statusMessage: v.statusMessage,
    tags,
    aliases: Object.keys(aliases)
      .filter((a) => aliases[a] === version)
      .sort(),
    modelId: v.modelId,
  };
}

/** The files under `<dir>/tags` as key → value (keys with '/' are sub-folders). */
async function readTags(dir: string): Promise<Record<string, string>> {
  return readKeyFiles(join(dir, TAGS));
}

/** `<modelDir>/aliases/<alias>` files as alias → version. */
async function readAliases(modelDir: string): Promise<Record<string, string>> {
  const raw = await readKeyFiles(join(modelDir, ALIASES));
  for (const k of Object.keys(raw)) raw[k] = raw[k]!.trim();
  return raw;
}

async function readKeyFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of (await listFilesRecursive(dir)).sort()) {
    const text = await readFile(join(dir, ...rel.split('/')), 'utf8').catch((err) => (isNotFound(err) ? null : Promise.reject(err)));
    if (text !== null) out[rel] = text;
  }
  return out;
}

async function removeIfExists(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
