import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Experiment, Run } from '../entities.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { listFilesRecursive } from '../fs-walk.js';
import { FileStore } from '../stores/file-store.js';
import { localPathFromUri } from '../stores/local-artifacts.js';

/** Hidden temp files of MLflow's local artifact repository (a write that never finished). */
const ARTIFACT_TEMP_PREFIX = '.artifact.uploading.';
const PAGE_SIZE = 1000;

/** A local run chosen for publishing, with its experiment. */
export interface LocalRun {
  run: Run;
  experiment: Experiment;
}

/**
 * Opens a local `mlruns` directory for reading. Refuses a missing path (NotFoundError) and a
 * directory that holds no MLflow experiment (InvalidArgumentError) before FileStore touches it:
 * FileStore would otherwise create a Default experiment in whatever directory it was given.
 */
export async function openLocalSource(from: string): Promise<FileStore> {
  if (typeof from !== 'string' || from === '') {
    throw new InvalidArgumentError('publishLocalRuns: `from` must be the path or file: URI of an mlruns directory.');
  }
  const dir = localPathFromUri(from);
  if (dir === null) {
    throw new InvalidArgumentError(`publishLocalRuns: \`from\` must be a local path or a file: URI, got ${JSON.stringify(from)}.`);
  }
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new NotFoundError(`No mlruns directory at ${dir}: the path does not exist.`, { cause: err });
    throw err;
  });
  if (!info.isDirectory()) throw new InvalidArgumentError(`${dir} is a file, not an mlruns directory.`);
  if (!(await holdsExperiment(dir))) {
    throw new InvalidArgumentError(
      `${dir} is not an mlruns directory: it holds no experiment folder (<id>/meta.yaml), neither active nor in .trash/.`,
    );
  }
  return new FileStore(dir);
}

async function holdsExperiment(dir: string): Promise<boolean> {
  for (const parent of [dir, join(dir, '.trash')]) {
    const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory() || !/^\d+$/.test(e.name)) continue;
      if (await stat(join(parent, e.name, 'meta.yaml')).then((s) => s.isFile(), () => false)) return true;
    }
  }
  return false;
}

export interface SelectRunsOptions {
  experimentIds?: string[] | undefined;
  runIds?: string[] | undefined;
  includeDeleted: boolean;
}

/**
 * The runs to publish, parents before their children, then by start time. Unknown run or
 * experiment ids are NotFoundErrors; a run id outside the given experiments is an
 * InvalidArgumentError. Deleted runs (or runs of deleted experiments) are returned only with
 * `includeDeleted`; the others come back in `skipped`.
 */
export async function selectLocalRuns(
  store: FileStore,
  opts: SelectRunsOptions,
): Promise<{ runs: LocalRun[]; skipped: LocalRun[] }> {
  const experiments = new Map<string, Experiment>();
  const experimentOf = async (id: string): Promise<Experiment> => {
    let exp = experiments.get(id);
    if (!exp) {
      exp = await store.getExperiment(id).catch((err) => {
        if (err instanceof NotFoundError) throw new NotFoundError(`Experiment ${id} does not exist in ${store.rootDir}.`, { cause: err });
        throw err;
      });
      experiments.set(id, exp);
    }
    return exp;
  };
  const wantedExperiments = opts.experimentIds ? [...new Set(opts.experimentIds.map(String))] : undefined;
  if (wantedExperiments) for (const id of wantedExperiments) await experimentOf(id);

  const chosen: LocalRun[] = [];
  if (opts.runIds) {
    for (const runId of new Set(opts.runIds.map(String))) {
      const run = await store.getRun(runId).catch((err) => {
        if (err instanceof NotFoundError || err instanceof InvalidArgumentError) {
          throw new NotFoundError(`Run ${JSON.stringify(runId)} does not exist in ${store.rootDir}.`, { cause: err });
        }
        throw err;
      });
      if (wantedExperiments && !wantedExperiments.includes(run.info.experimentId)) {
        throw new InvalidArgumentError(
          `Run ${runId} belongs to experiment ${run.info.experimentId}, which is not among experimentIds [${wantedExperiments.join(', ')}].`,
        );
      }
      chosen.push({ run, experiment: await experimentOf(run.info.experimentId) });
    }
  } else {
    const ids = wantedExperiments ?? (await allExperimentIds(store));
    for (const id of ids) {
      const experiment = await experimentOf(id);
      let pageToken: string | undefined;
      do {
        const page = await store.searchRuns({ experimentIds: [id], viewType: 'ALL', maxResults: PAGE_SIZE, pageToken });
        for (const run of page.items) chosen.push({ run, experiment });
        pageToken = page.nextPageToken;
      } while (pageToken);
    }
  }

  const runs: LocalRun[] = [];
  const skipped: LocalRun[] = [];
  for (const r of chosen) {
    const deleted = r.run.info.lifecycleStage === 'deleted' || r.experiment.lifecycleStage === 'deleted';
    (deleted && !opts.includeDeleted ? skipped : runs).push(r);
  }
  return { runs: parentsFirst(runs), skipped };
}

async function allExperimentIds(store: FileStore): Promise<string[]> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.searchExperiments({ viewType: 'ALL', maxResults: PAGE_SIZE, pageToken });
    for (const e of page.items) ids.push(e.experimentId);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return ids;
}

export const PARENT_RUN_TAG = 'mlflow.parentRunId';

/** Orders runs so that a parent (when it is among them) comes before its children; else by start time. */
export function parentsFirst(runs: LocalRun[]): LocalRun[] {
  const byId = new Map(runs.map((r) => [r.run.info.runId, r]));
  const sorted = [...runs].sort(
    (a, b) => a.run.info.startTime - b.run.info.startTime || (a.run.info.runId < b.run.info.runId ? -1 : 1),
  );
  const out: LocalRun[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (r: LocalRun): void => {
    const id = r.run.info.runId;
    if (placed.has(id) || visiting.has(id)) return; // visiting: a parent cycle in corrupt tags; break it
    visiting.add(id);
    const parent = byId.get(r.run.data.tags[PARENT_RUN_TAG] ?? '');
    if (parent) place(parent);
    visiting.delete(id);
    placed.add(id);
    out.push(r);
  };
  for (const r of sorted) place(r);
  return out;
}

/**
 * The local directory holding a run's artifacts: its `file:` artifact URI, or, when that no longer
 * exists (an mlruns directory copied or moved from elsewhere), `<root>/<experiment>/<run>/artifacts`.
 * Null when the run keeps its artifacts in a remote store this machine cannot read.
 */
export async function localArtifactDir(store: FileStore, run: Run): Promise<string | null> {
  const candidates: string[] = [];
  const fromUri = localPathFromUri(run.info.artifactUri);
  if (fromUri !== null) candidates.push(fromUri);
  for (const parent of [store.rootDir, join(store.rootDir, '.trash')]) {
    candidates.push(join(parent, run.info.experimentId, run.info.runId, 'artifacts'));
  }
  for (const dir of candidates) {
    if (await stat(dir).then((s) => s.isDirectory(), () => false)) return dir;
  }
  return fromUri === null ? null : fromUri;
}

/** Artifact files under `dir` as '/'-separated relative paths, sorted, without unfinished temp files. */
export async function listArtifactFiles(dir: string): Promise<string[]> {
  const files = await listFilesRecursive(dir);
  return files.filter((f) => !f.split('/').pop()!.startsWith(ARTIFACT_TEMP_PREFIX)).sort();
}
