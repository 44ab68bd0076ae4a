import type * as tfjs from '@tensorflow/tfjs';
import { InvalidArgumentError, SchemaMismatchError } from '@runlog/core';
import type { NumpyDtype, TensorValue } from '@runlog/models';
import type { TfjsModule } from './resolve-tfjs.js';

/** TF.js's tensor dtypes. */
export type TfDtype = tfjs.DataType;

/** The numpy dtype MLflow records for a TF.js dtype; undefined for complex64, which MLflow has no name for. */
export function numpyDtypeOf(dtype: string): NumpyDtype | undefined {
  switch (dtype) {
    case 'float32':
      return 'float32';
    case 'int32':
      return 'int32';
    case 'bool':
      return 'bool';
    case 'string':
      return 'str';
    default:
      return undefined;
  }
}

/**
 * True for a TF.js tensor of any copy of the library (tfjs or tfjs-node, CJS or ESM build): checked by
 * shape, not `instanceof`, because a second copy of TF.js has its own Tensor class.
 */
export function isTfTensor(value: unknown): value is tfjs.Tensor {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<tfjs.Tensor>;
  return (
    typeof t.dataSync === 'function' &&
    typeof t.data === 'function' &&
    typeof t.dispose === 'function' &&
    Array.isArray(t.shape) &&
    typeof t.dtype === 'string' &&
    'dataId' in t
  );
}

/**
 * Builds a tf tensor of `dtype` (the model input's dtype) from a TensorValue, converting the data
 * when the value's dtype differs (float64 → float32, int64 → int32, ...). The caller disposes it.
 * @throws SchemaMismatchError when the data cannot become `dtype` or does not fill `dims`.
 */
export function toTfTensor(tf: TfjsModule, value: TensorValue, dtype: TfDtype, inputName: string): tfjs.Tensor {
  const size = value.dims.reduce((a, b) => a * b, 1);
  if (value.dims.some((d) => !Number.isInteger(d) || d < 0) || size !== value.data.length) {
    throw new SchemaMismatchError(
      `input '${inputName}': dims [${value.dims.join(', ')}] do not match ${value.data.length} values`,
      inputName,
      `${size} values`,
      `${value.data.length} values`,
    );
  }
  return tf.tensor(convertData(value, dtype, inputName), value.dims, dtype);
}

function convertData(value: TensorValue, dtype: TfDtype, inputName: string): tfjs.TensorLike {
  const { data } = value;
  const mismatch = (why: string) =>
    new SchemaMismatchError(`input '${inputName}': ${why}`, inputName, numpyDtypeOf(dtype) ?? dtype, value.dtype);
  switch (dtype) {
    case 'string':
      if (!Array.isArray(data) || !data.every((v) => typeof v === 'string')) {
        throw mismatch(`a ${value.dtype} tensor cannot feed a string input`);
      }
      return data as string[];
    case 'float32':
      if (data instanceof Float32Array) return data;
      if (isStringArray(data)) throw mismatch(`a str tensor cannot feed a float32 input`);
      return Float32Array.from(numbers(data));
    case 'int32': {
      if (data instanceof Int32Array) return data;
      if (isStringArray(data)) throw mismatch(`a str tensor cannot feed an int32 input`);
      const out = new Int32Array(data.length);
      let i = 0;
      for (const n of numbers(data)) {
        if (!(n >= -2147483648 && n <= 2147483647)) throw mismatch(`value ${n} at index ${i} does not fit int32`);
        out[i++] = n;
      }
      return out;
    }
    case 'bool': {
      if (isStringArray(data)) throw mismatch(`a str tensor cannot feed a bool input`);
      return Uint8Array.from(numbers(data), (n) => (n ? 1 : 0));
    }
    default:
      throw new InvalidArgumentError(`the tfjs flavor cannot feed a ${dtype} input ('${inputName}')`);
  }
}

function isStringArray(data: TensorValue['data']): data is string[] {
  return Array.isArray(data) && data.length > 0 && typeof data[0] === 'string';
}

function* numbers(data: Exclude<TensorValue['data'], string[]>): Iterable<number> {
  for (const v of data as Iterable<number | bigint | boolean>) yield typeof v === 'number' ? v : Number(v);
}

/** Reads a tf tensor into a TensorValue (a copy: the backend's buffer is never handed out). Does not dispose it. */
export async function fromTfTensor(tensor: tfjs.Tensor): Promise<TensorValue> {
  return toTensorValue(tensor, await tensor.data());
}

/** Synchronous fromTfTensor, for a tensor the user passed to predict(). */
export function fromTfTensorSync(tensor: tfjs.Tensor): TensorValue {
  return toTensorValue(tensor, tensor.dataSync());
}

function toTensorValue(tensor: tfjs.Tensor, values: tfjs.DataTypeMap[tfjs.DataType] | Uint8Array[]): TensorValue {
  const dims = [...tensor.shape];
  switch (tensor.dtype) {
    case 'float32':
      return { dtype: 'float32', dims, data: Float32Array.from(values as Float32Array) };
    case 'int32':
      return { dtype: 'int32', dims, data: Int32Array.from(values as Int32Array) };
    case 'bool':
      return { dtype: 'bool', dims, data: Array.from(values as Uint8Array, (v) => v !== 0) };
    case 'string':
      // data()/dataSync() decode string tensors to JS strings.
      return { dtype: 'str', dims, data: Array.from(values as unknown as string[], String) };
    default:
      throw new InvalidArgumentError(`the tfjs flavor cannot convert a ${tensor.dtype} tensor`);
  }
}
