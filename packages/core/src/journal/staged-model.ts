import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { listFilesRecursive } from '../fs-walk.js';
import { pyYamlDump } from '../py/index.js';
import type { FailoverStore } from './failover-store.js';

/** A model saved while the server was away, to become a logged model of its run once it answers. */
export interface StagedModelRequest {
  /** The LoggedModel name (MLflow 3), or the artifact path under the run (MLflow 2 servers). */
  name: string;
  modelType?: string | undefined;
  tags?: Record<string, string> | undefined;
  /** The step of the run's output link. */
  step: number;
}

const MODEL_ID_FILE = 'model-id';

/**
 * Logs a staged model folder as `logModel` would have with the server there: on an MLflow 3
 * server a LoggedModel (params: the run's), MLmodel pointed at it (artifact_path, model_id,
 * model_uuid, run_id = the server's run id), the run's output link, the upload, READY. On an
 * MLflow 2 server the folder goes under the run's artifacts at `name`. Safe to repeat after a
 * failure halfway: the LoggedModel id is kept beside the entry and reused.
 */
export async function uploadStagedModel(store: FailoverStore, runId: string, entryDir: string, filesDir: string, req: StagedModelRequest): Promise<void> {
  const sid = await store.serverId(runId);
  if (!(await store.supportsLoggedModels())) {
    await rewriteMLmodelIds(filesDir, { artifact_path: req.name, run_id: sid });
    for (const rel of (await listFilesRecursive(filesDir)).sort()) {
      const relDir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
      await store.logArtifact(runId, join(filesDir, rel), [req.name, relDir].filter(Boolean).join('/'));
    }
    return;
  }
  const known = await readFile(join(entryDir, MODEL_ID_FILE), 'utf8').catch(() => undefined);
  let model;
  if (known) model = await store.getLoggedModel(known.trim());
  else {
    const run = await store.getRun(runId);
    model = await store.createLoggedModel(run.info.experimentId, {
      name: req.name,
      sourceRunId: runId,
      modelType: req.modelType,
      params: { ...run.data.params },
      tags: req.tags,
    });
    const tmp = join(entryDir, `${MODEL_ID_FILE}.tmp`);
    await writeFile(tmp, model.modelId);
    await rename(tmp, join(entryDir, MODEL_ID_FILE));
  }
  await rewriteMLmodelIds(filesDir, { artifact_path: model.artifactUri, model_id: model.modelId, model_uuid: model.modelId, run_id: sid });
  await store.logModelOutputs(runId, [{ modelId: model.modelId, step: req.step }]);
  await store.uploadToArtifactUri(model.artifactUri, filesDir);
  await store.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_READY');
}

/**
 * Sets top-level scalar keys of the folder's MLmodel (written by @runlog/models with
 * pyYamlDump): each `key: value` line (with any continuation lines) is replaced by the dump of
 * the new value; keys it lacks are appended. Written to a temp file and renamed.
 */
export async function rewriteMLmodelIds(dir: string, values: Record<string, string>): Promise<void> {
  const path = join(dir, 'MLmodel');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return; // not a model folder runlog saved: uploaded as it is
  }
  const lines = text.split('\n');
  const out: string[] = [];
  const left = new Map(Object.entries(values));
  for (let i = 0; i < lines.length; i++) {
    const key = /^([a-z_]+):/.exec(lines[i]!)?.[1];
    if (key === undefined || !left.has(key)) {
      out.push(lines[i]!);
      continue;
    }
    out.push(pyYamlDump({ [key]: left.get(key)! }).trimEnd());
    left.delete(key);
    while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]!)) i++;
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  for (const [key, value] of left) out.push(pyYamlDump({ [key]: value }).trimEnd());
  // Beside the folder, not in it: a crash must not leave a stray file to upload.
  const tmp = join(dirname(dir), 'MLmodel.tmp');
  await writeFile(tmp, `${out.join('\n')}\n`);
  await rename(tmp, path);
}
