import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from '../errors.js';
import {
  MODEL_VERSION_STAGES,
  STAGE_DELETED_INTERNAL,
  canonicalStage,
  type ModelVersion,
  type ModelVersionStage,
  type ModelVersionStatus,
} from '../registry/entities.js';
import { isNotFound, META, writeFileAtomic } from './file-store-layout.js';
import { modelVersionYaml, parseModelVersionMeta, type StoredModelVersion } from './file-registry-meta.js';
import { readAliases, readTags, writeTags } from './file-registry-model-folder.js';

/**
 * The version folders of one registered model in MLflow 3.18's file-registry layout:
 *
 *   <root>/models/<name>/version-<n>/meta.yaml, version-<n>/tags/<key>
 *
 * A deleted version keeps its folder with stage `Deleted_Internal`: it still counts when numbering
 * (see claimNextVersionFolder) but is never returned as a ModelVersion. These helpers take no
 * locks: the caller holds the model's lock around every read-modify-write.
 */

const VERSION_PREFIX = 'version-';

/** `<modelDir>/version-<n>`. */
export function versionDir(modelDir: string, version: number | string): string {
  return join(modelDir, `${VERSION_PREFIX}${version}`);
}

/** Every version folder's meta (deleted ones included); folders without meta.yaml are skipped. */
export async function readVersions(modelDir: string): Promise<StoredModelVersion[]> {
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

/** A live (not deleted) version of model `name` and its folder, or NotFoundError. `version` is canonical. */
export async function readLiveVersion(modelDir: string, name: string, version: string): Promise<{ dir: string; stored: StoredModelVersion }> {
  const dir = versionDir(modelDir, version);
  const file = join(dir, META);
  const text = await readFile(file, 'utf8').catch((err) => (isNotFound(err) ? null : Promise.reject(err)));
  const stored = text === null ? null : parseModelVersionMeta(text, file);
  if (stored === null || stored.currentStage === STAGE_DELETED_INTERNAL) {
    throw new NotFoundError(`Model Version (name=${name}, version=${version}) not found`);
  }
  return { dir, stored };
}

/**
 * Claims the next version number, max+1 from 1 counting deleted versions, by creating its folder
 * with an exclusive mkdir: a number another process took first is skipped, never shared.
 */
async function claimNextVersionFolder(modelDir: string): Promise<number> {
  let next = Math.max(0, ...(await readVersions(modelDir)).map((v) => v.version)) + 1;
  for (;;) {
    try {
      await mkdir(versionDir(modelDir, next));
      return next;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      next++;
    }
  }
}

/** A new version's fields: everything but the number, which createVersionFolder claims. */
export type NewModelVersion = Omit<StoredModelVersion, 'raw' | 'version'>;

/** Claims the next version folder, writes its meta.yaml and tags, and returns its number. */
export async function createVersionFolder(modelDir: string, fields: NewModelVersion, tags: Iterable<[string, string]>): Promise<number> {
  const version = await claimNextVersionFolder(modelDir);
  const dir = versionDir(modelDir, version);
  await writeVersionMeta(dir, { raw: {}, ...fields, version });
  await writeTags(dir, tags);
  return version;
}

/** Rewrites every version's meta.yaml (deleted ones included) with the model's new name. */
export async function renameVersions(modelDir: string, newName: string, time: number): Promise<void> {
  for (const v of await readVersions(modelDir)) {
    await writeVersionMeta(versionDir(modelDir, v.version), { ...v, name: newName, lastUpdatedTimestamp: time });
  }
}

/** Writes `<versionDir>/meta.yaml`. */
export async function writeVersionMeta(dir: string, stored: StoredModelVersion): Promise<void> {
  await writeFileAtomic(join(dir, META), modelVersionYaml(stored));
}

/** Moves every other version that is in `stage` to Archived (for a stage transition that archives). */
export async function archiveOtherVersionsInStage(modelDir: string, keepVersion: string, stage: string, time: number): Promise<void> {
  for (const v of await readVersions(modelDir)) {
    if (String(v.version) !== keepVersion && v.currentStage === stage) {
      await writeVersionMeta(versionDir(modelDir, v.version), { ...v, currentStage: 'Archived', lastUpdatedTimestamp: time });
    }
  }
}

/** Every live version of the model, with its tags and aliases. */
export async function loadLiveVersions(modelDir: string): Promise<ModelVersion[]> {
  const aliases = await readAliases(modelDir);
  const out: ModelVersion[] = [];
  for (const v of await readVersions(modelDir)) {
    if (v.currentStage === STAGE_DELETED_INTERNAL) continue;
    out.push(toModelVersion(v, await readTags(versionDir(modelDir, v.version)), aliases));
  }
  return out;
}

/** The highest version in each of `stages` (all stages when none are given), in stage order. */
export async function loadLatestVersionPerStage(modelDir: string, stages?: ModelVersionStage[]): Promise<ModelVersion[]> {
  const wanted = stages !== undefined && stages.length > 0 ? new Set(stages.map(canonicalStage)) : new Set(MODEL_VERSION_STAGES);
  const best = new Map<string, StoredModelVersion>();
  for (const v of await readVersions(modelDir)) {
    if (!wanted.has(v.currentStage as ModelVersionStage)) continue;
    const cur = best.get(v.currentStage);
    if (cur === undefined || cur.version < v.version) best.set(v.currentStage, v);
  }
  const aliases = await readAliases(modelDir);
  const out: ModelVersion[] = [];
  for (const stage of MODEL_VERSION_STAGES) {
    const v = best.get(stage);
    if (v) out.push(toModelVersion(v, await readTags(versionDir(modelDir, v.version)), aliases));
  }
  return out;
}

/** The version with the highest number, if any. */
export function highestVersion(versions: ModelVersion[]): ModelVersion | undefined {
  return versions.reduce<ModelVersion | undefined>((best, v) => (best === undefined || Number(v.version) > Number(best.version) ? v : best), undefined);
}

/** The public entity of a stored version; `aliases` is the model's alias → version map. */
export function toModelVersion(v: StoredModelVersion, tags: Record<string, string>, aliases: Record<string, string>): ModelVersion {
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
