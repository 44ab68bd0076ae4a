import type { Metric } from './entities.js';
import { InvalidArgumentError } from './errors.js';
import type { SearchLoggedModelsRequest, TrackingStore } from './store.js';

/**
 * searchLoggedModels() options: MLflow's logged-model filter and order-by (the store's request;
 * the fluent API defaults `experimentIds` to its current experiment).
 */
export type SearchLoggedModelsOptions = SearchLoggedModelsRequest;

/** The dataset a metric value was computed on: its name and digest, as MLflow records them. */
export interface MetricDataset {
  name: string;
  digest: string;
}

let lastModelId: string | undefined;

/** Remembers the id of the LoggedModel this process created last (see lastLoggedModelId). */
export function rememberLoggedModelId(modelId: string): void {
  lastModelId = modelId;
}

/**
 * The id of the LoggedModel this process created last (by logModel, autolog or
 * createLoggedModel), as Python's `mlflow.last_logged_model().model_id`; undefined before any.
 */
export function lastLoggedModelId(): string | undefined {
  return lastModelId;
}

/** Checks the model and dataset a metric point is linked to; returns them as Metric fields. */
export function linkFields(key: string, modelId: unknown, dataset: unknown): Pick<Metric, 'modelId' | 'datasetName' | 'datasetDigest'> {
  const out: Pick<Metric, 'modelId' | 'datasetName' | 'datasetDigest'> = {};
  if (modelId !== undefined) {
    if (typeof modelId !== 'string' || !/^[a-zA-Z0-9][\w-]{0,255}$/.test(modelId)) {
      throw new InvalidArgumentError(`Metric '${key}': modelId must be a logged model id such as 'm-…', got ${JSON.stringify(modelId)}.`);
    }
    out.modelId = modelId;
  }
  if (dataset !== undefined) {
    const d = dataset as Partial<MetricDataset> | null;
    // MLflow's FileStore writes both on one space-separated line: neither may hold a space.
    const ok = (v: unknown) => typeof v === 'string' && v !== '' && !/\s/.test(v);
    if (d === null || typeof d !== 'object' || !ok(d.name) || !ok(d.digest)) {
      throw new InvalidArgumentError(`Metric '${key}': dataset must be { name, digest }, non-empty strings without spaces.`);
    }
    out.datasetName = d.name;
    out.datasetDigest = d.digest;
  }
  return out;
}

/**
 * Sends metric points linked to a model or dataset. They carry fields the batch queue does not
 * (it is columnar: key, value, timestamp, step), so they go to the store directly, one request
 * per call, in call order; the caller tracks the returned promise so that endRun waits for it.
 * Such points are not journaled: with the server away they fail and are reported to onError.
 */
export class LinkedMetricSender {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly store: TrackingStore) {}

  send(runId: string, metrics: Metric[]): Promise<void> {
    const next = this.chain.then(() => this.store.logBatch(runId, { metrics, params: [], tags: [] }));
    this.chain = next.catch(() => undefined);
    return next;
  }
}
