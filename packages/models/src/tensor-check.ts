import type { ErrorObject, ValidateFunction } from 'ajv';
import { SchemaMismatchError } from '@runlog/core';
import {
  FLOAT_DTYPES,
  INT_RANGE,
  castTensor,
  convertValues,
  describe,
  dtypeOfTypedArray,
  flattenNested,
  fmtShape,
  isTensorValue,
  isTypedArray,
  numElements,
  shapeOf,
  type NumericData,
  normalizeTensorValue,
} from './tensor.js';
import type { NumpyDtype, TensorSpec, TensorValue } from './types.js';
import { compileJsonSchema } from './json-schema.js';

/**
 * Makes one input conform to its TensorSpec, or throws SchemaMismatchError naming it.
 *
 * Rank and every fixed dimension must match (-1 matches any size). The dtype must match, or the
 * value must convert safely. runlog's conversion rules (MLflow's JSON `inputs` path casts to the
 * signature's dtype, its ONNX loader casts float64 to float32, its column rules allow int → long
 * and int → double; a JS number is always a float64):
 * - float → float of any width (float64 numbers into a float32 tensor round to float32);
 * - int → float (values beyond 2^24 for float32, 2^53 for float64 round);
 * - int → a wider int that holds every value of the source type (int32 → int64, uint8 → int16…);
 * - JS numbers into an int tensor when each is an integer in range (how JSON carries ints);
 * - str → object.
 * Everything else is refused, notably float → int (it would drop fractions), int64 → int32,
 * signed ↔ unsigned of the same width, and any conversion to or from bool or str.
 */

function intRangeWithin(from: NumpyDtype, to: NumpyDtype): boolean {
  const a = INT_RANGE[from];
  const b = INT_RANGE[to];
  return a !== undefined && b !== undefined && a[0] >= b[0] && a[1] <= b[1];
}

/** Whether a tensor of dtype `from` may be converted to `to` without losing values. */
export function isSafeCast(from: NumpyDtype, to: NumpyDtype): boolean {
  if (from === to) return true;
  if (FLOAT_DTYPES.has(to)) return FLOAT_DTYPES.has(from) || INT_RANGE[from] !== undefined;
  if (INT_RANGE[to] !== undefined) return intRangeWithin(from, to);
  return from === 'str' && to === 'object';
}

function leafSchema(dtype: NumpyDtype): Record<string, unknown> {
  if (FLOAT_DTYPES.has(dtype)) return { type: 'number' };
  const range = INT_RANGE[dtype];
  if (range) return { type: 'integer', minimum: range[0], maximum: range[1] };
  if (dtype === 'bool') return { type: 'boolean' };
  if (dtype === 'str') return { type: 'string' };
  return {};
}

/** The JSON schema of a nested-array value for `spec`: depth = rank, fixed dims, leaf type. */
export function nestedArraySchema(spec: TensorSpec): Record<string, unknown> {
  let node = leafSchema(spec.tensorSpec.dtype);
  for (let d = spec.tensorSpec.shape.length - 1; d >= 0; d--) {
    const size = spec.tensorSpec.shape[d]!;
    node = { type: 'array', items: node, ...(size >= 0 ? { minItems: size, maxItems: size } : {}) };
  }
  return node;
}

function at(value: unknown, path: string): unknown {
  let cur = value;
  for (const seg of path.split('/').slice(1)) cur = (cur as unknown[])[Number(seg)];
  return cur;
}

/** A checker for one input, compiled once. `name` is how messages call the input. */
export class TensorInputCheck {
  private readonly validateNested: ValidateFunction;
  private readonly rank: number;

  constructor(
    readonly spec: TensorSpec,
    readonly name: string,
  ) {
    this.validateNested = compileJsonSchema(nestedArraySchema(spec));
    this.rank = spec.tensorSpec.shape.length;
  }

  private get expectedShape(): string {
    return fmtShape(this.spec.tensorSpec.shape);
  }

  private mismatch(what: string, expected: string, received: string): never {
    throw new SchemaMismatchError(`Input '${this.name}': ${what}`, this.name, expected, received);
  }

  /** Converts `value` (nested arrays, typed array, TensorValue) to a TensorValue matching the spec. */
  conform(value: unknown): TensorValue {
    if (Array.isArray(value)) return this.fromNested(value);
    if (isTensorValue(value)) return this.fromTensor(value);
    if (isTypedArray(value)) return this.fromTypedArray(value);
    return this.mismatch(
      `expected nested arrays, a typed array or a TensorValue, got ${describe(value)}.`,
      `tensor ${this.spec.tensorSpec.dtype} ${this.expectedShape}`,
      describe(value),
    );
  }

  private fromNested(value: unknown[]): TensorValue {
    const { dtype } = this.spec.tensorSpec;
    if (!this.validateNested(value)) this.explain(this.validateNested.errors![0]!, value);
    const dims = shapeOf(value);
    let flat: unknown[];
    try {
      flat = flattenNested(value, dims.slice(0, this.rank));
    } catch (err) {
      return this.mismatch(`${(err as Error).message}.`, `tensor ${dtype} ${this.expectedShape}`, 'ragged nested arrays');
    }
    return { dtype, dims: dims.slice(0, this.rank), data: this.converted(() => convertValues(flat, dtype)) };
  }

