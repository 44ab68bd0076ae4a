import { InvalidArgumentError } from '../errors.js';
import type { TrackingStore } from '../store.js';
import { toDatasetInput, type Dataset, type LogInputOptions } from './dataset-input.js';

/** One entry of logInputs: a dataset, with its context and input tags. */
export interface DatasetInputSpec extends LogInputOptions {
  dataset: Dataset;
}

/**
 * Validates the inputs and sends them in one store call. Inputs are not records of the uploader
 * or the journal: a run logs a handful, each idempotent (MLflow keys them by run, name and
 * digest), so the call goes to the store at once and the caller's promise says how it went.
 */
export async function sendDatasetInputs(store: TrackingStore, runId: string, specs: readonly DatasetInputSpec[]): Promise<void> {
  if (!Array.isArray(specs)) throw new InvalidArgumentError('logInputs takes an array of { dataset, context?, tags? }.');
  const inputs = specs.map((s) => toDatasetInput(s?.dataset, { context: s?.context, tags: s?.tags }));
  if (inputs.length === 0) return;
  if (typeof store.logInputs !== 'function') throw new InvalidArgumentError(`The store ${store.displayUri} does not keep dataset inputs.`);
  await store.logInputs(runId, inputs);
}
