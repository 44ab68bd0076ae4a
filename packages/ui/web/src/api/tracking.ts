// The tracking routes of MLflow's REST API the app reads and the few writes it offers.
import { getJson, MLFLOW_API, postJson, RUNLOG_API, withQuery } from './http.js';
import type { ArtifactFile, Experiment, ExperimentKeys, LoggedModel, Run, ServerInfo } from './types.js';

export async function searchExperiments(viewType = 'ACTIVE_ONLY'): Promise<Experiment[]> {
  const all: Experiment[] = [];
  let pageToken: string | undefined;
  do {
    const page = await postJson<{ experiments?: Experiment[]; next_page_token?: string }>(
      `${MLFLOW_API}/experiments/search`,
      { max_results: 1000, view_type: viewType, page_token: pageToken },
    );
    all.push(...(page.experiments ?? []));
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  return all;
}

export async function getExperiment(id: string): Promise<Experiment> {
  return (await getJson<{ experiment: Experiment }>(`${MLFLOW_API}/experiments/get`, { experiment_id: id })).experiment;
}

export interface RunsPageRequest {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults: number;
  pageToken?: string;
  viewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
}

export interface RunsPage {
  runs: Run[];
  nextPageToken?: string;
}

export async function searchRuns(request: RunsPageRequest, signal?: AbortSignal): Promise<RunsPage> {
  const page = await postJson<{ runs?: Run[]; next_page_token?: string }>(
    `${MLFLOW_API}/runs/search`,
    {
      experiment_ids: request.experimentIds,
      filter: request.filter ?? '',
      run_view_type: request.viewType ?? 'ACTIVE_ONLY',
      max_results: request.maxResults,
      order_by: request.orderBy ?? [],
      page_token: request.pageToken,
    },
    signal,
  );
  return { runs: page.runs ?? [], nextPageToken: page.next_page_token || undefined };
}

export async function getRun(runId: string, signal?: AbortSignal): Promise<Run> {
  return (await getJson<{ run: Run }>(`${MLFLOW_API}/runs/get`, { run_id: runId }, signal)).run;
}

export async function listArtifacts(runId: string, path: string): Promise<ArtifactFile[]> {
  const answer = await getJson<{ files?: ArtifactFile[] }>(`${MLFLOW_API}/artifacts/list`, {
    run_id: runId,
    path: path || undefined,
  });
  return answer.files ?? [];
}

/** The URL that serves an artifact's bytes (for `<img src>`, downloads and text previews). */
export function artifactUrl(runId: string, path: string): string {
  return withQuery('/get-artifact', { run_id: runId, path });
}

export async function fetchArtifactText(runId: string, path: string): Promise<string> {
  const response = await fetch(artifactUrl(runId, path));
  if (!response.ok) throw new Error(`cannot read ${path}: HTTP ${response.status}`);
  return response.text();
}

export async function searchLoggedModels(experimentId: string, runId: string): Promise<LoggedModel[]> {
  const answer = await postJson<{ models?: LoggedModel[] }>(`${MLFLOW_API}/logged-models/search`, {
    experiment_ids: [experimentId],
    filter: `source_run_id = '${runId}'`,
    max_results: 50,
  });
  return answer.models ?? [];
}

export async function getLoggedModel(modelId: string): Promise<LoggedModel> {
  return (await getJson<{ model: LoggedModel }>(`${MLFLOW_API}/logged-models/${encodeURIComponent(modelId)}`)).model;
}

/** The URL of a file under an `mlflow-artifacts:/…` URI (MLflow's artifact proxy), or undefined for
 *  a URI the server does not proxy (the app then cannot read the files). */
export function proxiedArtifactUrl(artifactUri: string | undefined, relPath: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri ?? '');
  if (!match) return undefined;
  const parts = [...match[1]!.split('/'), ...relPath.split('/')].filter(Boolean).map(encodeURIComponent);
  return `/ajax-api/2.0/mlflow-artifacts/artifacts/${parts.join('/')}`;
}

export async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot read ${url}: HTTP ${response.status}`);
  return response.text();
}

export function getServerInfo(): Promise<ServerInfo> {
  return getJson<ServerInfo>(`${RUNLOG_API}/info`);
}

export function getExperimentKeys(experimentIds: string[]): Promise<ExperimentKeys> {
  return getJson<ExperimentKeys>(`${RUNLOG_API}/experiment-keys`, { experiment_ids: experimentIds });
}

// Writes (the server refuses them with 403 under --read-only; the app disables them too).

export async function renameRun(runId: string, runName: string): Promise<void> {
  await postJson(`${MLFLOW_API}/runs/update`, { run_id: runId, run_name: runName });
}

export async function setRunTag(runId: string, key: string, value: string): Promise<void> {
  await postJson(`${MLFLOW_API}/runs/set-tag`, { run_id: runId, key, value });
}

export async function deleteRunTag(runId: string, key: string): Promise<void> {
  await postJson(`${MLFLOW_API}/runs/delete-tag`, { run_id: runId, key });
}

export async function deleteRun(runId: string): Promise<void> {
  await postJson(`${MLFLOW_API}/runs/delete`, { run_id: runId });
}

export async function restoreRun(runId: string): Promise<void> {
  await postJson(`${MLFLOW_API}/runs/restore`, { run_id: runId });
}

