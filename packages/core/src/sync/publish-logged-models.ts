import type { LoggedModel, Run } from '../entities.js';
import type { TrackingStore } from '../store.js';
import type { FileStore } from '../stores/file-store.js';
import { localPathFromUri } from '../stores/local-artifacts.js';

/** Tag on a published LoggedModel naming the local model it came from (re-publishing finds it). */
export const SOURCE_MODEL_TAG = 'runlog.sourceModelId';

/**
 * Publishes the LoggedModels a local run produced (its `outputs`) to the target run `serverId`:
 * each becomes a LoggedModel on the target with the same name, type, params and tags (plus
 * SOURCE_MODEL_TAG), its files uploaded, linked to the run at the same step and finalized with the
 * local status. A model published before (found by its tag) is linked again, not copied twice.
 * Metric points linked to a model stay on the run only (they are published as run metrics).
 * Returns how many models were published; a target without LoggedModels (MLflow 2) gets a warning.
 */
export async function publishLoggedModels(
  source: FileStore,
  target: TrackingStore,
  run: Run,
  serverId: string,
  experimentId: string,
  warnings: string[],
): Promise<number> {
  const outputs = run.outputs?.modelOutputs ?? [];
  if (outputs.length === 0) return 0;
  if (!(await target.supportsLoggedModels())) {
    warnings.push(`${outputs.length} logged model(s) of run ${run.info.runId} were not published: ${target.displayUri} has no LoggedModels (MLflow 2)`);
    return 0;
  }
  let published = 0;
  for (const { modelId, step } of outputs) {
    const local = await source.getLoggedModel(modelId);
    const existing = await findPublished(target, experimentId, local);
    const model = existing ?? (await copyModel(target, local, serverId, experimentId, warnings));
    if (model === undefined) continue;
    await target.logModelOutputs(serverId, [{ modelId: model.modelId, step }]);
    published++;
  }
  return published;
}

async function findPublished(target: TrackingStore, experimentId: string, local: LoggedModel): Promise<LoggedModel | undefined> {
  const page = await target.searchLoggedModels({
    experimentIds: [experimentId],
    filter: `tags.\`${SOURCE_MODEL_TAG}\` = '${local.modelId}'`,
    maxResults: 10,
  });
  return page.items.find((m) => m.status === 'LOGGED_MODEL_READY');
}

async function copyModel(
  target: TrackingStore,
  local: LoggedModel,
  serverId: string,
  experimentId: string,
  warnings: string[],
): Promise<LoggedModel | undefined> {
  const dir = localPathFromUri(local.artifactUri);
  if (dir === null) {
    warnings.push(`logged model ${local.modelId} keeps its files at ${local.artifactUri}, not on this machine; it was not published`);
    return undefined;
  }
  const model = await target.createLoggedModel(experimentId, {
    name: local.name,
    sourceRunId: serverId,
    modelType: local.modelType,
    params: local.params,
    tags: { ...local.tags, [SOURCE_MODEL_TAG]: local.modelId },
  });
  try {
    await target.uploadToArtifactUri(model.artifactUri, dir);
    await target.finalizeLoggedModel(model.modelId, local.status === 'LOGGED_MODEL_PENDING' ? 'LOGGED_MODEL_UPLOAD_FAILED' : local.status);
  } catch (err) {
    await target.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined);
    throw err;
  }
  return model;
}
