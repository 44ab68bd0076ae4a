import { InvalidArgumentError } from '@runlog/core';
import type { NumericDtype } from './pandas-hash.js';

/** A typed array runlog reads as a numpy array of the matching dtype. */
export type NumericTypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray
  | BigInt64Array
  | BigUint64Array;

/** An n-dimensional array of numbers or booleans: nested arrays, or a typed array with its shape. */
export type ArrayData = NumericTypedArray | ArrayLike<unknown> | { values: NumericTypedArray | ArrayLike<number | bigint | boolean>; shape: readonly number[]; dtype?: NumericDtype };

/** One array, flat, with numpy's dtype and shape. */
export interface FlatArray {
  values: ArrayLike<number | bigint | boolean>;
  dtype: NumericDtype;
  shape: number[];
}

const TYPED_DTYPES: Array<[new (n: number) => ArrayLike<unknown>, NumericDtype]> = [
  [Float64Array, 'float64'],
  [Float32Array, 'float32'],
  [Int32Array, 'int32'],
  [Int16Array, 'int16'],
  [Int8Array, 'int8'],
  [Uint32Array, 'uint32'],
  [Uint16Array, 'uint16'],
  [Uint8Array, 'uint8'],
  [Uint8ClampedArray, 'uint8'],
  [BigInt64Array, 'int64'],
  [BigUint64Array, 'uint64'],
];

const BYTES: Record<NumericDtype, number> = {
  float64: 8, float32: 4, int64: 8, int32: 4, int16: 2, int8: 1, uint64: 8, uint32: 4, uint16: 2, uint8: 1, bool: 1,
};

/** Bytes per element of a dtype (numpy's itemsize). */
export function itemSize(dtype: NumericDtype): number {
  return BYTES[dtype];
}

function typedDtype(a: unknown): NumericDtype | undefined {
  for (const [ctor, dtype] of TYPED_DTYPES) if (a instanceof ctor) return dtype;
  return undefined;
}

/**
 * Flattens array data. Nested JS arrays become what `np.asarray` makes of the same literal:
 * booleans → bool, integers → int64, other numbers → float64; they must be rectangular.
 */
export function toFlatArray(data: ArrayData, what: string): FlatArray {
  const typed = typedDtype(data);
  if (typed) return { values: data as NumericTypedArray, dtype: typed, shape: [(data as NumericTypedArray).length] };
  if (typeof data === 'object' && data !== null && 'shape' in data && 'values' in data) {
    const shape = [...data.shape];
    const values = data.values;
    const size = shape.reduce((a, b) => a * b, 1);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0) || size !== values.length) {
      throw new InvalidArgumentError(`${what}: shape [${shape.join(', ')}] does not fit ${values.length} values.`);
    }
    const dtype = data.dtype ?? typedDtype(values) ?? inferDtype(Array.from(values), what);
    return { values, dtype, shape };
  }
  if (!Array.isArray(data)) throw new InvalidArgumentError(`${what}: expected an array, a typed array or { values, shape }, got ${typeof data}.`);
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const flat = (data as unknown[]).flat(shape.length - 1) as unknown[];
  if (flat.length !== shape.reduce((a, b) => a * b, 1) || flat.some((v) => Array.isArray(v))) {
    throw new InvalidArgumentError(`${what}: nested arrays must be rectangular (shape [${shape.join(', ')}]).`);
  }
  return { values: flat as Array<number | boolean>, dtype: inferDtype(flat, what), shape };
}

function inferDtype(values: unknown[], what: string): NumericDtype {
  if (values.every((v) => typeof v === 'boolean')) return 'bool';
  if (values.every((v) => typeof v === 'bigint')) return 'int64';
  if (!values.every((v) => typeof v === 'number')) throw new InvalidArgumentError(`${what}: values must all be numbers or all booleans.`);
  return (values as number[]).every((v) => Number.isInteger(v)) ? 'int64' : 'float64';
}
