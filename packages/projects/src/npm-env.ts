import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { InvalidArgumentError } from '@runlog/core';

/** How a project's dependencies are provided: `npm` (an `npm ci` cached per lockfile and Node version) or `local` (what is there). */
export type EnvManager = 'local' | 'npm';

/** Longest an `npm ci` may take before it is killed. */
export const NPM_CI_TIMEOUT_MS = 15 * 60_000;

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];
const READY_MARK = '.runlog-env-ready';

/** The environment a run gets: its identity (recorded as tags) and what the command needs. */
export interface PreparedEnv {
  manager: EnvManager;
  /** `process.versions.node` of the Node that runs the project. */
  nodeVersion: string;
  /** sha256 of the project's lockfile, if it has one. */
  lockfileDigest: string | undefined;
  /** Directories to put first on the command's PATH (the cached environment's `.bin`). */
  pathPrepend: string[];
  /** With npm: the cached environment's directory. */
  envDir: string | undefined;
}

/** The lockfile of the project in `dir`, if any. */
export function findLockfile(dir: string): string | undefined {
  return LOCKFILES.map((f) => join(dir, f)).find((f) => existsSync(f));
}

/** The default env manager: npm when the project has a lockfile, else local. */
export function defaultEnvManager(dir: string): EnvManager {
  return findLockfile(dir) === undefined ? 'local' : 'npm';
}

/** Refuses env managers runlog does not provide, with the ones it does. */
export function checkEnvManager(value: string): EnvManager {
  if (value === 'local' || value === 'npm') return value;
  throw new InvalidArgumentError(`Unsupported env manager '${value}': runlog runs projects with 'npm' or 'local' (Python entry points with 'local').`);
}

/** The cache of npm environments: RUNLOG_PROJECTS_CACHE, else $XDG_CACHE_HOME/runlog/npm-envs, else ~/.cache/runlog/npm-envs. */
export function defaultEnvCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RUNLOG_PROJECTS_CACHE) return resolve(env.RUNLOG_PROJECTS_CACHE);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'runlog', 'npm-envs');
}

/**
 * Provides the environment of the project in `dir`. With `local`, nothing is installed. With
 * `npm`, the project's exact dependencies are installed once with `npm ci` into
 * `<cacheDir>/<lockfile digest>-node<version>` (built in a temporary directory and renamed, so a
 * crash or a concurrent run never leaves a half-built environment in place), and `dir/node_modules`
 * becomes a link to it, unless the project has its own real node_modules (then that one is used,
 * with a warning).
 */
export async function prepareEnv(dir: string, manager: EnvManager, opts: { cacheDir?: string | undefined; timeoutMs?: number } = {}): Promise<PreparedEnv> {
  const nodeVersion = process.versions.node;
  const lockfile = findLockfile(dir);
  const lockfileDigest = lockfile === undefined ? undefined : createHash('sha256').update(readFileSync(lockfile)).digest('hex');
  if (manager === 'local') return { manager, nodeVersion, lockfileDigest, pathPrepend: [], envDir: undefined };
  if (lockfile === undefined || lockfileDigest === undefined) {
    throw new InvalidArgumentError(`--env-manager npm needs a package-lock.json (or npm-shrinkwrap.json) in ${dir}; create one with npm install, or use --env-manager local.`);
  }
  const cacheDir = opts.cacheDir ?? defaultEnvCacheDir();
  const envDir = join(cacheDir, `${lockfileDigest.slice(0, 32)}-node${nodeVersion}`);
  if (!existsSync(join(envDir, READY_MARK))) await buildEnv(dir, lockfile, cacheDir, envDir, opts.timeoutMs ?? NPM_CI_TIMEOUT_MS);
  await linkNodeModules(dir, join(envDir, 'node_modules'), cacheDir);
  return { manager, nodeVersion, lockfileDigest, pathPrepend: [join(envDir, 'node_modules', '.bin')], envDir };
}

async function buildEnv(dir: string, lockfile: string, cacheDir: string, envDir: string, timeoutMs: number): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const building = await mkdtemp(`${envDir}.building-`);
  try {
    await copyFile(join(dir, 'package.json'), join(building, 'package.json'));
    await copyFile(lockfile, join(building, lockfile.slice(lockfile.lastIndexOf('/') + 1)));
    if (existsSync(join(dir, '.npmrc'))) await copyFile(join(dir, '.npmrc'), join(building, '.npmrc'));
    await npmCi(building, timeoutMs);
    // A project without dependencies gets no node_modules from npm ci; the link needs a target.
    await mkdir(join(building, 'node_modules'), { recursive: true });
    await writeFile(join(building, READY_MARK), `${new Date().toISOString()}\n`);
    try {
      await rename(building, envDir);
    } catch (err) {
      // Another run built the same environment meanwhile: theirs is as good as ours.
      if (!existsSync(join(envDir, READY_MARK))) throw err;
    }
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

function npmCi(cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolveCi, reject) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    timer.unref();
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new InvalidArgumentError(`Could not run npm ci: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveCi();
      else reject(new InvalidArgumentError(`npm ci failed (${signal ?? `exit ${code}`}) installing the project's dependencies: ${output.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

async function linkNodeModules(dir: string, target: string, cacheDir: string): Promise<void> {
  const link = join(dir, 'node_modules');
  let stat;
  try {
    stat = lstatSync(link);
  } catch {
    stat = undefined;
  }
  if (stat !== undefined && !stat.isSymbolicLink()) {
    process.emitWarning(`${link} exists; the project runs with it instead of the cached npm environment.`, { code: 'RUNLOG_PROJECT_ENV' });
    return;
  }
  if (stat !== undefined) {
    const current = readlinkSync(link);
    if (current === target) return;
    // Only a link runlog made (into its cache) is replaced.
    if (!resolve(dir, current).startsWith(cacheDir)) {
      process.emitWarning(`${link} links elsewhere; the project runs with it instead of the cached npm environment.`, { code: 'RUNLOG_PROJECT_ENV' });
      return;
    }
  }
  if (stat !== undefined) await unlink(link);
  await symlink(target, link, 'dir');
}

/** PATH with `dirs` first. */
export function prependPath(dirs: readonly string[], path: string | undefined): string {
  return [...dirs, ...(path ? [path] : [])].join(delimiter);
}
