import { InvalidArgumentError } from '../errors.js';

/**
 * MLflow's dataset entity (`mlflow.entities.Dataset`), what `runs/log-inputs` carries and the local
 * store keeps in `<experiment>/datasets/<id>/meta.yaml`. `source`, `schema` and `profile` are JSON
 * strings, as MLflow stores them; the builders of @runlog/models fill them in MLflow's formats.
 */
export interface Dataset {
  /** e.g. 'iris_train'; MLflow's builders default to 'dataset'. */
  name: string;
  /** A short fingerprint of the data (MLflow's builders: 8 hex characters). */
  digest: string;
  /** 'local' (a file), 'code' (built in the program), 'http', 's3', ... */
  sourceType: string;
  /** JSON: `{"uri": ...}` for a file, `{"tags": {...}}` for code. */
  source: string;
  /** JSON: `{"mlflow_colspec": [...]}` or `{"mlflow_tensorspec": {...}}`. */
  schema?: string | undefined;
  /** JSON: summary figures such as `{"num_rows": 150, "num_elements": 600}`. */
  profile?: string | undefined;
}

/** A key and value attached to one input of a run. */
export interface InputTag {
  key: string;
  value: string;
}

/** A dataset used by a run, with the input's tags (the context among them). */
export interface DatasetInput {
  dataset: Dataset;
  tags: InputTag[];
}

/** What a run used: its datasets (`run.inputs.dataset_inputs` in MLflow). */
export interface RunInputs {
  datasetInputs: DatasetInput[];
}

/** The input tag that says what the dataset was used for ('train', 'eval', ...). */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/** Options of logInput: the context (as the `mlflow.data.context` tag) and other input tags. */
export interface LogInputOptions {
  context?: string | undefined;
  tags?: Record<string, string> | undefined;
}

// MLflow's server-side limits (mlflow/utils/validation.py), checked before sending.
const MAX_NAME = 500;
const MAX_DIGEST = 36;
const MAX_SOURCE = 65_535;
const MAX_SCHEMA = 1_048_575;
const MAX_PROFILE = 16_777_215;
const MAX_TAG_KEY = 255;
const MAX_TAG_VALUE = 500;

/** A DatasetInput from a dataset and logInput's options, tags first then the context, as MLflow orders them. */
export function toDatasetInput(dataset: Dataset, opts: LogInputOptions = {}): DatasetInput {
  const tags: InputTag[] = Object.entries(opts.tags ?? {}).map(([key, value]) => ({ key, value }));
  if (opts.context) tags.push({ key: DATASET_CONTEXT_TAG, value: opts.context });
  const input = { dataset: pickDataset(dataset), tags };
  validateDatasetInput(input);
  return input;
}

/** Throws InvalidArgumentError for an input MLflow's server would refuse. */
export function validateDatasetInput(input: DatasetInput): void {
  const d = input.dataset as Partial<Dataset> | undefined;
  if (typeof d !== 'object' || d === null) throw new InvalidArgumentError('A dataset input needs a dataset.');
  for (const field of ['name', 'digest', 'sourceType', 'source'] as const) {
    if (typeof d[field] !== 'string' || d[field] === '') {
      throw new InvalidArgumentError(`A dataset needs a non-empty string '${field}' (build one with datasetFromArrays, datasetFromRecords, datasetFromCsv, ...).`);
    }
  }
  for (const field of ['schema', 'profile'] as const) {
    if (d[field] !== undefined && typeof d[field] !== 'string') throw new InvalidArgumentError(`The dataset's '${field}' must be a JSON string.`);
  }
  checkLength('name', d.name!, MAX_NAME);
  checkLength('digest', d.digest!, MAX_DIGEST);
  checkLength('source', d.source!, MAX_SOURCE);
  if (d.schema !== undefined) checkLength('schema', d.schema, MAX_SCHEMA);
  if (d.profile !== undefined) checkLength('profile', d.profile, MAX_PROFILE);
  for (const tag of input.tags) {
    if (typeof tag.key !== 'string' || tag.key === '' || typeof tag.value !== 'string') {
      throw new InvalidArgumentError(`Input tags need a non-empty string key and a string value (got ${JSON.stringify(tag)}).`);
    }
    checkLength('input tag key', tag.key, MAX_TAG_KEY);
    checkLength('input tag value', tag.value, MAX_TAG_VALUE);
  }
}

/** Only the entity's fields: a builder's dataset may carry more (its rows), which is not sent. */
function pickDataset(d: Dataset): Dataset {
  if (typeof d !== 'object' || d === null) throw new InvalidArgumentError('logInput needs a dataset.');
  const out: Dataset = { name: d.name, digest: d.digest, sourceType: d.sourceType, source: d.source };
  if (d.schema !== undefined) out.schema = d.schema;
  if (d.profile !== undefined) out.profile = d.profile;
  return out;
}

function checkLength(what: string, value: string, max: number): void {
  if (value.length > max) throw new InvalidArgumentError(`The dataset's ${what} is ${value.length} characters; MLflow allows at most ${max}.`);
}
