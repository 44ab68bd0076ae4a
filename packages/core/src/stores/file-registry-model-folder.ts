import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AlreadyExistsError, NotFoundError } from '../errors.js';
import { listFilesRecursive } from '../fs-walk.js';
import { isNotFound, META, writeFileAtomic } from './file-store-layout.js';
import { writeRaw } from './file-store-writes.js';
import { parseRegisteredModelMeta, registeredModelYaml, type StoredRegisteredModel } from './file-registry-meta.js';

/**
 * One registered model's folder in MLflow 3.18's file-registry layout:
 *
 *   <root>/models/<name>/meta.yaml, tags/<key>, aliases/<alias> (content: the version)
 *
 * These helpers take paths and take no locks: the caller (FileRegistryStore) validates names and
 * holds the model's lock around every read-modify-write.
 */

/** The folder under the store's root that holds one sub-folder per registered model. */
export const MODELS_FOLDER = 'models';
const TAGS = 'tags';
const ALIASES = 'aliases';

/** `<dir>/tags/<key>`; a key with '/' becomes sub-folders, as MLflow writes it. */
export function tagFile(dir: string, key: string): string {
  return join(dir, TAGS, ...key.split('/'));
}

/** `<modelDir>/aliases/<alias>`. */
export function aliasFile(modelDir: string, alias: string): string {
  return join(modelDir, ALIASES, alias);
}

/** The names of the folders under `<root>/models` (none if it does not exist yet). */
export async function listModelFolderNames(modelsDir: string): Promise<string[]> {
  const entries = await readdir(modelsDir, { withFileTypes: true }).catch((err) => (isNotFound(err) ? [] : Promise.reject(err)));
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/**
 * Creates a model's folder whole: `fill` writes its files into a staging folder (under the store's
 * `.trash`, on the same disk), which is then renamed into place. A crash therefore never leaves a
 * model folder without its meta.yaml, and a name is taken only with its files. AlreadyExistsError
 * if `name` is taken (the rename onto a folder with files in it fails).
 */
export async function createModelFolder(modelDir: string, name: string, fill: (dir: string) => Promise<void>): Promise<void> {
  const staging = join(dirname(dirname(modelDir)), '.trash', `runlog-registry-${randomUUID()}`);
  await mkdir(staging, { recursive: true });
  try {
    await fill(staging);
    await rename(staging, modelDir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') throw new AlreadyExistsError(`Registered Model (name=${name}) already exists.`);
    throw err;
  }
}

/**
 * Moves a model's whole folder (tags, aliases and versions included) to `to` in one rename, which
 * fails if `to` holds a model (AlreadyExistsError). Meta files still carry the old name: the
 * caller rewrites them.
 */
export async function moveModelFolder(from: string, to: string, newName: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') throw new AlreadyExistsError(`Registered Model (name=${newName}) already exists.`);
    throw err;
  }
}

/** The model's meta.yaml, or NotFoundError if the model does not exist. */
export async function readModelMeta(modelDir: string, name: string): Promise<StoredRegisteredModel> {
  const file = join(modelDir, META);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) throw new NotFoundError(`Registered Model with name=${name} not found`);
    throw err;
  }
  return parseRegisteredModelMeta(text, file);
}

/** Writes the model's meta.yaml; `aliases` is the copy of the `aliases/` files MLflow keeps in it. */
export async function writeModelMeta(modelDir: string, stored: StoredRegisteredModel, aliases: Record<string, string>): Promise<void> {
  await writeFileAtomic(join(modelDir, META), registeredModelYaml(stored, aliases));
}

/** Rewrites the model's meta.yaml with `changes` and the current `aliases/` files. */
export async function rewriteModelMeta(modelDir: string, stored: StoredRegisteredModel, changes: Partial<StoredRegisteredModel>): Promise<void> {
  await writeModelMeta(modelDir, { ...stored, ...changes }, await readAliases(modelDir));
}

/** Writes each tag as `<dir>/tags/<key>` (for a model folder or a version folder). */
export async function writeTags(dir: string, tags: Iterable<[string, string]>): Promise<void> {
  for (const [key, value] of tags) await writeRaw(tagFile(dir, key), value, dir);
}

/** The files under `<dir>/tags` as key → value (keys with '/' are sub-folders). */
export async function readTags(dir: string): Promise<Record<string, string>> {
  return readKeyFiles(join(dir, TAGS));
}

/** `<modelDir>/aliases/<alias>` files as alias → version. */
export async function readAliases(modelDir: string): Promise<Record<string, string>> {
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

/** Deletes the aliases that point at `version` (of a version being deleted). */
export async function removeAliasesOf(modelDir: string, version: string): Promise<void> {
  for (const [alias, v] of Object.entries(await readAliases(modelDir))) {
    if (v === version) await removeIfExists(aliasFile(modelDir, alias));
  }
}

/** Deletes a tag or alias file; false if it was not there. */
export async function removeIfExists(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
