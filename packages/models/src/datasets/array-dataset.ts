import { createHash, type Hash } from 'node:crypto';
import type { Dataset } from '@runlog/core';
import { pyJsonDumps } from '@runlog/core/internal';
import { resolveSource, type DatasetSourceInfo } from './dataset-source.js';
import { int64Bytes, numberHash, uint64Bytes } from './pandas-hash.js';
import { itemSize, toFlatArray, type ArrayData, type FlatArray } from './tensor-data.js';

/** MLflow hashes at most this many leading elements (rows, for tables) of each array. */
export const MAX_HASHED_ELEMENTS = 10_000;

/** Arrays, or named arrays (one per feature). */
export type ArrayFeatures = ArrayData | Record<string, ArrayData>;

export interface DatasetOptions {
  /** Default 'dataset', as MLflow's. */
  name?: string | undefined;
  /** A path or URI the data came from; default: this program (MLflow's 'code' source). */
  source?: string | DatasetSourceInfo | undefined;
  /** A digest of your own instead of the computed one. */
  digest?: string | undefined;
}

export interface ArrayDatasetOptions extends DatasetOptions {
  targets?: ArrayFeatures | undefined;
}

type Flat = FlatArray | Record<string, FlatArray>;

/**
 * A dataset of tensors (MLflow's `mlflow.data.from_numpy`): typed arrays, nested arrays of
 * numbers or booleans, or `{ values, shape }`; a record of them names the features. Its digest
 * is the one Python computes for numpy arrays of the same dtype, shape and values; its schema is
 * MLflow's tensor spec and its profile the shapes, sizes and byte counts.
 */
export function datasetFromArrays(features: ArrayFeatures, opts: ArrayDatasetOptions = {}): Dataset {
  const f = flatten(features, 'features');
  const t = opts.targets === undefined ? undefined : flatten(opts.targets, 'targets');
  return tensorDataset(f, t, opts);
}

/** The entity of a tensor dataset from flattened features and targets (also used for tf tensors). */
export function tensorDataset(features: Flat, targets: Flat | undefined, opts: DatasetOptions): Dataset {
  const src = resolveSource(opts.source);
  const profile: Record<string, unknown> = {
    features_shape: per(features, (a) => a.shape),
    features_size: per(features, size),
    features_nbytes: per(features, (a) => size(a) * itemSize(a.dtype)),
  };
  if (targets !== undefined) {
    profile['targets_shape'] = per(targets, (a) => a.shape);
    profile['targets_size'] = per(targets, size);
    profile['targets_nbytes'] = per(targets, (a) => size(a) * itemSize(a.dtype));
  }
  const schema = { mlflow_tensorspec: { features: tensorSpecJson(features), targets: targets === undefined ? null : tensorSpecJson(targets) } };
  return {
    name: opts.name ?? 'dataset',
    digest: opts.digest ?? arraysDigest(features, targets),
    sourceType: src.sourceType,
    source: src.source,
    schema: pyJsonDumps(schema),
    profile: pyJsonDumps(profile),
  };
}

/** MLflow's numpy digest: per array its first 10,000 element hashes and its dimensions; named arrays by sorted name. */
export function arraysDigest(features: Flat, targets?: Flat): string {
  const md5 = createHash('md5');
  for (const item of [features, targets]) {
    if (item === undefined) continue;
    if (isFlat(item)) hashArray(md5, item);
    else for (const key of Object.keys(item).sort()) hashArray(md5, item[key]!);
  }
  return md5.digest('hex').slice(0, 8);
}

function hashArray(md5: Hash, a: FlatArray): void {
  const n = Math.min(a.values.length, MAX_HASHED_ELEMENTS);
  const hashes: bigint[] = new Array<bigint>(n);
  for (let i = 0; i < n; i++) hashes[i] = numberHash(a.values[i]!, a.dtype);
  md5.update(uint64Bytes(hashes));
  for (const d of a.shape) md5.update(int64Bytes(d));
}

function tensorSpecJson(data: Flat): string {
  const spec = (a: FlatArray) => ({ dtype: a.dtype, shape: [-1, ...a.shape.slice(1)] });
  const list = isFlat(data)
    ? [{ type: 'tensor', 'tensor-spec': spec(data) }]
    : Object.entries(data).map(([name, a]) => ({ name, type: 'tensor', 'tensor-spec': spec(a) }));
  return pyJsonDumps(list);
}

function flatten(data: ArrayFeatures, what: string): Flat {
  if (isArrayData(data)) return toFlatArray(data, what);
  const out: Record<string, FlatArray> = {};
  for (const [name, a] of Object.entries(data)) out[name] = toFlatArray(a, `${what}.${name}`);
  return out;
}

function isArrayData(d: ArrayFeatures): d is ArrayData {
  return ArrayBuffer.isView(d) || Array.isArray(d) || ('values' in d && 'shape' in d && !ArrayBuffer.isView((d as Record<string, unknown>)['shape']));
}

function isFlat(d: Flat): d is FlatArray {
  return 'dtype' in d && 'shape' in d && 'values' in d && typeof (d as FlatArray).dtype === 'string';
}

const size = (a: FlatArray): number => a.shape.reduce((x, y) => x * y, 1);

function per<T>(data: Flat, fn: (a: FlatArray) => T): T | Record<string, T> {
  if (isFlat(data)) return fn(data);
  const out: Record<string, T> = {};
  for (const [k, a] of Object.entries(data)) out[k] = fn(a);
  return out;
}
