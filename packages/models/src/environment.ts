import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MLFLOW_FORMAT_VERSION } from './mlmodel.js';
import { pyYamlDump } from '@runlog/core/internal';

/**
 * A model's environment files.
 *
 * Node — `node_env.json`, runlog's own file (MLflow ignores it):
 * ```json
 * {
 *   "format": "runlog.node_env",
 *   "format_version": 1,
 *   "node": "20.19.0",                      // process.versions.node of the writer
 *   "platform": "linux", "arch": "x64",      // process.platform / process.arch
 *   "packages": { "@runlog/models": "0.1.0", "onnxruntime-node": "1.22.0" },
 *   "package_lock_sha256": "…" | null        // sha256 of the nearest package-lock.json, if any
 * }
 * ```
 * `packages` holds the exact installed versions of what the flavor needs to load the model (read
 * from `node_modules/<name>/package.json` when the flavor gives no exact version), sorted by name.
 *
 * Python — written only when the flavor can be loaded by Python MLflow (it returns
 * pythonRequirements), in MLflow's formats (mlflow/utils/environment.py):
 * `requirements.txt` (one requirement a line, `mlflow==3.18.0` first, no final newline),
 * `python_env.yaml` (`python`, `build_dependencies`, `dependencies: [-r requirements.txt]`, in
 * that order) and `conda.yaml` (`name: mlflow-env`, `channels: [conda-forge]`,
 * `dependencies: [python=<v>, pip, {pip: [...]}]`, keys sorted). There is no Python to ask for pip
 * or setuptools versions, so they are unpinned — what MLflow itself writes when it cannot resolve
 * them. The Python version defaults to DEFAULT_PYTHON_VERSION, a major.minor that pyenv, uv and
 * conda all resolve to their latest patch release.
 */

export const NODE_ENV_FILE = 'node_env.json';
export const REQUIREMENTS_FILE = 'requirements.txt';
export const PYTHON_ENV_FILE = 'python_env.yaml';
export const CONDA_ENV_FILE = 'conda.yaml';
export const DEFAULT_PYTHON_VERSION = '3.11';

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/;

/** The version of package `name` installed in the nearest node_modules from `fromDir` upwards. */
export async function resolveInstalledVersion(name: string, fromDir = process.cwd()): Promise<string | undefined> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown };
      if (typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not installed here; look further up
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The sha256 (hex) of the nearest package-lock.json from `fromDir` upwards, or null. */
export async function packageLockSha256(fromDir = process.cwd()): Promise<string | null> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    try {
      return createHash('sha256').update(await readFile(join(dir, 'package-lock.json'))).digest('hex');
    } catch {
      // none here
    }
    if (dirname(dir) === dir) return null;
  }
}

let ownVersion: Promise<string> | undefined;
/** This package's version (@runlog/models), also written as MLmodel's `runlog_version`. */
export function runlogVersion(): Promise<string> {
  ownVersion ??= readFile(new URL('../package.json', import.meta.url), 'utf8')
    .then((t) => String((JSON.parse(t) as { version?: unknown }).version ?? '0.0.0'))
    .catch(() => '0.0.0');
  return ownVersion;
}

export interface NodeEnv {
  format: 'runlog.node_env';
  format_version: 1;
  node: string;
  platform: string;
  arch: string;
  packages: Record<string, string>;
  package_lock_sha256: string | null;
}

/** The node_env.json content for a flavor's packages; versions that are not exact are resolved. */
export async function buildNodeEnv(packages: Record<string, string>, projectDir = process.cwd()): Promise<NodeEnv> {
  const resolved: Record<string, string> = { '@runlog/models': await runlogVersion() };
  for (const [name, version] of Object.entries(packages)) {
    resolved[name] = EXACT_VERSION.test(version) ? version : ((await resolveInstalledVersion(name, projectDir)) ?? version);
  }
  const sorted = Object.fromEntries(Object.keys(resolved).sort().map((k) => [k, resolved[k]!]));
  return {
    format: 'runlog.node_env',
    format_version: 1,
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    packages: sorted,
    package_lock_sha256: await packageLockSha256(projectDir),
  };
}

export async function writeNodeEnv(dir: string, packages: Record<string, string>, projectDir?: string): Promise<NodeEnv> {
  const env = await buildNodeEnv(packages, projectDir);
  await writeFile(join(dir, NODE_ENV_FILE), JSON.stringify(env, null, 2) + '\n', 'utf8');
  return env;
}

/** `mlflow==3.18.0` first unless the list names mlflow; duplicates dropped, order kept. */
export function withMlflowRequirement(requirements: readonly string[]): string[] {
  const names = requirements.map((r) => r.trim()).filter((r) => r !== '');
  const hasMlflow = names.some((r) => /^mlflow(?:\[[^\]]*\])?\s*(?:[=<>!~;@]|$)/i.test(r));
  return [...new Set(hasMlflow ? names : [`mlflow==${MLFLOW_FORMAT_VERSION}`, ...names])];
}

/** The three Python environment files' text, as MLflow writes them. */
export function pythonEnvFiles(requirements: readonly string[], pythonVersion = DEFAULT_PYTHON_VERSION): Record<string, string> {
  const reqs = withMlflowRequirement(requirements);
  return {
    [REQUIREMENTS_FILE]: reqs.join('\n'),
    [PYTHON_ENV_FILE]: pyYamlDump(
      { python: pythonVersion, build_dependencies: ['pip', 'setuptools', 'wheel'], dependencies: [`-r ${REQUIREMENTS_FILE}`] },
      { sortKeys: false },
    ),
    [CONDA_ENV_FILE]: pyYamlDump({ name: 'mlflow-env', channels: ['conda-forge'], dependencies: [`python=${pythonVersion}`, 'pip', { pip: reqs }] }),
  };
}

export async function writePythonEnv(dir: string, requirements: readonly string[], pythonVersion?: string): Promise<void> {
  for (const [file, text] of Object.entries(pythonEnvFiles(requirements, pythonVersion))) await writeFile(join(dir, file), text, 'utf8');
}

export interface PythonFunctionFlavorOptions {
  /** The Python module MLflow imports to load the model (e.g. 'mlflow.onnx'). */
  loaderModule: string;
  /** The model file or directory, relative to the model root. */
  data: string;
  pythonVersion?: string | undefined;
  /** A code directory relative to the model root; omitted when absent. */
  code?: string | undefined;
}

/** The `python_function` flavor block `mlflow.pyfunc.add_to_model` writes, pointing at runlog's env files. */
export function pythonFunctionFlavor(opts: PythonFunctionFlavorOptions): Record<string, unknown> {
  return {
    loader_module: opts.loaderModule,
    python_version: opts.pythonVersion ?? DEFAULT_PYTHON_VERSION,
    ...(opts.code !== undefined ? { code: opts.code } : {}),
    data: opts.data,
    env: { conda: CONDA_ENV_FILE, virtualenv: PYTHON_ENV_FILE },
  };
}
