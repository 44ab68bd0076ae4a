import { NotFoundError, type LoggedModel, type RunlogClient } from '@runlog/core';

/**
 * Where a `runs:/<run_id>/<path>` URI points, found as MLflow 3.18 finds it
 * (mlflow/store/artifact/runs_artifact_repo.py, mlflow/tracking/_model_registry/fluent.py):
 * the run's artifacts at `<path>` first; when the run has none there, the run's LoggedModel named
 * after the first segment of `<path>` (the rest is a path inside that model). A run with several
 * models of that name gives the one it logged at the highest step.
 */
export type RunsUriTarget =
  | { kind: 'run-artifacts'; runId: string; artifactPath: string }
  | { kind: 'logged-model'; model: LoggedModel; relPath: string };

/** Whether the run has artifacts at `path` (a missing path or a 404 counts as none). */
async function hasRunArtifacts(client: RunlogClient, runId: string, path: string, file?: string): Promise<boolean> {
  try {
    const listed = await client.listArtifacts(runId, path);
    if (file === undefined) return listed.length > 0;
    const wanted = path ? `${path}/${file}` : file;
    return listed.some((f) => !f.isDir && f.path === wanted);
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

/**
 * The run's LoggedModels named `name` whose source run is `runId`, the one logged at the highest
 * step first (as MLflow's register_model picks among several); [] when there are none.
 */
export async function loggedModelsOfRun(client: RunlogClient, runId: string, name: string): Promise<LoggedModel[]> {
  if (!(await client.supportsLoggedModels())) return [];
  const run = await client.getRun(runId);
  const found: LoggedModel[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.searchLoggedModels({
      experimentIds: [run.info.experimentId],
      filter: `name = '${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
      pageToken,
    });
    found.push(...page.items.filter((m) => m.sourceRunId === runId && m.name === name));
    pageToken = page.nextPageToken;
  } while (pageToken);
  const stepOf = new Map((run.outputs?.modelOutputs ?? []).map((o) => [o.modelId, o.step]));
  return found.sort((a, b) => (stepOf.get(b.modelId) ?? -1) - (stepOf.get(a.modelId) ?? -1));
}

/**
 * Resolves `runs:/<runId>/<artifactPath>`. With `requireFile` (e.g. 'MLmodel'), the run's
 * artifacts count only when that file is at `<artifactPath>` (registerModel's test); else any
 * artifact there does. NotFoundError naming both places when neither has it.
 */
export async function resolveRunsUri(
  client: RunlogClient,
  runId: string,
  artifactPath: string,
  requireFile?: string,
): Promise<RunsUriTarget> {
  if (await hasRunArtifacts(client, runId, artifactPath, requireFile)) return { kind: 'run-artifacts', runId, artifactPath };
  const [name = '', ...rest] = artifactPath.split('/');
  if (name !== '') {
    const [model] = await loggedModelsOfRun(client, runId, name);
    if (model !== undefined) return { kind: 'logged-model', model, relPath: rest.join('/') };
  }
  throw new NotFoundError(
    `No model at runs:/${runId}/${artifactPath}: the run has no ${requireFile ?? 'artifacts'} at '${artifactPath}' ` +
      `and no logged model named '${name}'.`,
  );
}
