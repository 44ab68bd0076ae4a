import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@runlog/core';
import { git, gitInfo, isBranch, type GitInfo } from './git.js';

/** A project ready to run from a local directory. */
export interface FetchedProject {
  /** The directory holding the MLproject (the subdirectory of a clone when `#subdir` was given). */
  dir: string;
  /**
   * The URI as the run records it in `mlflow.source.name`, as `mlflow run` does: for a local
   * folder (no `#`) `file://<work tree>#<path in it>` inside git, else its absolute path; any other
   * URI (a git URL, anything with `#subdir`) as given.
   */
  sourceName: string;
  /** Git facts of `dir` (for a clone: the checked-out version), if it is in a git work tree. */
  git: GitInfo | undefined;
  /** The version checked out, when it is a branch (MLflow tags the run with it). */
  branch: string | undefined;
  /** Removes the temporary clone, if one was made. Idempotent. */
  cleanup(): Promise<void>;
}

/** `uri` without quotes, split at `#` into the repository and its subdirectory. */
export function splitSubdirectory(uri: string): { base: string; subdir: string } {
  const unquoted = unquote(uri);
  const hash = unquoted.indexOf('#');
  const base = hash < 0 ? unquoted : unquoted.slice(0, hash);
  const subdir = hash < 0 ? '' : unquoted.slice(hash + 1);
  if (subdir.includes('.')) throw new InvalidArgumentError("'.' is not allowed in project subdirectory paths.");
  return { base, subdir };
}

function localPath(base: string, cwd: string): string | undefined {
  const path = /^file:\/\//i.test(base) ? fileURLToPath(base) : resolve(cwd, base);
  return existsSync(path) ? path : undefined;
}

/**
 * Makes the project at `uri` available locally. A local folder runs in place (with `version`, it
 * must be a git repository, and the version is checked out in a temporary clone instead);
 * anything else is a git repository URL, cloned into a temporary directory and checked out at
 * `version` (a commit, branch or tag; default: the remote's HEAD). `#subdir` selects a folder in
 * it. Bad input (an unknown version, a missing subdirectory) is an InvalidArgumentError, and the
 * temporary clone is removed before it is thrown.
 */
export async function fetchProject(uri: string, opts: { version?: string | undefined; cwd?: string | undefined } = {}): Promise<FetchedProject> {
  const cwd = opts.cwd ?? process.cwd();
  const { base, subdir } = splitSubdirectory(uri);
  const local = localPath(base, cwd);
  if (local !== undefined && opts.version === undefined) {
    if (!statSync(local).isDirectory()) throw new InvalidArgumentError(`The project ${uri} is not a directory.`);
    const dir = join(local, subdir);
    if (!existsSync(dir)) throw new InvalidArgumentError(`Could not find subdirectory ${subdir} of ${local}`);
    const info = await gitInfo(dir);
    return { dir, sourceName: sourceName(uri, local, info), git: info, branch: undefined, cleanup: async () => {} };
  }
  if (local !== undefined && (await gitInfo(local)) === undefined) {
    throw new InvalidArgumentError('Setting a version is only supported for Git project URIs');
  }
  const repo = local ?? base;
  const temp = await mkdtemp(join(tmpdir(), 'runlog-project-'));
  const cleanup = () => rm(temp, { recursive: true, force: true });
  try {
    const version = opts.version;
    const cloned = await git(['clone', '--quiet', ...(version === undefined ? [] : ['--no-checkout']), '--', repo, temp], cwd);
    if (!cloned.ok) throw new InvalidArgumentError(`Could not clone the git repository ${repo}: ${firstLine(cloned.stderr)}`);
    if (version !== undefined) {
      // A branch name checks out as a local branch tracking the remote's; a tag or commit detaches.
      const checkout = await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', version, '--'], temp);
      if (!checkout.ok) {
        throw new InvalidArgumentError(`Unable to checkout version '${version}' of git repo ${repo} - please ensure that the version exists in the repo.`);
      }
    }
    const submodules = await git(['submodule', 'update', '--init', '--recursive', '--quiet'], temp);
    if (!submodules.ok) throw new InvalidArgumentError(`Could not fetch the submodules of ${repo}: ${firstLine(submodules.stderr)}`);
    const dir = join(temp, subdir);
    if (!existsSync(dir)) throw new InvalidArgumentError(`Could not find subdirectory ${subdir} of ${repo}`);
    const info = await gitInfo(dir);
    const branch = version !== undefined && (await isBranch(temp, version)) ? version : undefined;
    const name = local === undefined ? unquote(uri) : sourceName(uri, local, await gitInfo(local));
    return { dir, sourceName: name, git: info, branch, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function sourceName(uri: string, local: string, info: GitInfo | undefined): string {
  if (unquote(uri).includes('#')) return unquote(uri);
  if (info === undefined) return local;
  const real = realpathSync(local);
  const rel = real.startsWith(info.topLevel) ? real.slice(info.topLevel.length).replace(/^\//, '') : '';
  return `file://${info.topLevel}${rel === '' ? '' : `#${rel}`}`;
}

function unquote(uri: string): string {
  return uri.replace(/^['"]+|['"]+$/g, '');
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'git failed';
}
