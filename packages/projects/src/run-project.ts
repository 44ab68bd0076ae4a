import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, RunlogClient } from '@runlog/core';
import { validateKey } from '@runlog/core/internal';
import { resolveRegistryUri } from '@runlog/models';
import { checkEnvManager, defaultEnvManager, prepareEnv, prependPath, type EnvManager, type PreparedEnv } from './npm-env.js';
import { checkParameters, resolveParameters, type RemotePathResolver, type UserParameters } from './parameters.js';
import { fetchProject, type FetchedProject } from './project-source.js';
import { getEntryPoint, isPythonCommand, loadProject, type EntryPointSpec, type ProjectSpec } from './project-spec.js';
import { projectRunTags } from './project-tags.js';
import { SubmittedRun } from './submitted-run.js';

/** Where and what to run: the project and its entry point. */
export interface ProjectSourceOptions {
  /** A local folder, or a git repository (path or URL); `#subdir` selects a folder in it. */
  uri: string;
  /** Entry point name, or a script file of the project; default `main`. */
  entryPoint?: string | undefined;
  /** Git commit, branch or tag to check out (git projects only). */
  version?: string | undefined;
  /** `npm` or `local`; default npm when the project has a lockfile (local for Python entry points). */
  envManager?: EnvManager | string | undefined;
  /** Directory relative paths (the uri, `path` params) are resolved from; default process.cwd(). */
  cwd?: string | undefined;
  /** Cache of npm environments; default RUNLOG_PROJECTS_CACHE, else ~/.cache/runlog/npm-envs. */
  envCacheDir?: string | undefined;
}

/** Options of run(). */
export interface RunProjectOptions extends ProjectSourceOptions {
  /** Parameter values (`-P k=v`); extra ones are appended to the command as `--key value`. */
  parameters?: UserParameters | undefined;
  /** Experiment to create the run in (by name, created if missing) — not both. Default: MLFLOW_EXPERIMENT_ID / _NAME, else '0'. */
  experimentName?: string | undefined;
  experimentId?: string | undefined;
  runName?: string | undefined;
  /** Run the command in this existing run instead of creating one (how MLFLOW_RUN_ID is honoured). */
  runId?: string | undefined;
  /** Makes the run a nested child of this one (`mlflow.parentRunId`). */
  parentRunId?: string | undefined;
  /** More tags for the run. */
  tags?: Record<string, string> | undefined;
  /** The client to record with; default one opened on `trackingUri` (in memory: the launcher creates the run and logs its params synchronously; closed when the run ends). */
  client?: RunlogClient | undefined;
  trackingUri?: string | undefined;
  /** More environment variables for the command. */
  env?: Record<string, string | undefined> | undefined;
  /** The command's stdio; default 'inherit' (its output is streamed to this process's). */
  stdio?: 'inherit' | 'pipe' | 'ignore' | undefined;
}

/** A project fetched, its entry point found and its environment ready: what every run of it (one, or a sweep's children) shares. */
export interface PreparedProject {
  fetched: FetchedProject;
  spec: ProjectSpec;
  entry: EntryPointSpec;
  env: PreparedEnv;
  cwd: string;
  /** Removes the temporary clone. */
  cleanup(): Promise<void>;
}

/**
 * Fetches the project, finds the entry point, checks `parameters` against it when given, and
 * readies the environment. Every mistake of the caller is an InvalidArgumentError thrown here,
 * before any run exists.
 */
export async function prepareProject(opts: ProjectSourceOptions, parameters?: UserParameters): Promise<PreparedProject> {
  const cwd = opts.cwd ?? process.cwd();
  const explicitManager = opts.envManager === undefined ? undefined : checkEnvManager(opts.envManager);
  const fetched = await fetchProject(opts.uri, { version: opts.version, cwd });
  try {
    const spec = loadProject(fetched.dir);
    const entry = getEntryPoint(spec, opts.entryPoint ?? 'main');
    if (parameters !== undefined) checkParameters(entry, parameters, cwd);
    const manager = explicitManager ?? (isPythonCommand(entry.command) ? 'local' : defaultEnvManager(fetched.dir));
    const env = await prepareEnv(fetched.dir, manager, { cacheDir: opts.envCacheDir });
    return { fetched, spec, entry, env, cwd, cleanup: () => fetched.cleanup() };
  } catch (err) {
    await fetched.cleanup();
    throw err;
  }
}

/**
 * Runs an entry point of a project as a tracked run, as `mlflow run` does (backend local): the run
 * is created (or taken from `runId`) with the project tags and its params before the command
 * starts; the command gets MLFLOW_RUN_ID, MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_ID. Returns
 * at once with the running command; `wait()` for it. Bad input rejects before any run is created.
 */
export async function run(opts: RunProjectOptions): Promise<SubmittedRun> {
  if (opts.experimentName !== undefined && opts.experimentId !== undefined) {
    throw new InvalidArgumentError("Specify only one of 'experimentName' or 'experimentId'.");
  }
  const prepared = await prepareProject(opts, opts.parameters ?? {});
  try {
    return await launchRun(prepared, opts, { cleanupProject: true });
  } catch (err) {
    await prepared.cleanup();
    throw err;
  }
}

/**
 * Starts one run of a prepared project (run() for one, a sweep for each child). Parameters are
 * resolved (remote `path` values downloaded) before the run is created.
 */
