import {
  AlreadyExistsError,
  NotFoundError,
  getClient,
  type ModelVersion,
  type RunlogClient,
} from '@runlog/core';
import { appendToUriPath } from '@runlog/core/internal';
import { MLMODEL_FILE } from './mlmodel.js';
import { parseModelUri } from './model-uri.js';
import { resolveRunsUri } from './runs-uri.js';

/** Options of registerModel(). */
export interface RegisterModelOptions {
  /** Default: the fluent API's client (its registry: registryUri, MLFLOW_REGISTRY_URI or the tracking URI). */
  client?: RunlogClient | undefined;
  /** Tags of the new version. */
  tags?: Record<string, unknown> | undefined;
  description?: string | undefined;
  /** Wait for a PENDING_REGISTRATION version to become READY (default 300,000 ms; 0: no wait). */
  awaitRegistrationForMs?: number | undefined;
}

/**
 * `mlflow.register_model`: creates the registered model `name` if it does not exist, then a new
 * version of it from `modelUri`, as MLflow 3.18 does:
 * - `runs:/<run_id>/<path>` whose run has an MLmodel at `<path>` → source is the run's artifact
 *   URI joined with `<path>` (e.g. `mlflow-artifacts:/1/<run>/artifacts/model`), `run_id` recorded;
 *   else the run's LoggedModel named `<path>` (MLflow 3: what logModel and autolog make) → source
 *   is its `models:/<model_id>` and `model_id` is passed;
 * - `models:/<model_id>` (an MLflow 3 LoggedModel, what logModel returns on a server) → source is
 *   that URI and `model_id` is passed, so the server records the LoggedModel and its run;
 * - `models:/<name>/<version|stage|latest>`, `models:/<name>@<alias>`, artifact URIs and local
 *   paths → passed as the source unchanged.
 * A `runs:/` URI with neither is refused with NotFoundError.
 */
export async function registerModel(modelUri: string, name: string, opts: RegisterModelOptions = {}): Promise<ModelVersion> {
  const client = opts.client ?? getClient();
  const parsed = parseModelUri(modelUri);
  try {
    await client.createRegisteredModel(name);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  let source = modelUri;
  let runId: string | undefined;
  let modelId: string | undefined;
  if (parsed.kind === 'runs') {
    const target = await resolveRunsUri(client, parsed.runId, parsed.artifactPath, MLMODEL_FILE);
    runId = parsed.runId;
    if (target.kind === 'run-artifacts') {
      const run = await client.getRun(parsed.runId);
      source = parsed.artifactPath ? appendToUriPath(run.info.artifactUri, ...parsed.artifactPath.split('/')) : run.info.artifactUri;
    } else {
      // As MLflow 3: the run's logged model of that name is registered by its models:/ URI.
      modelId = target.model.modelId;
      source = `models:/${modelId}`;
    }
  } else if (parsed.kind === 'logged-model') {
    modelId = parsed.modelId;
  }
  return client.createModelVersion(name, source, {
    runId,
    modelId,
    tags: opts.tags,
    description: opts.description,
    awaitCreationForMs: opts.awaitRegistrationForMs,
  });
}
