import type { Dataset, DatasetInput, RunInputs } from '../datasets/dataset-input.js';

/** MLflow's `DatasetInput` message as JSON (snake_case; unset optional fields absent). */
export function encodeDatasetInput(input: DatasetInput): Record<string, unknown> {
  const d = input.dataset;
  const dataset: Record<string, unknown> = { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source };
  if (d.schema !== undefined) dataset['schema'] = d.schema;
  if (d.profile !== undefined) dataset['profile'] = d.profile;
  return { tags: input.tags.map((t) => ({ key: t.key, value: t.value })), dataset };
}

/** `run.inputs` of a runs/get or runs/search answer. */
export function decodeRunInputs(inputs: any): RunInputs {
  const list = Array.isArray(inputs?.dataset_inputs) ? (inputs.dataset_inputs as any[]) : [];
  return {
    datasetInputs: list.map((di) => ({
      dataset: decodeDataset(di?.dataset ?? {}),
      tags: (Array.isArray(di?.tags) ? (di.tags as any[]) : []).map((t) => ({ key: String(t?.key ?? ''), value: String(t?.value ?? '') })),
    })),
  };
}

function decodeDataset(d: any): Dataset {
  const out: Dataset = { name: d.name ?? '', digest: d.digest ?? '', sourceType: d.source_type ?? '', source: d.source ?? '' };
  if (typeof d.schema === 'string') out.schema = d.schema;
  if (typeof d.profile === 'string') out.profile = d.profile;
  return out;
}
