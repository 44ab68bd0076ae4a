import { mkdir, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Experiment, RunTag, ViewType } from '../entities.js';
import { NotFoundError } from '../errors.js';
import { appendToUriPath, META, type FileStoreLayout, writeFileAtomic } from './file-store-layout.js';
import { experimentMetaYaml, runMetaYaml, type StoredExperiment } from './file-store-meta.js';
import { mapLimit, readKeyValueDir } from './file-store-runs.js';
import { writeRaw } from './file-store-writes.js';
import type { KeyedMutex } from './keyed-mutex.js';
import { pathToFileUri } from './local-artifacts.js';

/** Experiment folders of MLflow 3.18's FileStore: `meta.yaml` plus `tags/<key>` files. */

const IO_CONCURRENCY = 16;

/** MLflow's `resolve_uri_if_local`: a relative local path or `file:` URI becomes absolute. */
export function resolveLocalUri(uri: string): string {
  if (uri.startsWith('file:')) {
    const path = uri.replace(/^file:(\/\/[^/]*)?/, '');
    return path.startsWith('/') ? uri : `file://${resolve(path)}`;
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri)) return uri;
  return resolve(uri);
}

/**
 * Fills a new experiment folder (already created): tags first and meta.yaml last, so a reader
 * never sees the experiment without its tags. The default artifact location is
 * `file://<root>/<id>`, as MLflow derives it.
 */
export async function writeNewExperiment(
  rootDir: string,
  id: string,
  name: string,
  artifactLocation: string | undefined,
  tags: readonly RunTag[],
  now: number,
): Promise<void> {
  const dir = join(rootDir, id);
  await mkdir(dir, { recursive: true });
  for (const tag of tags) await writeRaw(join(dir, 'tags', ...tag.key.split('/')), tag.value, dir);
  const exp: StoredExperiment = {
    experimentId: id,
    name,
    artifactLocation: artifactLocation ? resolveLocalUri(artifactLocation) : appendToUriPath(pathToFileUri(rootDir), id),
    lifecycleStage: 'active',
    creationTime: now,
    lastUpdateTime: now,
    workspace: 'default',
    effectiveTraceArchivalRetention: null,
  };
  await writeFileAtomic(join(dir, META), experimentMetaYaml(exp));
}

/** An experiment with its tags; null when its folder has no meta.yaml or records another id. */
export async function loadExperiment(layout: FileStoreLayout, dir: string, id: string): Promise<Experiment | null> {
  const stored = await layout.readExperiment(dir, id);
  if (!stored) return null;
  const exp: Experiment = {
    experimentId: stored.experimentId,
    name: stored.name,
    artifactLocation: stored.artifactLocation,
    lifecycleStage: stored.lifecycleStage,
    tags: await readKeyValueDir(join(dir, 'tags')),
  };
  if (stored.creationTime !== undefined) exp.creationTime = stored.creationTime;
  if (stored.lastUpdateTime !== undefined) exp.lastUpdateTime = stored.lastUpdateTime;
  return exp;
}

export async function loadExperiments(layout: FileStoreLayout, view: ViewType): Promise<Experiment[]> {
  const all = await layout.experimentIds(view);
  const found = await mapLimit(all, IO_CONCURRENCY, ({ id, dir }) => loadExperiment(layout, dir, id));
  return found.filter((e) => e !== null);
}

/**
 * MLflow's delete_experiment: its active runs become deleted (with `deleted_time`), its meta.yaml
 * records `lifecycle_stage: deleted`, the deletion time and (as MLflow does) its tags, and the
 * folder moves into `.trash/`.
 */
export async function trashExperiment(layout: FileStoreLayout, locks: KeyedMutex, experimentId: string, now: number): Promise<void> {
  const dir = await layout.experimentDir(experimentId, 'ACTIVE_ONLY');
  if (!dir) throw new NotFoundError(`Could not find experiment with ID ${experimentId}`);
  const stored = await layout.readExperiment(dir, experimentId);
  if (!stored) throw new NotFoundError(`Experiment '${experimentId}' does not exist.`);
  const tags = await readKeyValueDir(join(dir, 'tags'));
  await mapLimit(await layout.runDirsOf(dir), IO_CONCURRENCY, async (runDir) => {
    const run = await layout.readRunMeta(runDir);
    if (!run || run.info.experimentId !== experimentId || run.info.lifecycleStage !== 'active') return;
    const deleted = { info: { ...run.info, lifecycleStage: 'deleted' as const }, deletedTime: now };
    await locks.run(`run:${run.info.runId}`, () => writeFileAtomic(join(runDir, META), runMetaYaml(deleted)));
  });
  await writeFileAtomic(join(dir, META), experimentMetaYaml({ ...stored, lifecycleStage: 'deleted', lastUpdateTime: now }, tags));
  await rename(dir, join(layout.trashDir, experimentId));
}
