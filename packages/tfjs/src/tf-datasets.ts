import type * as tfjs from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { InvalidArgumentError, type Dataset } from '@runlog/core';
import type { DatasetOptions } from '@runlog/models';
import { MAX_HASHED_ELEMENTS, resolveSource, tensorDataset, type FlatArray } from '@runlog/models/internal';
import { pyJsonDumps } from '@runlog/core/internal';
import { numberHashBytes } from './tf-dataset-hash.js';
import { isTfTensor } from './tensor-convert.js';

/** Tensors as features or targets: one tensor, a list (named '0', '1', ...) or named tensors. */
export type TensorFeatures = tfjs.Tensor | tfjs.Tensor[] | Record<string, tfjs.Tensor>;

export interface TensorDatasetOptions extends DatasetOptions {
  targets?: TensorFeatures | undefined;
}

export interface TfDataDatasetOptions extends DatasetOptions {
  /**
   * Elements read for the digest (default 10,000). MLflow reads the whole dataset; a bigger one
   * gets a digest of its first elements here, so that logging it never costs a second epoch.
   */
  maxElements?: number | undefined;
}

/**
 * A dataset of tensors (Python's `mlflow.data.from_tensorflow` with tensors): the digest Python
 * computes for the same values, MLflow's tensor spec, and the profile `features_cardinality`
 * (and `targets_cardinality`): the number of elements. Reads the tensors; does not dispose them.
 */
export function datasetFromTensor(features: TensorFeatures, opts: TensorDatasetOptions = {}): Dataset {
  const f = flatTensors(features, 'features');
  const t = opts.targets === undefined ? undefined : flatTensors(opts.targets, 'targets');
  return tensorsDataset(f, t, opts);
}

/** The entity of read tensors: numpy's digest and spec, TensorFlow's cardinality profile. */
export function tensorsDataset(f: FlatTensors, t: FlatTensors | undefined, opts: DatasetOptions): Dataset {
  const d = tensorDataset(f, t, opts);
  const profile: Record<string, unknown> = { features_cardinality: totalSize(f) };
  if (t !== undefined) profile['targets_cardinality'] = totalSize(t);
  return { ...d, profile: pyJsonDumps(profile) };
}

/**
 * A dataset of a `tf.data.Dataset` (Python's `from_tensorflow` with a tf.data.Dataset): the digest
 * hashes each element's tensors (flattened, object keys sorted, joined as numpy joins dtypes) as
 * Python does, the schema comes from the first element, and the profile is
 * `features_cardinality` (the dataset's size; -2 unknown, -1 infinite, as TensorFlow's).
 * Iterates the dataset once, up to `maxElements`, disposing what it read.
 */
export async function datasetFromTfDataset(ds: tfjs.data.Dataset<tfjs.TensorContainer>, opts: TfDataDatasetOptions = {}): Promise<Dataset> {
  if (typeof (ds as { iterator?: unknown })?.iterator !== 'function') throw new InvalidArgumentError('datasetFromTfDataset takes a tf.data.Dataset.');
  const max = opts.maxElements ?? MAX_HASHED_ELEMENTS;
  const md5 = createHash('md5');
  let hashed = 0;
  let schema: string | undefined;
  const it = await ds.iterator();
  for (let i = 0; i < max; i++) {
    const { value, done } = await it.next();
    if (done) break;
    try {
      const leaves = flattenElement(value);
      if (i === 0) schema = elementSchema(value);
      md5.update(numberHashBytes(leaves.map(leafValues), MAX_HASHED_ELEMENTS));
      hashed++;
    } finally {
      disposeElement(value);
    }
  }
  if (hashed === 0) throw new InvalidArgumentError('datasetFromTfDataset: the dataset has no elements to describe.');
  const size = (ds as { size?: number | null }).size;
  const cardinality = size === null || size === undefined ? -2 : size === Infinity ? -1 : size;
  const src = resolveSource(opts.source);
  const out: Dataset = {
    name: opts.name ?? 'dataset',
    digest: opts.digest ?? md5.digest('hex').slice(0, 8),
    sourceType: src.sourceType,
    source: src.source,
    profile: pyJsonDumps({ features_cardinality: cardinality }),
  };
  if (schema !== undefined) out.schema = schema;
  return out;
}

