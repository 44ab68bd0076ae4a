import { join } from 'node:path';
import {
  InvalidArgumentError,
  NoActiveRunError,
  activeRun,
  getClient,
  type RunlogClient,
} from '@runlog/core';
import { defaultRunTags, pyJsonDumps, validateArtifactPath, validateModelName } from '@runlog/core/internal';
import { makeTempDir, undoDir } from './fs-utils.js';
import { writeMLmodel } from './mlmodel.js';
import { registerModel } from './register-model.js';
import { saveModel, type SaveModelOptions } from './save-model.js';
import type { MLmodel, ModelSignature } from './types.js';

export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';

/** Options of logModel(). */
export interface LogModelOptions extends Omit<SaveModelOptions, 'now'> {
  /** The model's name: the LoggedModel name (MLflow 3), or its artifact path under the run (MLflow 2 servers). */
  name: string;
  /**
   * After logging, register the model under this name (created if missing) as a new version, as
   * `mlflow.<flavor>.log_model(registered_model_name=...)` does; see registerModel.
   */
  registeredModelName?: string | undefined;
  /** Default: the active run's client, else the fluent API's client. */
  client?: RunlogClient | undefined;
  /** Default: the active run. */
  runId?: string | undefined;
  /** LoggedModel `model_type` (MLflow 3). */
  modelType?: string | undefined;
  /** LoggedModel tags (MLflow 3), added to the context tags MLflow sets (mlflow.user, mlflow.source.*). */
  tags?: Record<string, string> | undefined;
  /** The step the run's output link records (`runs/outputs`), default 0. */
  step?: number | undefined;
}

/** What logModel() logged: the model URI (and LoggedModel id on MLflow 3), its run, MLmodel and signature, and the registered version when one was made. */
export interface ModelInfo {
  /** The LoggedModel id (`m-…`), on the local store and MLflow 3 servers. */
  modelId?: string | undefined;
  /** `models:/<model_id>` (MLflow 3: the local store and servers) or `runs:/<run_id>/<name>` (MLflow 2 servers). */
  modelUri: string;
  runId: string;
  /** MLmodel's `artifact_path`: the LoggedModel's artifact URI (MLflow 3) or `name` (run artifacts). */
  artifactPath: string;
  signature: ModelSignature | undefined;
  mlmodel: MLmodel;
  /** The version created when `registeredModelName` was given. */
  registeredModelVersion?: string | undefined;
  /**
   * True when the tracking server was away and the model was staged in the journal: it is logged
   * (a LoggedModel on MLflow 3) when the server answers, by this process or `runlog sync`. Until
   * then `modelId` is unset and `modelUri` is '' (the server assigns the id).
   */
  staged?: boolean | undefined;
}

/** As Python's log_model: the context tags (user, source, git commit), then the caller's. */
function modelTags(tags: Record<string, string> | undefined): Record<string, string> {
  return { ...Object.fromEntries(defaultRunTags().map((t) => [t.key, t.value])), ...tags };
}

/** The entry MLflow's `Model.get_tags_dict()` appends to `mlflow.log-model.history`. */
function historyEntry(m: MLmodel): Record<string, unknown> {
  const flavors = Object.fromEntries(
    Object.entries(m.flavors).map(([name, conf]) => [name, Object.fromEntries(Object.entries(conf).filter(([k]) => k !== 'config'))]),
  );
  return { run_id: m.runId, artifact_path: m.artifactPath, utc_time_created: m.utcTimeCreated, model_uuid: m.modelUuid, flavors };
}

/**
 * Logs a model to a run. The model is saved to a temp directory first (saveModel), then:
 * - on a store with MLflow 3 LoggedModels (the local store, MLflow 3 servers): `createLoggedModel`
 *   (params = the run's params, tags = MLflow's context tags and `tags`) →
 *   MLmodel gets `artifact_path` = the LoggedModel's artifact URI, `model_id` = `model_uuid` = its
 *   id, `run_id` → `runs/outputs` links it to the run → the files are uploaded to its artifact URI
 *   → finalized `LOGGED_MODEL_READY` (`LOGGED_MODEL_UPLOAD_FAILED` if any step threw, then the
 *   error is rethrown); the URI is `models:/<model_id>`, and `runs:/<run_id>/<name>` finds it too;
 * - else (MLflow 2 servers): the directory goes under the run's artifacts at
 *   `name` and is appended to the run's `mlflow.log-model.history` tag; the URI is
 *   `runs:/<run_id>/<name>`.
 * With `registeredModelName`, the logged model is then registered (registerModel) and
 * `registeredModelVersion` says which version it became.
 */
