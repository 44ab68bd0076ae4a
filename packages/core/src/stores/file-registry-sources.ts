import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { canonicalStage, type ModelVersion } from '../registry/entities.js';
import { parseModelsUri, type ModelsUriRef } from '../registry/models-uri.js';
import type { CreateModelVersionRequest, RegistryStore } from '../registry/registry-store.js';
import { highestVersion } from './file-registry-versions.js';

/** Looks up an MLflow 3 LoggedModel by id (RunlogClient passes its tracking store's getLoggedModel). */
export type LoggedModelLookup = (modelId: string) => Promise<{ artifactUri: string; sourceRunId?: string | undefined }>;

/** The registry reads that resolving a `models:/<name>/…` source needs. */
export type RegistryReads = Pick<RegistryStore, 'getModelVersion' | 'getModelVersionByAlias' | 'getLatestVersions' | 'getModelVersionDownloadUri'>;

/**
 * Where a new model version's files are (`storageLocation`) and the run it came from, as MLflow's
 * file registry works them out:
 *
 * - a `models:/<model_id>` source is the LoggedModel's artifact location (and its source run,
 *   unless the request names a run);
 * - a `models:/<name>/<version|stage|latest>` or `models:/<name>@<alias>` source is that
 *   version's download URI;
 * - any other source is stored as given.
 *
 * A `models:` source that cannot be resolved is an InvalidArgumentError naming the source. A
 * request without a run but with a `modelId` takes the LoggedModel's source run. Without
 * `getLoggedModel`, LoggedModel lookups fail with NotFoundError.
 */
export async function resolveModelVersionSource(
  req: CreateModelVersionRequest,
  registry: RegistryReads,
  getLoggedModel: LoggedModelLookup | undefined,
): Promise<{ storageLocation: string; runId: string | undefined }> {
  const loggedModel = async (modelId: string) => {
    if (!getLoggedModel) throw new NotFoundError(`Logged model '${modelId}' not found: this registry has no tracking store to look it up in.`);
    return getLoggedModel(modelId);
  };
  let storageLocation = req.source;
  let runId = req.runId || undefined;
  if (/^models:/i.test(req.source)) {
    const ref = parseModelsUri(req.source);
    try {
      if (ref.kind === 'logged-model') {
        const lm = await loggedModel(ref.modelId);
        storageLocation = lm.artifactUri;
        runId ??= lm.sourceRunId;
      } else {
        const mv = await resolveRegisteredRef(registry, ref);
        storageLocation = await registry.getModelVersionDownloadUri(mv.name, mv.version);
      }
    } catch (err) {
      throw new InvalidArgumentError(`Unable to fetch model from model URI source artifact location '${req.source}'. Error: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  if (!runId && req.modelId) runId = (await loggedModel(req.modelId)).sourceRunId;
  return { storageLocation, runId };
}

async function resolveRegisteredRef(registry: RegistryReads, ref: Exclude<ModelsUriRef, { kind: 'logged-model' }>): Promise<ModelVersion> {
  switch (ref.kind) {
    case 'version':
      return registry.getModelVersion(ref.name, ref.version);
    case 'alias':
      return registry.getModelVersionByAlias(ref.name, ref.alias);
    case 'latest': {
      const v = highestVersion(await registry.getLatestVersions(ref.name));
      if (!v) throw new NotFoundError(`No versions of model with name '${ref.name}' found`);
      return v;
    }
    case 'stage': {
      const v = highestVersion(await registry.getLatestVersions(ref.name, [canonicalStage(ref.stage)]));
      if (!v) throw new NotFoundError(`No versions of model with name '${ref.name}' and stage '${ref.stage}' found`);
      return v;
    }
  }
}
