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
 * - `models:/<model_id>` (an MLflow 3 LoggedModel, what logModel returns on a server) → source is
 *   that URI and `model_id` is passed, so the server records the LoggedModel and its run;
 * - `models:/<name>/<version|stage|latest>`, `models:/<name>@<alias>`, artifact URIs and local
 *   paths → passed as the source unchanged.
 * A `runs:/` URI without an MLmodel is refused with NotFoundError (MLflow then looks for a
 * LoggedModel of that name in the run; register its `models:/<model_id>` instead).
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
    const mlmodelPath = parsed.artifactPath ? `${parsed.artifactPath}/${MLMODEL_FILE}` : MLMODEL_FILE;
    const listed = await client.listArtifacts(parsed.runId, parsed.artifactPath);
    if (!listed.some((f) => !f.isDir && f.path === mlmodelPath)) {
      throw new NotFoundError(
        `No MLmodel at ${modelUri}: the run has no model at '${parsed.artifactPath}'. ` +
          'If the model was logged as an MLflow 3 LoggedModel, register its models:/<model_id> URI.',
      );
    }
    const run = await client.getRun(parsed.runId);
    source = parsed.artifactPath ? appendToUriPath(run.info.artifactUri, ...parsed.artifactPath.split('/')) : run.info.artifactUri;
    runId = parsed.runId;
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
