import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@runlog/core';

/**
 * Total bytes of the files under `dir`, recursively, as MLflow's `get_total_file_size` counts
 * them (os.walk: file sizes follow symlinks; symlinked directories are not entered).
 */
export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else {
      try {
        const s = await stat(p);
        if (s.isFile()) total += s.size;
      } catch {
        // a dangling symlink counts for nothing
      }
    }
  }
  return total;
}

/**
 * Makes `path` an existing empty directory for a model. It must not exist or be empty. Returns
 * whether it was created, so a failed save can remove what it made.
 */
export async function prepareEmptyDir(path: string): Promise<boolean> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(path, { recursive: true });
    return true;
  }
  if (!info.isDirectory()) throw new InvalidArgumentError(`Cannot save a model to ${path}: it exists and is not a directory.`);
  if ((await readdir(path)).length > 0) throw new InvalidArgumentError(`Cannot save a model to ${path}: the directory is not empty.`);
  return false;
}

/** Removes `path` if created, else empties it (after a failed save). Never throws. */
export async function undoDir(path: string, created: boolean): Promise<void> {
  try {
    if (created) await rm(path, { recursive: true, force: true });
    else for (const name of await readdir(path)) await rm(join(path, name), { recursive: true, force: true });
  } catch {
    // best effort: the original error matters more
  }
}

export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