export async function logModel(model: unknown, opts: LogModelOptions): Promise<ModelInfo> {
  // Checked before anything is logged, so a bad name costs no upload.
  if (opts.registeredModelName !== undefined) validateModelName(opts.registeredModelName);
  const info = await logModelOnly(model, opts);
  if (opts.registeredModelName === undefined) return info;
  if (info.staged) {
    throw new InvalidArgumentError(
      `logModel: the tracking server is away, so the model was staged in the journal and cannot be registered as '${opts.registeredModelName}' now; register it with registerModel() once it is uploaded.`,
    );
  }
  const client = opts.client ?? (activeRun()?.runId === info.runId ? activeRun()!.client : getClient());
  const mv = await registerModel(info.modelUri, opts.registeredModelName, { client });
  return { ...info, registeredModelVersion: mv.version };
}

async function logModelOnly(model: unknown, opts: LogModelOptions): Promise<ModelInfo> {
  if (typeof opts.name !== 'string' || opts.name.trim() === '') throw new InvalidArgumentError('logModel: a model name is required.');
  const run = activeRun();
  const runId = opts.runId ?? run?.runId;
  if (runId === undefined) throw new NoActiveRunError('No active run: start one with startRun(), or pass { runId }.');
  const client = opts.client ?? (run && run.runId === runId ? run.client : getClient());

  const tmp = await makeTempDir('runlog-log-model-');
  try {
    const localDir = join(tmp, 'model');
    const mlmodel = await saveModel(model, localDir, opts);
    if (client.stagesArtifactsFor(runId)) {
      // The server is away: the saved folder waits in the journal; the ids that only the server
      // can give (LoggedModel id, artifact URI, its run id) are written into MLmodel at upload.
      Object.assign(mlmodel, { artifactPath: opts.name, runId });
      await writeMLmodel(localDir, mlmodel);
      await client.stageLoggedModel(runId, localDir, { name: opts.name, modelType: opts.modelType, tags: modelTags(opts.tags), step: opts.step ?? 0 });
      return { modelUri: '', runId, artifactPath: opts.name, signature: mlmodel.signature, mlmodel, staged: true };
    }
    if (await client.supportsLoggedModels()) {
      const runInfo = await client.getRun(runId);
      const lm = await client.createLoggedModel(runInfo.info.experimentId, {
        name: opts.name,
        sourceRunId: runId,
        modelType: opts.modelType,
        params: { ...runInfo.data.params },
        // As Python's log_model: the context tags (user, source, git commit), then the caller's.
        tags: modelTags(opts.tags),
      });
      try {
        Object.assign(mlmodel, { artifactPath: lm.artifactUri, modelId: lm.modelId, modelUuid: lm.modelId, runId });
        await writeMLmodel(localDir, mlmodel);
        await client.logModelOutputs(runId, [{ modelId: lm.modelId, step: opts.step ?? 0 }]);
        await client.uploadToArtifactUri(lm.artifactUri, localDir);
        await client.finalizeLoggedModel(lm.modelId, 'LOGGED_MODEL_READY');
      } catch (err) {
        await client.finalizeLoggedModel(lm.modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined);
        throw err;
      }
      return { modelId: lm.modelId, modelUri: `models:/${lm.modelId}`, runId, artifactPath: lm.artifactUri, signature: mlmodel.signature, mlmodel };
    }
    const artifactPath = validateArtifactPath(opts.name);
    if (!artifactPath) throw new InvalidArgumentError(`logModel: '${opts.name}' is not a usable artifact path.`);
    Object.assign(mlmodel, { artifactPath, runId });
    await writeMLmodel(localDir, mlmodel);
    await client.logArtifacts(runId, localDir, artifactPath);
    const current = (await client.getRun(runId)).data.tags[LOG_MODEL_HISTORY_TAG];
    let history: unknown[] = [];
    try {
      const parsed: unknown = current ? JSON.parse(current) : [];
      if (Array.isArray(parsed)) history = parsed;
    } catch {
      // an unreadable history is replaced, as a fresh list
    }
    client.setTag(runId, LOG_MODEL_HISTORY_TAG, pyJsonDumps([...history, historyEntry(mlmodel)]));
    return { modelUri: `runs:/${runId}/${artifactPath}`, runId, artifactPath, signature: mlmodel.signature, mlmodel };
  } finally {
    await undoDir(tmp, true);
  }
}
