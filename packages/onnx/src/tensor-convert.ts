/**
 * Conversions between runlog's TensorValue and onnxruntime tensors. Numeric data is shared, not
 * copied, in both directions (an ort.Tensor wraps the caller's typed array; an output TensorValue
 * wraps the array onnxruntime allocated); only booleans are converted (ort uses Uint8Array,
 * TensorValue boolean[]). ONNX element types map to the numpy dtype names MLflow writes.
 */
import { SchemaMismatchError } from '@runlog/core';
import type { NumpyDtype, TensorValue } from '@runlog/models';
import type { OrtModule } from './ort-loader.js';

type OrtTensor = InstanceType<OrtModule['Tensor']>;

/** onnxruntime's tensor type names → numpy dtype names (MLflow's tensor-spec `dtype`). */
const ORT_TO_NUMPY: Record<string, NumpyDtype> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  bool: 'bool',
  string: 'str',
};

const NUMPY_TO_ORT: Partial<Record<NumpyDtype, string>> = Object.fromEntries(
  Object.entries(ORT_TO_NUMPY).map(([ort, np]) => [np, ort]),
);

/** The numpy dtype for an onnxruntime tensor type, or undefined (uint4, int4, ... have none). */
export function numpyDtypeOf(ortType: string): NumpyDtype | undefined {
  return ORT_TO_NUMPY[ortType];
}

/** The onnxruntime tensor type for a numpy dtype ('str' and 'object' hold strings). */
export function ortTypeOf(dtype: NumpyDtype): string | undefined {
  return dtype === 'object' ? 'string' : NUMPY_TO_ORT[dtype];
}

function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Builds an ort.Tensor over `value`'s data (no copy except for booleans). */
export function toOrtTensor(ort: OrtModule, name: string, value: TensorValue): OrtTensor {
  const type = ortTypeOf(value.dtype);
  if (type === undefined) {
    throw new SchemaMismatchError(
      `input '${name}': dtype ${value.dtype} has no ONNX tensor type`,
      name,
      'an ONNX tensor dtype',
      value.dtype,
    );
  }
  const expected = elementCount(value.dims);
  if (value.data.length !== expected) {
    throw new SchemaMismatchError(
      `input '${name}': shape [${value.dims.join(', ')}] needs ${expected} elements, got ${value.data.length}`,
      name,
      `${expected} elements`,
      `${value.data.length} elements`,
    );
  }
  let data: unknown = value.data;
  if (type === 'bool' && Array.isArray(value.data)) {
    data = Uint8Array.from(value.data as boolean[], (b) => (b ? 1 : 0));
  }
  try {
    return new ort.Tensor(type as 'float32', data as Float32Array, value.dims);
  } catch (err) {
    throw new SchemaMismatchError(
      `input '${name}': ${err instanceof Error ? err.message : String(err)}`,
      name,
      type,
      value.data.constructor?.name ?? typeof value.data,
    );
  }
}

/** Structural check for an onnxruntime tensor (any copy of onnxruntime-common: no instanceof). */
export function isOrtTensor(value: unknown): value is OrtTensor {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as { type?: unknown; dims?: unknown; location?: unknown; dispose?: unknown };
  return (
    typeof t.type === 'string' &&
    Array.isArray(t.dims) &&
    typeof t.location === 'string' &&
    typeof t.dispose === 'function'
  );
}

/**
 * A TensorValue over an ort tensor's CPU data. Throws SchemaMismatchError for a tensor on a GPU
 * (download it with `getData()` first) or of a type numpy has no name for (int4, uint4).
 */
export function fromOrtTensor(name: string, tensor: OrtTensor): TensorValue {
  const dtype = numpyDtypeOf(tensor.type);
  if (dtype === undefined) {
    throw new SchemaMismatchError(`'${name}': ONNX tensor type ${tensor.type} is not supported`, name, 'a numpy dtype', tensor.type);
  }
  if (tensor.location !== 'cpu') {
    throw new SchemaMismatchError(
      `'${name}': tensor data is on '${tensor.location}', not on the CPU; call tensor.getData() first`,
      name,
      'cpu',
      tensor.location,
    );
  }
  const raw = tensor.data as TensorValue['data'] | Uint8Array;
  const data = dtype === 'bool' ? Array.from(raw as Uint8Array, (b) => b !== 0) : (raw as TensorValue['data']);
  return { dtype, dims: [...tensor.dims], data };
}
