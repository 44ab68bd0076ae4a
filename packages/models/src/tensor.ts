import { InvalidArgumentError } from '@runlog/core';
import type { NestedArray, NumpyDtype, TensorValue } from './types.js';

/**
 * Conversions between what users hand to predict() (nested arrays, typed arrays) and TensorValue,
 * the row-major form flavors consume. Numeric dtypes use the matching typed array; int64/uint64
 * use BigInt64Array/BigUint64Array; float16 uses a Uint16Array of IEEE half-precision bits (as
 * onnxruntime-node does); bool is boolean[]; str and object are string[].
 */

type TypedArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor;

export const TYPED_ARRAY_OF_DTYPE: Readonly<Partial<Record<NumpyDtype, TypedArrayCtor>>> = {
  float16: Uint16Array,
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
};

/** Integer dtypes with their value range as JS numbers (64-bit: the largest doubles inside the range). */
export const INT_RANGE: Readonly<Partial<Record<NumpyDtype, [number, number]>>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [-(2 ** 63), 2 ** 63 - 1024],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, 2 ** 64 - 2048],
};

export const FLOAT_DTYPES: ReadonlySet<NumpyDtype> = new Set(['float16', 'float32', 'float64']);

export type NumericData = Exclude<TensorValue['data'], boolean[] | string[]>;

export function isTypedArray(v: unknown): v is NumericData {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** The dtype a bare typed array stands for (Uint16Array is uint16, never float16). */
export function dtypeOfTypedArray(a: ArrayBufferView): NumpyDtype | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof BigUint64Array) return 'uint64';
  return undefined;
}

export function isTensorValue(v: unknown): v is TensorValue {
  if (v === null || typeof v !== 'object') return false;
  const t = v as Partial<TensorValue>;
  return typeof t.dtype === 'string' && Array.isArray(t.dims) && (Array.isArray(t.data) || isTypedArray(t.data));
}

/** Every dtype runlog converts to and from (own keys only: `'__proto__'` or `'toString'` are not dtypes). */
export function isKnownDtype(dtype: unknown): dtype is NumpyDtype {
  return typeof dtype === 'string' && (Object.hasOwn(TYPED_ARRAY_OF_DTYPE, dtype) || dtype === 'bool' || dtype === 'str' || dtype === 'object');
}

/**
 * A TensorValue whose `data` is a plain JS array (values as numbers, as written by hand or read
 * from JSON) brought to its dtype's own data array, each value checked: a fraction or an
 * out-of-range value for an int dtype is refused, float16 numbers are encoded as half bits, a
 * string where a number belongs is refused. Typed-array data is taken as it is.
 */
export function normalizeTensorValue(t: TensorValue): TensorValue {
  if (!isKnownDtype(t.dtype)) throw new InvalidArgumentError(`unknown dtype ${describe(t.dtype)}`);
  if (!t.dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidArgumentError(`dims must be non-negative integers, got [${t.dims.map((d) => describe(d)).join(', ')}]`);
  }
  if (!Array.isArray(t.data)) return t;
  return { dtype: t.dtype, dims: [...t.dims], data: convertValues(t.data, t.dtype) };
}

