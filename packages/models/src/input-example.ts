import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@runlog/core';
import { PyFloatTree, pyJsonDumps } from '@runlog/core/internal';
import { FLOAT_DTYPES, flattenNested, isTensorValue, isTypedArray, shapeOf, tensorToNested, dtypeOfTypedArray } from './tensor.js';
import type { SavedInputExampleInfo, TensorValue } from './types.js';

/**
 * Input examples as MLflow's `_Example` saves them (mlflow/models/utils.py):
 * - `input_example.json`: `json.dumps(example)` (`", "` / `": "` separators, no newline at the end);
 *   tensors as nested lists with NaN written as null, dicts of tensors as `{name: list}`, other
 *   JSON values as they are; with params `{"inputs": <data>, "params": {...}}`.
 * - `serving_input_example.json`: `{"inputs": <data>[, "params": {...}]}` with `indent=2`, a body
 *   ready to POST to `/invocations`.
 * Tensor-like examples (TensorValue, typed array, rectangular nested arrays of numbers, booleans
 * or strings, or an object of those) are type `ndarray`, as a numpy array (or dict of arrays) is in
 * MLflow; numbers of float dtypes (and plain JS numbers, which are float64) are written as Python
 * floats (`1.0`). Anything else JSON-able is `json_object`.
 */

export const INPUT_EXAMPLE_FILE = 'input_example.json';
export const SERVING_INPUT_EXAMPLE_FILE = 'serving_input_example.json';

export interface BuiltInputExample {
  /** The text of input_example.json. */
  inputExample: string;
  /** The text of serving_input_example.json. */
  servingInput: string;
  info: SavedInputExampleInfo;
}

/** A tensor-like value as the JSON MLflow writes for an ndarray, or undefined if it is not one. */
function ndarrayJson(v: unknown): unknown {
  let t: TensorValue | undefined;
  if (isTensorValue(v)) t = v;
  else if (isTypedArray(v)) {
    const dtype = dtypeOfTypedArray(v);
    if (dtype) t = { dtype, dims: [v.length], data: v as TensorValue['data'] };
  } else if (Array.isArray(v)) {
    const dims = shapeOf(v);
    let flat: unknown[];
    try {
      flat = flattenNested(v, dims);
    } catch {
      return undefined;
    }
    const kinds = new Set(flat.map((x) => typeof x));
    if (kinds.size > 1 || (kinds.size === 1 && !['number', 'boolean', 'string'].includes([...kinds][0]!))) return undefined;
    return kinds.has('number') || kinds.size === 0 ? new PyFloatTree(nanToNull(v)) : v;
  }
  if (!t) return undefined;
  const nested = tensorToNested(t);
  return FLOAT_DTYPES.has(t.dtype) ? new PyFloatTree(nanToNull(nested)) : nested;
}

function nanToNull(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(nanToNull);
  return typeof v === 'number' && Number.isNaN(v) ? null : v;
}

function isJsonable(v: unknown): boolean {
  if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return true;
  if (Array.isArray(v)) return v.every(isJsonable);
  if (typeof v === 'object') return Object.values(v as object).every((x) => x === undefined || isJsonable(x));
  return false;
}

/** The two files' text and the `saved_input_example_info` block for an example. */
export function buildInputExample(example: unknown, params?: Record<string, unknown>): BuiltInputExample {
  if (example === undefined) throw new InvalidArgumentError('An input example is required.');
  let data: unknown;
  let type: SavedInputExampleInfo['type'];
  const single = ndarrayJson(example);
  if (single !== undefined) {
    data = single;
    type = 'ndarray';
  } else if (example !== null && typeof example === 'object' && !Array.isArray(example)) {
    const entries = Object.entries(example as Record<string, unknown>).map(([k, v]) => [k, ndarrayJson(v)] as const);
    if (entries.length > 0 && entries.every(([, v]) => v !== undefined)) {
      data = Object.fromEntries(entries);
      type = 'ndarray';
    } else {
      data = example;
      type = 'json_object';
    }
  } else {
    data = example;
    type = 'json_object';
  }
  if (type === 'json_object' && !isJsonable(example)) {
    throw new InvalidArgumentError('The input example must be tensors (nested arrays, typed arrays, TensorValues, or an object of them) or JSON values.');
  }
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new InvalidArgumentError('Input example params must be an object.');
  }
  const info: SavedInputExampleInfo = { artifactPath: INPUT_EXAMPLE_FILE, type, servingInputPath: SERVING_INPUT_EXAMPLE_FILE };
  if (params) info.params = 'true';
  const fileValue = params ? { inputs: data, params } : data;
  const serving = params ? { inputs: data, params } : { inputs: data };
  return { inputExample: pyJsonDumps(fileValue), servingInput: pyJsonDumps(serving, { indent: 2 }), info };
}

/** Writes input_example.json and serving_input_example.json into `dir`; returns the MLmodel block. */
export async function saveInputExample(dir: string, example: unknown, params?: Record<string, unknown>): Promise<SavedInputExampleInfo> {
  const built = buildInputExample(example, params);
  await writeFile(join(dir, INPUT_EXAMPLE_FILE), built.inputExample, 'utf8');
  await writeFile(join(dir, SERVING_INPUT_EXAMPLE_FILE), built.servingInput, 'utf8');
  return built.info;
}