  /** A value conversion whose refusal (fraction, range, overflow) is a mismatch of this input. */
  private converted<T>(convert: () => T): T {
    try {
      return convert();
    } catch (err) {
      return this.mismatch(`${(err as Error).message}.`, `dtype ${this.spec.tensorSpec.dtype}`, 'a value that does not fit');
    }
  }

  /** Turns the first ajv error into a message about rank, dimension or dtype. */
  private explain(e: ErrorObject, root: unknown): never {
    const { dtype, shape } = this.spec.tensorSpec;
    const depth = e.instancePath === '' ? 0 : e.instancePath.split('/').length - 1;
    const where = e.instancePath === '' ? '' : ` at [${e.instancePath.slice(1).split('/').join('][')}]`;
    const got = at(root, e.instancePath);
    const rank = shapeOf(root).length;
    if (rank !== this.rank && dtype !== 'object') {
      // Report the rank first: a deeper or shallower array also trips dimension checks.
      return this.mismatch(`expected a rank-${this.rank} tensor ${this.expectedShape}, got rank ${rank}.`, `rank ${this.rank}`, `rank ${rank}`);
    }
    if (e.keyword === 'minItems' || e.keyword === 'maxItems') {
      const len = (got as unknown[]).length;
      return this.mismatch(
        `dimension ${depth} has size ${len}${where}, expected ${shape[depth]} (shape ${this.expectedShape}).`,
        `shape ${this.expectedShape}`,
        `size ${len} in dimension ${depth}`,
      );
    }
    if (e.keyword === 'type' && (e.params as { type: string }).type === 'array') {
      return this.mismatch(
        `expected a rank-${this.rank} tensor ${this.expectedShape}, got rank ${depth}${where}.`,
        `rank ${this.rank}`,
        `rank ${depth}`,
      );
    }
    if (Array.isArray(got)) {
      const extra = shapeOf(got).length;
      return this.mismatch(
        `expected a rank-${this.rank} tensor ${this.expectedShape}, got rank ${this.rank + extra}${where}.`,
        `rank ${this.rank}`,
        `rank ${this.rank + extra}`,
      );
    }
    if (typeof got === 'number' && INT_RANGE[dtype] !== undefined) {
      const lossy = !Number.isInteger(got);
      return this.mismatch(
        lossy
          ? `value ${got}${where} is not an integer; converting floats to ${dtype} would lose precision and is refused.`
          : `value ${got}${where} is out of range for ${dtype}.`,
        `dtype ${dtype}`,
        lossy ? 'float' : `${got}`,
      );
    }
    return this.mismatch(`expected ${dtype} values, got ${describe(got)}${where}.`, `dtype ${dtype}`, typeof got);
  }

  private checkDims(dims: readonly number[]): void {
    const { shape } = this.spec.tensorSpec;
    if (dims.length !== shape.length) {
      this.mismatch(`expected a rank-${shape.length} tensor ${this.expectedShape}, got shape ${fmtShape(dims)}.`, `rank ${shape.length}`, `shape ${fmtShape(dims)}`);
    }
    shape.forEach((want, i) => {
      if (want !== -1 && dims[i] !== want) {
        this.mismatch(`dimension ${i} has size ${dims[i]}, expected ${want} (shape ${this.expectedShape}).`, `shape ${this.expectedShape}`, `shape ${fmtShape(dims)}`);
      }
    });
  }

  private castTo(t: TensorValue): TensorValue {
    const want = this.spec.tensorSpec.dtype;
    if (t.dtype === want) return t;
    if (!isSafeCast(t.dtype, want)) {
      const lossy = FLOAT_DTYPES.has(t.dtype) && INT_RANGE[want] !== undefined;
      this.mismatch(
        `expected dtype ${want}, got ${t.dtype}${lossy ? ' (float → int would lose precision and is refused)' : ''}.`,
        `dtype ${want}`,
        `dtype ${t.dtype}`,
      );
    }
    return this.converted(() => castTensor(t, want));
  }

  private fromTensor(given: TensorValue): TensorValue {
    // A hand-written TensorValue may carry plain numbers: each is checked for its own dtype first.
    const t = this.converted(() => normalizeTensorValue(given));
    this.checkDims(t.dims);
    if (t.data.length !== numElements(t.dims)) {
      this.mismatch(`has ${t.data.length} values for shape ${fmtShape(t.dims)} (${numElements(t.dims)} expected).`, `shape ${this.expectedShape}`, `${t.data.length} values`);
    }
    return this.castTo(t);
  }

  private fromTypedArray(a: NumericData): TensorValue {
    const dtype = dtypeOfTypedArray(a);
    if (!dtype) return this.mismatch('unsupported typed array.', `dtype ${this.spec.tensorSpec.dtype}`, a.constructor.name);
    const { shape } = this.spec.tensorSpec;
    const fixed = numElements(shape.filter((d) => d !== -1));
    const free = shape.filter((d) => d === -1).length;
    let dims: number[];
    if (free === 0 && fixed === a.length) dims = [...shape];
    else if (free === 1 && fixed > 0 && a.length % fixed === 0) dims = shape.map((d) => (d === -1 ? a.length / fixed : d));
    else {
      return this.mismatch(
        `a flat ${a.constructor.name} of ${a.length} values does not determine shape ${this.expectedShape}; pass a TensorValue { dtype, dims, data }.`,
        `shape ${this.expectedShape}`,
        `${a.length} values`,
      );
    }
    return this.castTo({ dtype, dims, data: a as TensorValue['data'] });
  }
}
