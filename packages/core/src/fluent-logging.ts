import type { LogMetricOptions } from './client.js';
import type { Dataset, LogInputOptions } from './datasets/dataset-input.js';
import type { DatasetInputSpec } from './datasets/send-inputs.js';
import { NoActiveRunError } from './errors.js';
import { currentStack, fluentState, requireRun } from './fluent-state.js';

/**
 * Logging on the active run. Records (metrics, params, tags) are synchronous and enqueue only;
 * artifacts and dataset inputs resolve when sent. During exit cleanup a call without a run is
 * dropped (see fluentState.exiting).
 */

/** Logs a metric point of the active run: validated, then enqueued (never waits on I/O). */
export function logMetric(key: string, value: number, opts?: LogMetricOptions): void {
  const stack = currentStack();
  const run = stack[stack.length - 1];
  if (run === undefined) {
    if (fluentState.exiting) return;
    throw new NoActiveRunError();
  }
  run.client.logMetric(run.info.runId, key, value, opts);
}

/** Logs several metrics of the active run with one step and timestamp; enqueue only. */
export function logMetrics(metrics: Record<string, number>, opts?: LogMetricOptions): void {
  const run = requireRun();
  if (!run) return;
  const timestamp = opts?.timestamp ?? Date.now();
  const link = { step: opts?.step, timestamp, modelId: opts?.modelId, dataset: opts?.dataset };
  for (const [key, value] of Object.entries(metrics)) run.client.logMetric(run.runId, key, value, link);
}

/** Logs a param of the active run (write-once: a different value later is an InvalidArgumentError); enqueue only. */
export function logParam(key: string, value: unknown): void {
  const run = requireRun();
  if (!run) return;
  run.client.logParam(run.runId, key, value);
}

/** Logs several params of the active run; enqueue only. */
export function logParams(params: Record<string, unknown>): void {
  const run = requireRun();
  if (!run) return;
  for (const [key, value] of Object.entries(params)) run.client.logParam(run.runId, key, value);
}

/** Sets a tag of the active run; enqueue only. */
export function setTag(key: string, value: unknown): void {
  const run = requireRun();
  if (!run) return;
  run.client.setTag(run.runId, key, value);
}

/** Sets several tags of the active run; enqueue only. */
export function setTags(tags: Record<string, unknown>): void {
  const run = requireRun();
  if (!run) return;
  for (const [key, value] of Object.entries(tags)) run.client.setTag(run.runId, key, value);
}

/** Deletes a tag of the active run (in order with the tag writes before it); enqueue only. */
export function deleteTag(key: string): void {
  const run = requireRun();
  if (!run) return;
  run.client.deleteTag(run.runId, key);
}

/** Uploads a local file as an artifact of the active run, under `artifactPath` when given. */
export function logArtifact(localPath: string, artifactPath?: string): Promise<void> {
  const run = requireRun();
  if (!run) return Promise.resolve();
  return run.client.logArtifact(run.runId, localPath, artifactPath);
}

/** Uploads a local directory's files as artifacts of the active run. */
export function logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
  const run = requireRun();
  if (!run) return Promise.resolve();
  return run.client.logArtifacts(run.runId, localDir, artifactPath);
}

/** Writes `text` as the artifact file `artifactFile` of the active run. */
export function logText(text: string, artifactFile: string): Promise<void> {
  const run = requireRun();
  if (!run) return Promise.resolve();
  return run.client.logText(run.runId, text, artifactFile);
}

/** Records a dataset as an input of the active run (`context`: 'train', 'eval', ...); endRun waits for it. */
export function logInput(dataset: Dataset, opts?: LogInputOptions): Promise<void> {
  const run = requireRun();
  if (!run) return Promise.resolve();
  return run.client.logInput(run.runId, dataset, opts);
}

/** Records several datasets as inputs of the active run, in one request. */
export function logInputs(inputs: DatasetInputSpec[]): Promise<void> {
  const run = requireRun();
  if (!run) return Promise.resolve();
  return run.client.logInputs(run.runId, inputs);
}

/** Writes an object as the artifact file `artifactFile` of the active run: YAML for .yaml/.yml, else JSON. */
export function logDict(value: unknown, artifactFile: string): Promise<void> {
  const run = requireRun();
  if (!run) return Promise.resolve();
  return run.client.logDict(run.runId, value, artifactFile);
}
