import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ViewType } from '../entities.js';
import { CorruptStoreError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { asStoreWriteError } from './disk-errors.js';
import { parseExperimentMeta, parseRunMeta, type StoredExperiment, type StoredRun } from './file-store-meta.js';

/**
 * Where things live in an `mlruns` directory and how to find them, as MLflow 3.18's FileStore
 * lays them out: `<root>/<experiment id>/` (or `<root>/.trash/<experiment id>/` once deleted),
 * `meta.yaml` and `tags/` in it, and one directory per run holding `meta.yaml`, `metrics/`,
 * `params/`, `tags/` and `artifacts/`.
 */

export const META = 'meta.yaml';
export const TRASH = '.trash';
/** Directories in an experiment that are not runs. */
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces', 'models']);
/** The model registry's FileStore shares the root; MLflow skips its folder. */
const NOT_EXPERIMENTS = new Set([TRASH, 'models']);

const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;

export function validateRunId(runId: string): void {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) {
    throw new InvalidArgumentError(`Invalid value ${JSON.stringify(runId)} for parameter 'run_id' supplied.`);
  }
}

export function validateExperimentId(experimentId: string): void {
  if (typeof experimentId !== 'string' || !EXPERIMENT_ID.test(experimentId)) {
    throw new InvalidArgumentError(`Invalid experiment ID: '${experimentId}'`);
  }
}

export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/**
 * Writes a whole file through a temp file and a rename, so readers see the old or the new bytes,
 * never an empty or half-written file, even if the process is killed. The temp file goes into
 * `tmpDir` (same disk; default the file's folder), named `.runlog-<random>.tmp`. Disk errors
 * become StoreWriteError.
 */
export async function writeFileAtomic(path: string, text: string, tmpDir = dirname(path)): Promise<void> {
  const tmp = join(tmpDir, `.runlog-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw asStoreWriteError(err, path);
  }
}

/**
 * MLflow's `append_to_uri_path`: appends '/'-joined segments to the path of a URI (before any
 * query or fragment) or to a plain path.
 */
export function appendToUriPath(uri: string, ...segments: string[]): string {
  const cut = uri.search(/[?#]/);
  const base = cut === -1 ? uri : uri.slice(0, cut);
  const suffix = cut === -1 ? '' : uri.slice(cut);
  return `${base.replace(/\/+$/, '')}/${segments.join('/')}${suffix}`;
}

export class FileStoreLayout {
  readonly trashDir: string;
  /** runId → run directory, checked on use (a deleted experiment moves its runs). */
  private readonly runDirs = new Map<string, string>();

  constructor(readonly rootDir: string) {
    this.trashDir = join(rootDir, TRASH);
  }

  /** Experiment ids (directory names) for a view: active ones under the root, deleted ones in `.trash`. */
  async experimentIds(view: ViewType): Promise<Array<{ id: string; dir: string }>> {
    const parents: string[] = [];
    if (view !== 'DELETED_ONLY') parents.push(this.rootDir);
    if (view !== 'ACTIVE_ONLY') parents.push(this.trashDir);
    const out: Array<{ id: string; dir: string }> = [];
    for (const parent of parents) {
      const entries = await readdir(parent, { withFileTypes: true }).catch((err) => {
        if (isNotFound(err)) return [];
        throw err;
      });
      for (const e of entries) {
        if (parent === this.rootDir && NOT_EXPERIMENTS.has(e.name)) continue;
        if (e.isDirectory() || (e.isSymbolicLink() && (await isDir(join(parent, e.name))))) {
          out.push({ id: e.name, dir: join(parent, e.name) });
        }
      }
    }
    return out;
  }

  /** The directory of an experiment (active first, then trash), or null. */
  async experimentDir(experimentId: string, view: ViewType = 'ALL'): Promise<string | null> {
    validateExperimentId(experimentId);
    if (view !== 'DELETED_ONLY' && (await isDir(join(this.rootDir, experimentId)))) return join(this.rootDir, experimentId);
    if (view !== 'ACTIVE_ONLY' && (await isDir(join(this.trashDir, experimentId)))) return join(this.trashDir, experimentId);
    return null;
  }

  /**
   * Reads an experiment's meta.yaml. Null when the file is missing or records another id (MLflow
   * skips such folders); CorruptStoreError when it cannot be parsed.
   */
  async readExperiment(dir: string, experimentId: string): Promise<StoredExperiment | null> {
    const file = join(dir, META);
    const text = await readIfExists(file);
    if (text === null) return null;
    const exp = parseExperimentMeta(text, file);
    return exp.experimentId === experimentId ? exp : null;
  }

  /** Run directories of an experiment directory (every sub-directory but the reserved ones). */
  async runDirsOf(experimentDir: string): Promise<string[]> {
    const entries = await readdir(experimentDir, { withFileTypes: true }).catch((err) => {
      if (isNotFound(err)) return [];
      throw err;
    });
    return entries.filter((e) => e.isDirectory() && !RESERVED_EXPERIMENT_FOLDERS.has(e.name)).map((e) => join(experimentDir, e.name));
  }

  /** Reads a run's meta.yaml; null when missing (MLflow skips such folders). */
  async readRunMeta(runDir: string): Promise<StoredRun | null> {
    const file = join(runDir, META);
    const text = await readIfExists(file);
    return text === null ? null : parseRunMeta(text, file);
  }

  /**
   * Finds a run by id in any experiment, active or deleted, as MLflow's `_find_run_root` does: a
   * directory named after the run that has `metrics/`, `params/` and `artifacts/`. Its meta.yaml
   * must record the same run and experiment ids.
   */
  async findRun(runId: string): Promise<{ dir: string; run: StoredRun }> {
    validateRunId(runId);
    const cached = this.runDirs.get(runId);
    if (cached) {
      const run = await this.readRunMeta(cached).catch((err) => (isNotFound(err) ? null : Promise.reject(err)));
      if (run) return { dir: cached, run: this.checkRun(cached, runId, run) };
      this.runDirs.delete(runId);
    }
    for (const { dir: expDir } of await this.experimentIds('ALL')) {
      const dir = join(expDir, runId);
      if (!(await isDir(dir))) continue;
      const structured = await Promise.all(['metrics', 'params', 'artifacts'].map((d) => isDir(join(dir, d))));
      if (!structured.every(Boolean)) continue;
      const run = await this.readRunMeta(dir);
      if (!run) throw new CorruptStoreError(`Run '${runId}' has no ${META} in ${dir}.`);
      this.checkRun(dir, runId, run);
      this.runDirs.set(runId, dir);
      return { dir, run };
    }
    throw new NotFoundError(`Run '${runId}' not found`);
  }

  forgetRun(runId: string): void {
    this.runDirs.delete(runId);
  }

  rememberRun(runId: string, dir: string): void {
    this.runDirs.set(runId, dir);
  }

  private checkRun(dir: string, runId: string, run: StoredRun): StoredRun {
    const expId = basename(join(dir, '..'));
    if (run.info.runId !== runId || run.info.experimentId !== expId) {
      throw new CorruptStoreError(
        `Run '${runId}' metadata is in invalid state: ${join(dir, META)} records run '${run.info.runId}' ` +
          `of experiment '${run.info.experimentId}'.`,
      );
    }
    return run;
  }
}

/** A UTF-8 file's text, or null when it does not exist. */
async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
