import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunTag } from './entities.js';

/**
 * The environment a run started in, as run tags. Python MLflow records no interpreter or OS facts
 * on a run (only git and source tags, and a model's conda/requirements files), so these live under
 * runlog's own `runlog.env.` prefix:
 * - runlog.env.node: the Node version (`v20.20.0`);
 * - runlog.env.os: platform, kernel release and architecture (`linux 6.1.0 x64`);
 * - runlog.env.cpuCount: CPUs this process may use;
 * - runlog.version: the runlog version;
 * - runlog.env.frameworks: JSON `{package: version}` of the ML frameworks installed for the entry
 *   script (TF.js, onnxruntime, …), found in its node_modules folders;
 * - runlog.env.lockfile / runlog.env.lockfileDigest: the nearest lockfile above the entry script
 *   and `sha256:<hex>` of its bytes, which pins every dependency version.
 * Nothing here reads environment variables, arguments or file contents beyond the lockfile's hash,
 * so no secret can end up in a tag. Computed once per entry folder (a few small file reads and one
 * hash), so a startRun pays it once per process.
 */

/** Packages reported in runlog.env.frameworks when installed. */
export const FRAMEWORK_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-core',
  'onnxruntime-node',
  'onnxruntime-web',
  '@huggingface/transformers',
  '@xenova/transformers',
  'ml-matrix',
  'brain.js',
] as const;

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'];

const cache = new Map<string, RunTag[]>();

/** The folder the environment is looked up from: the entry script's, else the working directory. */
function baseDir(): string {
  const script = process.argv[1];
  return script ? dirname(script) : process.cwd();
}

export function environmentTags(from: string = baseDir()): RunTag[] {
  const hit = cache.get(from);
  if (hit) return hit;
  const tags: RunTag[] = [
    { key: 'runlog.env.node', value: process.version },
    { key: 'runlog.env.os', value: `${process.platform} ${release()} ${process.arch}` },
    { key: 'runlog.env.cpuCount', value: String(availableParallelism()) },
    { key: 'runlog.version', value: runlogVersion() },
  ];
  const frameworks = installedVersions(from, FRAMEWORK_PACKAGES);
  if (Object.keys(frameworks).length > 0) tags.push({ key: 'runlog.env.frameworks', value: JSON.stringify(frameworks) });
  const lock = nearestLockfile(from);
  if (lock) {
    tags.push({ key: 'runlog.env.lockfile', value: lock.name });
    tags.push({ key: 'runlog.env.lockfileDigest', value: `sha256:${lock.digest}` });
  }
  cache.set(from, tags);
  return tags;
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    out.push(d);
    if (dirname(d) === d) return out;
  }
}

/** Versions of `names` as Node would resolve them from `dir` (the nearest node_modules wins). */
export function installedVersions(dir: string, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const dirs = ancestors(dir);
  for (const name of names) {
    for (const d of dirs) {
      const pkg = join(d, 'node_modules', name, 'package.json');
      if (!existsSync(pkg)) continue;
      try {
        const v = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version;
        if (typeof v === 'string') out[name] = v;
      } catch {
        // an unreadable package.json: not reported
      }
      break;
    }
  }
  return out;
}

/** The nearest lockfile at or above `dir`, with the SHA-256 of its bytes. */
export function nearestLockfile(dir: string): { name: string; path: string; digest: string } | undefined {
  for (const d of ancestors(dir)) {
    for (const name of LOCKFILES) {
      const path = join(d, name);
      if (!existsSync(path)) continue;
      try {
        return { name, path, digest: createHash('sha256').update(readFileSync(path)).digest('hex') };
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

let version: string | undefined;

/** The version of runlog (the packages are versioned together). */
export function runlogVersion(): string {
  if (version) return version;
  try {
    const pkg = new URL('../package.json', import.meta.url);
    version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    version = 'unknown';
  }
  return version;
}