export function numElements(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

/** The shape of a nested array, following first elements; `shapeOf([[1, 2]])` is [1, 2]. */
export function shapeOf(value: unknown): number[] {
  const dims: number[] = [];
  let cur = value;
  while (Array.isArray(cur)) {
    dims.push(cur.length);
    cur = cur[0];
  }
  return dims;
}

/** Flattens a nested array of the given shape in row-major order; throws on ragged input. */
export function flattenNested(value: readonly unknown[], dims: readonly number[]): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === dims.length) {
      if (Array.isArray(v)) throw new InvalidArgumentError(`ragged nested array: ${path} is an array where a value was expected (shape ${fmtShape(dims)})`);
      out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== dims[depth]) {
      const got = Array.isArray(v) ? `length ${v.length}` : 'a value';
      throw new InvalidArgumentError(`ragged nested array: ${path} has ${got}, expected length ${dims[depth]} (shape ${fmtShape(dims)})`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${path}[${i}]`);
  };
  walk(value, 0, 'input');
  return out;
}

export function fmtShape(dims: readonly number[]): string {
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

/** The dtype a JS nested array is taken as: numbers → float64, booleans → bool, strings → str. */
export function inferLeafDtype(values: readonly unknown[]): NumpyDtype {
  let kind: NumpyDtype | undefined;
  for (const v of values) {
    const k: NumpyDtype | undefined =
      typeof v === 'number' ? 'float64' : typeof v === 'bigint' ? 'int64' : typeof v === 'boolean' ? 'bool' : typeof v === 'string' ? 'str' : undefined;
    if (k === undefined) throw new InvalidArgumentError(`unsupported value in nested array: ${describe(v)}`);
    if (kind === undefined || kind === k) kind = k;
    else if ((kind === 'float64' && k === 'int64') || (kind === 'int64' && k === 'float64')) kind = 'float64';
    else throw new InvalidArgumentError(`nested array mixes ${kind} and ${k} values`);
  }
  return kind ?? 'float64';
}

/** Builds a TensorValue of `dtype` from a nested array; values must fit (checked, no rounding to ints). */
export function nestedToTensor(value: NestedArray, dtype?: NumpyDtype): TensorValue {
  const dims = shapeOf(value);
  const flat = flattenNested(value, dims);
  const dt = dtype ?? inferLeafDtype(flat);
  return { dtype: dt, dims, data: convertValues(flat, dt) };
}

/** Wraps flat values of any JS kind into `dtype`'s data array, checking each value. */
export function convertValues(flat: ArrayLike<unknown>, dtype: NumpyDtype): TensorValue['data'] {
  const n = flat.length;
  if (dtype === 'bool') {
    return Array.from(flat, (v, i) => (typeof v === 'boolean' ? v : bad(v, i, dtype)));
  }
  if (dtype === 'str' || dtype === 'object') {
    return Array.from(flat, (v, i) => (typeof v === 'string' ? v : bad(v, i, dtype)));
  }
  const Ctor = TYPED_ARRAY_OF_DTYPE[dtype]!;
  if (dtype === 'float16') {
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = toHalfBits(fitFloat(toNumber(flat[i], i, dtype), i, dtype, HALF_MAX));
    return out;
  }
  if (dtype === 'float32') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = fitFloat(toNumber(flat[i], i, dtype), i, dtype, FLOAT32_MAX);
    return out;
  }
  if (FLOAT_DTYPES.has(dtype)) {
    const out = new (Ctor as Float64ArrayConstructor)(n);
    for (let i = 0; i < n; i++) out[i] = toNumber(flat[i], i, dtype);
    return out;
  }
  const [lo, hi] = INT_RANGE[dtype]!;
  if (dtype === 'int64' || dtype === 'uint64') {
    const out = new (Ctor as BigInt64ArrayConstructor)(n);
    for (let i = 0; i < n; i++) {
      const v = flat[i];
      if (typeof v === 'bigint') {
        if (dtype === 'uint64' && v < 0n) throw new InvalidArgumentError(`value ${v} at index ${i} is out of range for ${dtype}`);
        out[i] = v;
      } else out[i] = BigInt(toInt(v, i, dtype, lo, hi));
    }
    return out;
  }
  const out = new (Ctor as Int32ArrayConstructor)(n);
  for (let i = 0; i < n; i++) out[i] = toInt(flat[i], i, dtype, lo, hi);
  return out;
}

function toNumber(v: unknown, i: number, dtype: NumpyDtype): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return bad(v, i, dtype);
}

/** The largest finite float16 and float32 values, plus half an ulp: anything larger rounds to Infinity. */
const HALF_MAX = 65520;
const FLOAT32_MAX = 3.4028235677973366e38;

/** A finite value that would overflow to ±Infinity in `dtype` is refused (NaN and ±Infinity pass as they are). */
function fitFloat(x: number, i: number, dtype: NumpyDtype, limit: number): number {
  if (Number.isFinite(x) && Math.abs(x) >= limit) {
    throw new InvalidArgumentError(`value ${x} at index ${i} is out of range for ${dtype}: it would become Infinity`);
  }
  return x;
}

function toInt(v: unknown, i: number, dtype: NumpyDtype, lo: number, hi: number): number {
  const x = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : bad(v, i, dtype);
  if (!Number.isInteger(x)) throw new InvalidArgumentError(`value ${x} at index ${i} is not an integer: converting it to ${dtype} would lose its fraction`);
  if (x < lo || x > hi) throw new InvalidArgumentError(`value ${x} at index ${i} is out of range for ${dtype}`);
  return x;
}

function bad(v: unknown, i: number, dtype: NumpyDtype): never {
  throw new InvalidArgumentError(`value ${describe(v)} at index ${i} cannot be a ${dtype}`);
}

export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return `${String(v)} (${typeof v})`;
}

/** Casts a TensorValue's data to another dtype (the caller decides whether the cast is allowed). */
export function castTensor(t: TensorValue, dtype: NumpyDtype): TensorValue {
  if (t.dtype === dtype) return t;
  const source: ArrayLike<unknown> = t.dtype === 'float16' ? Array.from(t.data as Uint16Array, fromHalfBits) : t.data;
  return { dtype, dims: [...t.dims], data: convertValues(source, dtype) };
}

/** A TensorValue as nested arrays (MLflow's `ndarray.tolist()`); int64 values become numbers. */
export function tensorToNested(t: TensorValue): NestedArray | number | string | boolean {
  const data = t.data;
  const at = (i: number): number | string | boolean => {
    const v = data[i]!;
    if (typeof v === 'bigint') return Number(v);
    if (t.dtype === 'float16') return fromHalfBits(v as number);
    return v;
  };
  if (t.dims.length === 0) return at(0);
  let offset = 0;
  const build = (depth: number): NestedArray => {
    const len = t.dims[depth]!;
    const out: NestedArray = new Array(len);
    if (depth === t.dims.length - 1) {
      for (let i = 0; i < len; i++) out[i] = at(offset++);
    } else {
      for (let i = 0; i < len; i++) out[i] = build(depth + 1);
    }
    return out;
  };
  return build(0);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half-precision bits of x, rounded to nearest even. */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: a multiple of 2^-24, rounded half to even (1024 units is the smallest normal).
    const units = Math.abs(f32[0]!) * 2 ** 24;
    let r = Math.round(units);
    if (units % 1 === 0.5 && r % 2 === 1) r -= 1;
    return sign | r;
  }
  const half = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half;
}

export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
