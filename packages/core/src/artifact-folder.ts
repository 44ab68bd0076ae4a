import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { InvalidArgumentError } from './errors.js';

/**
 * Name prefixes of artifact files in progress: MLflow's local artifact repository (and runlog's
 * FileStore) writes `.artifact.uploading.*` beside the target, and runlog's downloads write
 * `.runlog-download.*`. Listings skip such names, so an artifact called that way would vanish:
 * they are refused as artifact names.
 */
export const RESERVED_ARTIFACT_PREFIXES: readonly string[] = ['.artifact.uploading.', '.runlog-download.'];

/** Throws InvalidArgumentError when the last segment of `path` uses a reserved prefix. */
export function refuseReservedArtifactName(path: string): void {
  const name = path.split(/[\\/]/).pop() ?? '';
  const prefix = RESERVED_ARTIFACT_PREFIXES.find((p) => name.startsWith(p));
  if (prefix !== undefined) {
    throw new InvalidArgumentError(
      `Invalid artifact file name ${JSON.stringify(path)}: names starting with '${prefix}' are reserved for artifacts in progress.`,
    );
  }
}

/** The files of a folder to log, and what was left out (with the reason, for onError). */
export interface ArtifactFolderListing {
  /** '/'-separated paths relative to the folder, sorted; a symlink's path is read through the link. */
  files: string[];
  skipped: Array<{ path: string; reason: string }>;
}

/**
 * Lists `dir` for logArtifacts. Regular files are listed; a symbolic link to a file is listed too
 * (its target's bytes are uploaded under the link's name) when the target lies inside `dir`, and
 * skipped with a reason otherwise, so that logging a folder never reaches files outside it without
 * saying so. Links to directories are not followed (their files, if inside, are listed already).
 */
export async function listArtifactFolder(dir: string): Promise<ArtifactFolderListing> {
  const root = await realpath(dir);
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files: string[] = [];
  const skipped: ArtifactFolderListing['skipped'] = [];
  for (const e of entries) {
    // Node 20 names the entry's directory `parentPath` (newer) or `path` (20.0-20.11).
    const parent = (e as { parentPath?: string }).parentPath ?? (e as { path?: string }).path ?? dir;
    const full = join(parent, e.name);
    const rel = relative(dir, full).split(sep).join('/');
    if (e.isFile()) {
      files.push(rel);
      continue;
    }
    if (!e.isSymbolicLink()) continue;
    let target: string;
    try {
      target = await realpath(full);
    } catch {
      skipped.push({ path: rel, reason: 'it is a symbolic link whose target does not exist' });
      continue;
    }
    const inside = target === root || target.startsWith(root + sep);
    const info = await stat(target);
    if (info.isDirectory()) {
      skipped.push({ path: rel, reason: 'it is a symbolic link to a directory, which is not followed' });
    } else if (!inside) {
      skipped.push({ path: rel, reason: `it is a symbolic link to ${target}, outside the folder being logged` });
    } else if (info.isFile()) {
      files.push(rel);
    }
  }
  return { files: files.sort(), skipped };
}
