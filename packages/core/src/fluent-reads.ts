import type { SearchRunsOptions } from './client.js';
import type { SearchLoggedModelsOptions } from './client-logged-models.js';
import type { FileInfo, LoggedModel, Metric, PagedList, Run } from './entities.js';
import { fluentState, getClient } from './fluent-state.js';

/**
 * Reads through the fluent client: runs, metric histories, artifacts, run and logged-model search
 * (defaulting to the active experiment), and logged-model tags.
 */

/** A run with its latest metrics, params and tags (waits, bounded, for its queued records first). */
export function getRun(runId: string): Promise<Run> {
  return getClient().getRun(runId);
}

/** Every point of one metric of a run. */
export function getMetricHistory(runId: string, key: string): Promise<Metric[]> {
  return getClient().getMetricHistory(runId, key);
}

/** The artifact files and folders of a run under `path`. */
export function listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
  return getClient().listArtifacts(runId, path);
}

/** Downloads a run's artifact (file or folder) to `dstPath` (default: a temp dir) and resolves to the local path. */
export function downloadArtifacts(runId: string, path: string, dstPath?: string): Promise<string> {
  return getClient().downloadArtifacts(runId, path, dstPath);
}

/** searchRuns() options of the fluent API: experiments by id or by name (default: the active experiment). */
export interface FluentSearchRunsOptions extends Omit<SearchRunsOptions, 'experimentIds'> {
  experimentIds?: string[];
  experimentNames?: string[];
}

/**
 * Searches runs with MLflow's filter syntax. Experiments default to the active experiment
 * (setExperiment), else the default experiment '0'.
 */
export async function searchRuns(opts: FluentSearchRunsOptions = {}): Promise<PagedList<Run>> {
  const client = getClient();
  const ids = [...(opts.experimentIds ?? [])];
  for (const name of opts.experimentNames ?? []) {
    const exp = await client.getExperimentByName(name);
    if (exp) ids.push(exp.experimentId);
  }
  if (ids.length === 0 && !opts.experimentNames?.length) ids.push(fluentState.activeExperimentId ?? '0');
  if (ids.length === 0) return { items: [] };
  return client.searchRuns({ ...opts, experimentIds: ids });
}

/**
 * Logged models (MLflow 3) with MLflow's filter and order-by, as `mlflow.search_logged_models`.
 * Experiments default to the active experiment (setExperiment), else '0'.
 */
export function searchLoggedModels(opts: Partial<SearchLoggedModelsOptions> = {}): Promise<PagedList<LoggedModel>> {
  return getClient().searchLoggedModels({ ...opts, experimentIds: opts.experimentIds ?? [fluentState.activeExperimentId ?? '0'] });
}

/** A logged model by id, with its tags, params and metrics. */
export function getLoggedModel(modelId: string): Promise<LoggedModel> {
  return getClient().getLoggedModel(modelId);
}

/** Sets tags of a logged model. */
export function setLoggedModelTags(modelId: string, tags: Record<string, unknown>): Promise<void> {
  return getClient().setLoggedModelTags(modelId, tags);
}
