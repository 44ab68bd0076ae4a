import type { FileInfo } from '../entities.js';
import { MlflowServerError } from '../errors.js';
import { validateArtifactPath } from '../validation.js';

/**
 * Bounds on a directory download driven by a server's listings. A hostile or broken server can
 * list a directory as its own child, or "" under every directory, or fan out without end; these
 * stop the walk with a typed error instead of looping (issue 10).
 */
export interface ArtifactWalkLimits {
  /** Directory levels below the requested path. */
  maxDepth: number;
  /** Entries (files and directories) listed in total, across all pages and directories. */
  maxEntries: number;
}

export const DEFAULT_ARTIFACT_WALK_LIMITS: ArtifactWalkLimits = { maxDepth: 64, maxEntries: 250_000 };

/** A listing the walk refuses: the server's answer, not the user's request, is at fault. */
export function invalidListing(message: string): MlflowServerError {
  return new MlflowServerError(200, 'INVALID_RESPONSE', message);
}

export interface ArtifactTreeWalk {
  /** The directory to download, relative to the artifact root ('' for the root). */
  dir: string;
  /** `dir`'s listing when the caller already has it (saves a request). */
  firstListing?: FileInfo[] | undefined;
  /** Lists `dir`'s direct entries, with paths relative to the artifact root. */
  list: (dir: string) => Promise<FileInfo[]>;
  /** Downloads one file (path relative to the artifact root). */
  fetchFile: (path: string) => Promise<void>;
  limits?: ArtifactWalkLimits | undefined;
  /** Applied to server text before it goes into an error message (credentials scrubber). */
  scrub?: ((text: string) => string) | undefined;
}

/**
 * Downloads the tree under `dir`, breadth first, without recursion. Every listed path is checked
 * like a user's (no `..`, no absolute path) and must lie strictly below the directory that listed
 * it; depth and entry count are capped.
 */
export async function walkArtifactTree(walk: ArtifactTreeWalk): Promise<void> {
  const limits = walk.limits ?? DEFAULT_ARTIFACT_WALK_LIMITS;
  const scrub = walk.scrub ?? ((s: string) => s);
  const baseDepth = depthOf(walk.dir);
  const pending = [walk.dir];
  let entries = 0;
  let first = walk.firstListing;
  while (pending.length > 0) {
    const dir = pending.shift()!;
    const listing = first ?? (await walk.list(dir));
    first = undefined;
    for (const entry of listing) {
      const path = checkedChild(dir, entry.path, scrub);
      if (++entries > limits.maxEntries) {
        throw invalidListing(`The artifact listing under '${walk.dir}' has more than ${limits.maxEntries} entries; download stopped.`);
      }
      if (depthOf(path) - baseDepth > limits.maxDepth) {
        throw invalidListing(`The artifact listing under '${walk.dir}' is more than ${limits.maxDepth} directories deep; download stopped.`);
      }
      if (entry.isDir) pending.push(path);
      else await walk.fetchFile(path);
    }
  }
}

/** `path` validated and strictly below `dir`; a server listing anything else is refused. */
export function checkedChild(dir: string, listed: unknown, scrub: (text: string) => string): string {
  const shown = JSON.stringify(scrub(String(listed))).slice(0, 200);
  let path: string;
  try {
    if (typeof listed !== 'string') throw new Error('not a string');
    path = validateArtifactPath(listed);
  } catch {
    throw invalidListing(`The server listed an invalid artifact path ${shown} under '${dir}'.`);
  }
  const prefix = dir ? `${dir}/` : '';
  if (!path.startsWith(prefix) || path.length === prefix.length) {
    throw invalidListing(`The server listed ${shown} under '${dir}', which is not strictly below it; download stopped.`);
  }
  return path;
}

function depthOf(path: string): number {
  return path ? path.split('/').length : 0;
}