/**
 * A tensor read as a numpy array for a dataset: its rows from `fromRow` on, of which only the
 * first `max` values are read (all a digest uses), without copying the backend's buffer.
 */
export function flatTensorHead(t: tfjs.Tensor, fromRow = 0, max = MAX_HASHED_ELEMENTS): FlatArray {
  const rowSize = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const shape = t.rank === 0 ? [] : [(t.shape[0] ?? 0) - fromRow, ...t.shape.slice(1)];
  const start = fromRow * rowSize;
  const head = <A extends { subarray(a: number, b: number): A }>(a: A): A => a.subarray(start, start + max);
  switch (t.dtype) {
    case 'float32':
      return { values: head(t.dataSync() as Float32Array), dtype: 'float32', shape };
    case 'int32':
      return { values: head(t.dataSync() as Int32Array), dtype: 'int32', shape };
    case 'bool':
      return { values: Array.from(head(t.dataSync() as Uint8Array), (v) => v !== 0), dtype: 'bool', shape };
    default:
      throw new InvalidArgumentError(`a ${t.dtype} tensor cannot be described as a dataset (float32, int32 and bool can).`);
  }
}

type FlatTensors = FlatArray | Record<string, FlatArray>;

function flatTensors(x: TensorFeatures, what: string): FlatTensors {
  if (isTfTensor(x)) return flatTensorHead(x);
  const entries = Array.isArray(x) ? x.map((t, i) => [String(i), t] as const) : Object.entries(x);
  if (entries.length === 0 || !entries.every(([, t]) => isTfTensor(t))) throw new InvalidArgumentError(`${what}: expected a tf.Tensor, an array or a record of them.`);
  const out: Record<string, FlatArray> = {};
  for (const [name, t] of entries) out[name] = flatTensorHead(t);
  return out;
}

function totalSize(f: FlatArray | Record<string, FlatArray>): number {
  const size = (a: FlatArray) => a.shape.reduce((x, y) => x * y, 1);
  return 'dtype' in f && typeof f.dtype === 'string' ? size(f as FlatArray) : Object.values(f as Record<string, FlatArray>).reduce((n, a) => n + size(a), 0);
}

/** `tf.nest.flatten`: tensors of an element in order, object keys sorted. */
function flattenElement(value: unknown): tfjs.Tensor[] {
  if (isTfTensor(value)) return [value];
  if (Array.isArray(value)) return value.flatMap(flattenElement);
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    return Object.keys(obj).sort().flatMap((k) => flattenElement(obj[k]));
  }
  throw new InvalidArgumentError(`datasetFromTfDataset: elements must be tensors, arrays or objects of tensors, not ${typeof value}.`);
}

/** All of an element's tensor: numpy joins them before taking the first 10,000 values. */
function leafValues(t: tfjs.Tensor): FlatArray {
  return flatTensorHead(t, 0, Number.MAX_SAFE_INTEGER);
}

/** MLflow's schema of a tf.data.Dataset: from its first element (a tensor, an object or a list of tensors). */
function elementSchema(value: unknown): string | undefined {
  const spec = (t: tfjs.Tensor) => ({ dtype: t.dtype, shape: [-1, ...t.shape.slice(1)] });
  let list: unknown[];
  if (isTfTensor(value)) list = [{ type: 'tensor', 'tensor-spec': spec(value) }];
  else {
    const entries = Array.isArray(value) ? value.map((t, i) => [String(i), t] as const) : Object.entries(value as Record<string, unknown>);
    // Python refuses nested structures: no schema then.
    if (!entries.every(([, t]) => isTfTensor(t))) return undefined;
    list = entries.map(([name, t]) => ({ name, type: 'tensor', 'tensor-spec': spec(t as tfjs.Tensor) }));
  }
  return pyJsonDumps({ mlflow_tensorspec: { features: pyJsonDumps(list), targets: null } });
}

function disposeElement(value: unknown): void {
  for (const t of flattenElement(value)) t.dispose();
}
