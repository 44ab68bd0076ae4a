import { randomBytes } from 'node:crypto';
import { constants, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { debug } from '../debug.js';
import { listFilesRecursive } from '../fs-walk.js';
import type { FailoverStore } from './failover-store.js';
import { isTransient } from './server-presence.js';
import { uploadStagedModel, type StagedModelRequest } from './staged-model.js';

/**
 * Artifacts logged while the tracking server is away, kept in the journal session until they can
 * be uploaded: `<session>/artifacts/<seq>/entry.json` plus the files under `<seq>/files/`. An
 * entry is built under a temporary name and renamed into place, so a crash leaves either a whole
 * entry or none; entries are uploaded in the order they were logged (`seq`), after their run
 * exists on the server and before its end is applied, by the logging process when the server
 * answers again or by `runlog sync`. An entry is deleted once uploaded.
 */

export const ARTIFACTS_DIR = 'artifacts';

export interface StagedEntry {
  seq: number;
  /** The run id the caller holds (local while the run is offline). */
  runId: string;
  /** 'files': files/ go under the run's artifact directory `artifactPath`; 'model': a logged model. */
  kind: 'files' | 'model';
  artifactPath: string;
  model?: StagedModelRequest | undefined;
  at: number;
}

/** A staged entry found on disk: its description and where it is. */
export interface StagedOnDisk extends StagedEntry {
  dir: string;
}

const ENTRY_FILE = 'entry.json';
const FILES_DIR = 'files';

/** Entries staged in a session directory, in logging order (synchronous: used at process exit). */
export function listStaged(sessionDir: string): StagedOnDisk[] {
  const root = join(sessionDir, ARTIFACTS_DIR);
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  const out: StagedOnDisk[] = [];
  for (const name of names) {
    const dir = join(root, name);
    try {
      const entry = JSON.parse(readFileSync(join(dir, ENTRY_FILE), 'utf8')) as StagedEntry;
      out.push({ ...entry, dir });
    } catch (err) {
      debug('staged artifact %s unreadable: %s', dir, (err as Error).message);
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

export function countStaged(sessionDir: string): number {
  return listStaged(sessionDir).length;
}

/**
 * Puts a file in the staging area: a hard link for files runlog itself made (a saved model's
 * temp folder, which is deleted afterwards), else a copy — a copy-on-write clone where the file
 * system has them. The user's own files are never hard-linked: a program that rewrites a file in
 * place after logging it (a plot per epoch) would change what gets uploaded later.
 */
async function stageFile(src: string, dst: string, ownFile: boolean): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  if (ownFile) {
    try {
      await link(src, dst);
      return;
    } catch (err) {
      debug('hard link %s: %s; copying', src, (err as Error).message);
    }
  }
  await copyFile(src, dst, constants.COPYFILE_FICLONE);
}

export class ArtifactStager {
  readonly root: string;
  private seq: number;
  /** Entries not yet uploaded, in logging order. */
  private readonly entries: StagedOnDisk[] = [];
  private draining: Promise<boolean> | undefined;

  constructor(
    readonly sessionDir: string,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    this.root = join(sessionDir, ARTIFACTS_DIR);
    this.seq = 0;
  }

  /** Entries waiting: of one run, or of all. */
  pendingFor(runId?: string): number {
    return runId === undefined ? this.entries.length : this.entries.filter((e) => e.runId === runId).length;
  }

  /** Stages `files` (absolute source, relative destination) to go under the run's `artifactPath`. */
  async stageFiles(runId: string, artifactPath: string, files: Array<{ src: string; rel: string }>): Promise<void> {
    await this.stage({ runId, kind: 'files', artifactPath }, async (filesDir) => {
      for (const f of files) await stageFile(f.src, join(filesDir, f.rel), false);
    });
  }

  /** Stages bytes as the file `artifactFile` of the run (logText, logDict). */
  async stageBytes(runId: string, artifactFile: string, bytes: Uint8Array): Promise<void> {
    const dir = posix.dirname(artifactFile) === '.' ? '' : posix.dirname(artifactFile);
    await this.stage({ runId, kind: 'files', artifactPath: dir }, async (filesDir) => {
      await writeFile(join(filesDir, posix.basename(artifactFile)), bytes);
    });
  }

  /** Stages a saved model folder (runlog's own temp folder) to become a logged model of the run. */
  async stageModel(runId: string, localDir: string, model: StagedModelRequest): Promise<void> {
    await this.stage({ runId, kind: 'model', artifactPath: model.name, model }, async (filesDir) => {
      for (const rel of await listFilesRecursive(localDir)) await stageFile(join(localDir, rel), join(filesDir, rel), true);
    });
  }

  private async stage(entry: Omit<StagedEntry, 'seq' | 'at'>, fill: (filesDir: string) => Promise<void>): Promise<void> {
    const seq = ++this.seq;
    mkdirSync(this.root, { recursive: true });
    const tmp = join(this.root, `.staging-${seq}-${randomBytes(4).toString('hex')}`);
    const full: StagedEntry = { ...entry, seq, at: Date.now() };
    try {
      await mkdir(join(tmp, FILES_DIR), { recursive: true });
      await fill(join(tmp, FILES_DIR));
      await writeFile(join(tmp, ENTRY_FILE), JSON.stringify(full));
      const dir = join(this.root, String(seq).padStart(10, '0'));
      await rename(tmp, dir);
      // In logging order (seq), whichever staging finished first.
      const at = this.entries.findIndex((e) => e.seq > seq);
      this.entries.splice(at < 0 ? this.entries.length : at, 0, { ...full, dir });
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Uploads waiting entries in order; stops at the first one the server could not take for lack
   * of a connection (they wait for the next drain). Resolves true when nothing is left.
   */
  drain(store: FailoverStore): Promise<boolean> {
    this.draining ??= (async () => {
      try {
        while (this.entries.length > 0) {
          const entry = this.entries[0]!;
          const outcome = await uploadEntry(entry, store);
          if (outcome === 'later') return false;
          if (outcome instanceof Error) this.onError(outcome);
          this.entries.shift();
        }
        return true;
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }
}

/**
 * Uploads one entry and deletes it: 'done', 'later' (no connection: kept), or the error of a
 * refusal for good (reported; the entry is deleted, as refused records are).
 */
export async function uploadEntry(entry: StagedOnDisk, store: FailoverStore): Promise<'done' | 'later' | Error> {
  const filesDir = join(entry.dir, FILES_DIR);
  try {
    if (entry.kind === 'model') await uploadStagedModel(store, entry.runId, entry.dir, filesDir, entry.model!);
    else {
      for (const rel of (await listFilesRecursive(filesDir)).sort()) {
        const relDir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
        await store.logArtifact(entry.runId, join(filesDir, rel), [entry.artifactPath, relDir].filter(Boolean).join('/'));
      }
    }
  } catch (err) {
    if (isTransient(err)) return 'later';
    await rm(entry.dir, { recursive: true, force: true });
    return new Error(`staged artifact of run ${entry.runId} (${entry.artifactPath || 'root'}) was refused: ${(err as Error).message}`, { cause: err });
  }
  await rm(entry.dir, { recursive: true, force: true });
  return 'done';
}
