import { SCORING_PROTOCOL_CHANGE_INFO, badRequest } from './scoring-error.js';
import type { ServedModel } from './served-model.js';

/**
 * Turns an /invocations JSON body into what LoadedModel.predict takes, the way MLflow's scoring
 * server (mlflow/pyfunc/scoring_server, mlflow/utils/proto_json_utils.py) reads it:
 * - `inputs`: TF-serving columnar format, a bare value or `{name: value}`;
 * - `instances`: TF-serving row format, a list of values or of `{name: value}` rows (→ columns);
 * - `dataframe_split` `{columns?, data, index?}` and `dataframe_records` `[{col: value}]`: a
 *   DataFrame, handed over as rows to a model with one unnamed input (MLflow's `df.values`) and
 *   as `{column: [values]}` otherwise.
 * Keys the model does not declare are dropped, as MLflow's schema enforcement drops them.
 */

export const FORMAT_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
type FormatKey = (typeof FORMAT_KEYS)[number];

const REQUIRED_INPUT_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields {${FORMAT_KEYS.map((k) => `'${k}'`).join(', ')}}`;

export interface ParsedRequest {
  /** The model input, in a form predict() accepts. */
  input: unknown;
  params: Record<string, unknown> | undefined;
  /** The body was a DataFrame (dataframe_split, dataframe_records, CSV). */
  dataframe: boolean;
}

/** A table: column names and row-major cells. */
export interface DataFrame {
  columns: string[];
  rows: unknown[][];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Keeps only the keys the model declares (all of them when it names none). */
function known(obj: Record<string, unknown>, names: readonly string[] | undefined): Record<string, unknown> {
  if (names === undefined) return obj;
  let extra = false;
  for (const k in obj) if (!names.includes(k)) extra = true;
  if (!extra) return obj;
  const out: Record<string, unknown> = {};
  for (const k of names) if (k in obj) out[k] = obj[k];
  return out;
}

export function parseJsonBody(text: string, served: ServedModel): ParsedRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw badRequest(`Invalid input. Ensure that input is a valid JSON formatted string. Error: ${(err as Error).message}`);
  }
  if (Array.isArray(body)) throw badRequest(`Invalid input. ${REQUIRED_INPUT_FORMAT}. Received a list.`);
  if (!isPlainObject(body)) throw badRequest(`Invalid input. ${REQUIRED_INPUT_FORMAT}. Received ${body === null ? 'null' : typeof body}.`);
  let format: FormatKey | undefined;
  let count = 0;
  for (const k of FORMAT_KEYS) {
    if (k in body) {
      format = k;
      count++;
    }
  }
  if (count !== 1) {
    throw badRequest(
      `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ${JSON.stringify(Object.keys(body))}. ${SCORING_PROTOCOL_CHANGE_INFO}`,
    );
  }
  const rawParams = body.params;
  if (rawParams !== undefined && rawParams !== null && !isPlainObject(rawParams)) {
    throw badRequest(`Invalid input. 'params' must be a JSON object of parameter values, got ${Array.isArray(rawParams) ? 'a list' : typeof rawParams}.`);
  }
  const params = (rawParams ?? undefined) as Record<string, unknown> | undefined;
  const value = body[format!];
  if (format === 'inputs' || format === 'instances') refuseTensorObjects(value, served);
  switch (format!) {
    case 'inputs':
      return { input: isPlainObject(value) ? known(value, served.names) : value, params, dataframe: false };
    case 'instances':
      return { input: fromInstances(value, served), params, dataframe: false };
    case 'dataframe_split':
      return { input: dataFrameInput(splitFrame(value), served), params, dataframe: true };
    case 'dataframe_records':
      return { input: dataFrameInput(recordsFrame(value), served), params, dataframe: true };
  }
}

/**
 * runlog's `{dtype, dims, data}` TensorValue is a JS-API form (typed arrays, no JSON equivalent)
 * and not part of MLflow's scoring protocol; read from JSON it would be ambiguous (float16 numbers
 * or bits? int64 as strings?) and could shadow inputs named dtype/dims/data. Over HTTP, inputs are
 * nested lists and their dtype is the signature's: such objects are refused with 400.
 */
function refuseTensorObjects(value: unknown, served: ServedModel): void {
  const looksLikeTensor = (v: unknown) => isPlainObject(v) && 'dtype' in v && 'dims' in v && 'data' in v;
  const namedInputs = served.names !== undefined && ['dtype', 'dims', 'data'].every((k) => served.names!.includes(k));
  const found = (looksLikeTensor(value) && !namedInputs) || (isPlainObject(value) && Object.values(value).some(looksLikeTensor));
  if (found) {
    throw badRequest(
      "Invalid input. Tensor objects {dtype, dims, data} are not part of MLflow's scoring protocol: send each input as nested lists; its dtype comes from the model's signature.",
    );
  }
}

function fromInstances(value: unknown, served: ServedModel): unknown {
  if (isPlainObject(value)) return known(value, served.names);
  if (!Array.isArray(value) || value.length === 0 || !isPlainObject(value[0])) return value;
  const columns: Record<string, unknown[]> = {};
  for (const row of value) {
    if (!isPlainObject(row)) throw badRequest('Invalid input. `instances` mixes {name: value} rows with other values.');
    for (const k in row) (columns[k] ??= []).push(row[k]);
  }
  const picked = known(columns, served.names) as Record<string, unknown[]>;
  const lengths = new Set(Object.values(picked).map((v) => v.length));
  if (lengths.size > 1) throw badRequest('Invalid input. The length of values for each input/column name are not the same');
  return picked;
}

function splitFrame(value: unknown): DataFrame {
  if (!isPlainObject(value)) {
    throw badRequest(`Invalid input. Dataframe split format must be a dictionary. Got ${Array.isArray(value) ? 'list' : typeof value}.`);
  }
  const keys = Object.keys(value);
  if (!('data' in value) || keys.some((k) => k !== 'data' && k !== 'columns' && k !== 'index')) {
    throw badRequest(`Invalid input. Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got ${JSON.stringify(keys)}.`);
  }
  const invalid = (why: string) => badRequest(`Invalid input. Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: ${why}`);
  if (!Array.isArray(value.data)) throw invalid("'data' must be a list of rows");
  const rows = value.data.map((r) => (Array.isArray(r) ? r : [r]));
  let columns: string[];
  if (value.columns === undefined || value.columns === null) {
    columns = Array.from({ length: rows[0]?.length ?? 0 }, (_, i) => String(i));
  } else if (Array.isArray(value.columns) && value.columns.every((c) => typeof c === 'string' || typeof c === 'number')) {
    columns = value.columns.map(String);
  } else throw invalid("'columns' must be a list of column names");
  for (const r of rows) {
    if (r.length !== columns.length) throw invalid(`${columns.length} columns passed, passed data had ${r.length} columns`);
  }
  return { columns, rows };
}

function recordsFrame(value: unknown): DataFrame {
  if (!Array.isArray(value)) {
    throw badRequest(`Invalid input. Dataframe records format must be a list of records. Got ${isPlainObject(value) ? 'dictionary' : typeof value}.`);
  }
  if (value.every((r) => Array.isArray(r))) {
    const width = Math.max(0, ...value.map((r: unknown[]) => r.length));
    return { columns: Array.from({ length: width }, (_, i) => String(i)), rows: value.map((r: unknown[]) => Array.from({ length: width }, (_, i) => r[i] ?? null)) };
  }
  const index = new Map<string, number>();
  for (const r of value) {
    if (!isPlainObject(r)) {
      throw badRequest("Invalid input. Provided dataframe_records field is not a valid dataframe representation in 'records' format: every record must be an object.");
    }
    for (const k in r) if (!index.has(k)) index.set(k, index.size);
  }
  const columns = [...index.keys()];
  return { columns, rows: value.map((r: Record<string, unknown>) => columns.map((c) => (c in r ? r[c] : null))) };
}

/**
 * A DataFrame as model input: rows for a model with one unnamed input (MLflow's `df.values`),
 * else `{column: [values]}` restricted to the declared names.
 */
export function dataFrameInput(frame: DataFrame, served: ServedModel): unknown {
  if (served.names === undefined && served.kind !== 'column') return frame.rows;
  const out: Record<string, unknown[]> = {};
  frame.columns.forEach((c, i) => {
    if (served.names === undefined || served.names.includes(c)) out[c] = frame.rows.map((r) => r[i]);
  });
  return out;
}