export async function launchRun(
  prepared: PreparedProject,
  opts: Omit<RunProjectOptions, keyof ProjectSourceOptions>,
  lifecycle: { cleanupProject: boolean },
): Promise<SubmittedRun> {
  const ownClient = opts.client === undefined;
  const client = opts.client ?? new RunlogClient({ trackingUri: opts.trackingUri, durability: 'memory' });
  let storageDir: string | undefined;
  const finalize = async () => {
    if (storageDir !== undefined) await rm(storageDir, { recursive: true, force: true });
    if (lifecycle.cleanupProject) await prepared.cleanup();
    if (ownClient) await client.close();
  };
  try {
    const resolveRemote: RemotePathResolver = async (_param, uri, position) => {
      storageDir ??= await mkdtemp(join(tmpdir(), 'runlog-project-params-'));
      const dst = join(storageDir, `param_${position}`);
      await mkdir(dst, { recursive: true });
      return downloadUri(client, uri, dst);
    };
    const resolved = await resolveParameters(prepared.entry, opts.parameters ?? {}, { cwd: prepared.cwd, resolveRemote });
    // A param name the store would refuse is refused here, before the run exists.
    for (const key of Object.keys(resolved.logged)) validateKey('param', key);
    const experimentId = await resolveExperimentId(client, opts);
    const tags = { ...projectRunTags({ fetched: prepared.fetched, entryPoint: prepared.entry.name, env: prepared.env, parentRunId: opts.parentRunId }), ...opts.tags };
    let runId: string;
    let runExperimentId = experimentId;
    if (opts.runId !== undefined) {
      const existing = await client.getRun(opts.runId);
      runId = existing.info.runId;
      runExperimentId = existing.info.experimentId;
      // The run's own tags (user, source) stay; params it already has are not logged again.
      for (const key of ['mlflow.project.backend', 'mlflow.project.env', ...Object.keys(opts.tags ?? {})]) {
        if (tags[key] !== undefined) client.setTag(runId, key, tags[key]);
      }
      for (const [k, v] of Object.entries(resolved.logged)) if (!Object.hasOwn(existing.data.params, k)) client.logParam(runId, k, v);
      if (opts.runName !== undefined) await client.updateRun(runId, { runName: opts.runName });
    } else {
      const created = await client.createRun(experimentId, { runName: opts.runName, tags });
      runId = created.info.runId;
      const params = Object.entries(resolved.logged).map(([key, value]) => ({ key, value }));
      if (params.length > 0) client.logBatch(runId, { params });
    }
    // The params and tags land before the command starts, so what it reads back is complete.
    await client.flush(30_000);
    const child = spawnCommand(resolved.command, prepared, {
      ...opts.env,
      MLFLOW_RUN_ID: runId,
      MLFLOW_TRACKING_URI: client.trackingUri,
      MLFLOW_EXPERIMENT_ID: runExperimentId,
    }, opts.stdio ?? 'inherit');
    return new SubmittedRun({ runId, experimentId: runExperimentId, child, client, finalize });
  } catch (err) {
    if (storageDir !== undefined) await rm(storageDir, { recursive: true, force: true });
    if (ownClient) await client.close();
    throw err;
  }
}

function spawnCommand(command: string, prepared: PreparedProject, runEnv: Record<string, string | undefined>, stdio: 'inherit' | 'pipe' | 'ignore') {
  const env: NodeJS.ProcessEnv = { ...process.env, ...runEnv };
  env.PATH = prependPath(prepared.env.pathPrepend, env.PATH);
  // Python MLflow 3.13+ refuses a file store unless told; a project run into ./mlruns means it.
  if (/^file:/i.test(runEnv.MLFLOW_TRACKING_URI ?? '') && env.MLFLOW_ALLOW_FILE_STORE === undefined) env.MLFLOW_ALLOW_FILE_STORE = 'true';
  const [shell, flag] = process.platform === 'win32' ? ['cmd', '/c'] : ['bash', '-c'];
  // Its own process group: signals forwarded to the group reach whatever the command starts.
  return spawn(shell, [flag, command], { cwd: prepared.fetched.dir, env, stdio, detached: process.platform !== 'win32' });
}

async function resolveExperimentId(client: RunlogClient, opts: { experimentId?: string | undefined; experimentName?: string | undefined }): Promise<string> {
  if (opts.experimentId !== undefined) return opts.experimentId;
  const name = opts.experimentName ?? (process.env.MLFLOW_EXPERIMENT_ID ? undefined : process.env.MLFLOW_EXPERIMENT_NAME);
  if (name === undefined) return process.env.MLFLOW_EXPERIMENT_ID || '0';
  const existing = await client.getExperimentByName(name);
  return existing?.experimentId ?? (await client.createExperiment(name));
}

/** Downloads a `runs:/`, `models:/` or artifact-store URI given to a `path` parameter into `dst`. */
async function downloadUri(client: RunlogClient, uri: string, dst: string): Promise<string> {
  const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(uri);
  if (runs) return client.downloadArtifacts(runs[1]!, runs[2] ?? '', dst);
  if (/^models:\//.test(uri)) {
    const { downloadUri: source } = await resolveRegistryUri(uri, client);
    return client.downloadFromArtifactUri(source, '', dst);
  }
  return client.downloadFromArtifactUri(uri, '', dst);
}
