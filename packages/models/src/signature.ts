import { InvalidArgumentError } from '@runlog/core';
import { PyFloatTree, pyJsonDumps } from '@runlog/core/internal';
import { dtypeOfTypedArray, flattenNested, inferLeafDtype, isTensorValue, isTypedArray, shapeOf } from './tensor.js';
import type { ColSpec, ColumnType, ModelSignature, NumpyDtype, ParamSpec, Schema, TensorSpec } from './types.js';

/**
 * Signatures ⇄ MLflow's JSON (mlflow/types/schema.py). In MLmodel a signature is three JSON
 * *strings* (`inputs`, `outputs`, `params`) written by Python's `json.dumps`; the key order of
 * each spec is MLflow's: TensorSpec `name, type, tensor-spec{dtype, shape}`, ColSpec
 * `type[, items|properties|values], name, required`, ParamSpec `name, default, shape, type`.
 */

export const NUMPY_DTYPES: ReadonlySet<string> = new Set<NumpyDtype>([
  'float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'str', 'object',
]);
export const COLUMN_TYPES: ReadonlySet<string> = new Set<ColumnType>(['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime']);
const COMPOSITE = new Set(['array', 'object', 'map', 'any']);

/** A TensorSpec; `-1` in `shape` is a variable dimension. */
export function tensorSpec(dtype: NumpyDtype, shape: number[], name?: string): TensorSpec {
  return { type: 'tensor', ...(name !== undefined ? { name } : {}), tensorSpec: { dtype, shape: [...shape] } };
}

/** Checks MLflow's schema rules; throws InvalidArgumentError naming the rule. */
export function validateSchema(schema: Schema, what = 'schema'): void {
  const specs: Array<TensorSpec | ColSpec> = schema.inputs;
  if (specs.length === 0) throw new InvalidArgumentError(`${what}: a schema needs at least one input.`);
  const named = specs.filter((s) => s.name !== undefined && s.name !== null).length;
  if (named !== 0 && named !== specs.length) {
    throw new InvalidArgumentError(`${what}: inputs must be all named or all unnamed, got ${JSON.stringify(specs.map((s) => s.name ?? null))}.`);
  }
  const names = new Set(specs.map((s) => s.name));
  if (named && names.size !== specs.length) throw new InvalidArgumentError(`${what}: duplicate input names.`);
  if (schema.kind === 'tensor') {
    if (specs.length > 1 && named === 0) throw new InvalidArgumentError(`${what}: several tensor inputs must all be named.`);
    for (const s of schema.inputs) {
      if (s.type !== 'tensor' || !NUMPY_DTYPES.has(s.tensorSpec?.dtype)) {
        throw new InvalidArgumentError(`${what}: unsupported tensor dtype ${JSON.stringify(s.tensorSpec?.dtype)} for ${s.name ?? 'the input'}.`);
      }
      if (!Array.isArray(s.tensorSpec.shape) || s.tensorSpec.shape.some((d) => !Number.isInteger(d) || d < -1)) {
        throw new InvalidArgumentError(`${what}: bad tensor shape ${JSON.stringify(s.tensorSpec.shape)} for ${s.name ?? 'the input'}.`);
      }
    }
  } else {
    for (const s of schema.inputs) {
      if (!COLUMN_TYPES.has(s.type) && !COMPOSITE.has(s.type)) throw new InvalidArgumentError(`${what}: unsupported column type ${JSON.stringify(s.type)}.`);
      if (named === 0 && s.required === false) throw new InvalidArgumentError(`${what}: unnamed inputs cannot be optional.`);
    }
  }
}

/** A schema as MLflow's list of spec dicts (key order as MLflow writes them). */
export function schemaToJsonList(schema: Schema): Array<Record<string, unknown>> {
  if (schema.kind === 'tensor') {
    return schema.inputs.map((s) => ({
      ...(s.name !== undefined ? { name: s.name } : {}),
      type: 'tensor',
      'tensor-spec': { dtype: s.tensorSpec.dtype, shape: [...s.tensorSpec.shape] },
    }));
  }
  return schema.inputs.map((s) => {
    const d: Record<string, unknown> = { type: s.type };
    if (s.type === 'array') d.items = s.items;
    if (s.type === 'object') d.properties = s.properties;
    if (s.type === 'map') d.values = s.values;
    if (s.name !== undefined) d.name = s.name;
    d.required = s.required ?? true;
    return d;
  });
}

/** Parses MLflow's list of spec dicts (TensorSpecs or ColSpecs, never mixed). */
export function schemaFromJsonList(list: unknown, what = 'schema'): Schema {
  if (!Array.isArray(list) || list.length === 0) throw new InvalidArgumentError(`${what}: expected a non-empty list of specs.`);
  const isTensor = (x: unknown): boolean => (x as { type?: unknown })?.type === 'tensor';
  let schema: Schema;
  if (list.every(isTensor)) {
    schema = {
      kind: 'tensor',
      inputs: list.map((x: Record<string, unknown>) => {
        const info = x['tensor-spec'] as { dtype?: unknown; shape?: unknown } | undefined;
        if (!info || typeof info !== 'object') throw new InvalidArgumentError(`${what}: a tensor spec lacks "tensor-spec".`);
        const name = typeof x.name === 'string' ? x.name : undefined;
        return tensorSpec(info.dtype as NumpyDtype, info.shape as number[], name);
      }),
    };
  } else if (list.some(isTensor)) {
    throw new InvalidArgumentError(`${what}: mixes tensor and column specs.`);
  } else {
    schema = {
      kind: 'column',
      inputs: list.map((x: Record<string, unknown>) => {
        if (!x || typeof x !== 'object' || typeof x.type !== 'string') throw new InvalidArgumentError(`${what}: a column spec lacks "type".`);
        const spec: ColSpec = { type: x.type as ColSpec['type'], required: x.required === undefined ? true : Boolean(x.required) };
        if (typeof x.name === 'string') spec.name = x.name;
        if ('items' in x) spec.items = x.items;
        if ('properties' in x) spec.properties = x.properties;
        if ('values' in x) spec.values = x.values;
        return spec;
      }),
    };
  }
  validateSchema(schema, what);
  return schema;
}

function paramToJson(p: ParamSpec): Record<string, unknown> {
  const floats = p.type === 'double' || p.type === 'float';
  const d: Record<string, unknown> = {
    name: p.name,
    default: floats && p.default !== null && p.default !== undefined ? new PyFloatTree(p.default) : (p.default ?? null),
    shape: p.shape ?? null,
    type: p.type,
  };
  if (p.type === 'object') d.properties = p.properties;
  return d;
}

function paramsFromJsonList(list: unknown): ParamSpec[] {
  if (!Array.isArray(list)) throw new InvalidArgumentError('params: expected a list of param specs.');
  return list.map((x: Record<string, unknown>) => {
    const type = (x?.type ?? x?.dtype) as string | undefined;
    if (typeof x?.name !== 'string' || typeof type !== 'string' || !('default' in x)) {
      throw new InvalidArgumentError('params: a param spec needs "name", "type" (or "dtype") and "default".');
    }
    const spec: ParamSpec = { name: x.name, type, default: x.default, shape: Array.isArray(x.shape) ? (x.shape as number[]) : null };
    if (type === 'object') spec.properties = x.properties;
    return spec;
  });
}

/** MLmodel's `signature` block: the three JSON strings (or null), as MLflow writes them. */
export function signatureToDict(sig: ModelSignature): { inputs: string; outputs: string | null; params: string | null } {
  validateSchema(sig.inputs, 'signature inputs');
  if (sig.outputs) validateSchema(sig.outputs, 'signature outputs');
  return {
    inputs: pyJsonDumps(schemaToJsonList(sig.inputs)),
    outputs: sig.outputs ? pyJsonDumps(schemaToJsonList(sig.outputs)) : null,
    params: sig.params && sig.params.length > 0 ? pyJsonDumps(sig.params.map(paramToJson)) : null,
  };
}

/** Reads MLmodel's `signature` block (JSON strings, or already-parsed lists). */
export function signatureFromDict(d: Record<string, unknown>): ModelSignature {
  const parse = (v: unknown, what: string): unknown => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch (err) {
      throw new InvalidArgumentError(`${what}: not valid JSON (${(err as Error).message}).`);
    }
  };
  const sig: ModelSignature = { inputs: schemaFromJsonList(parse(d.inputs, 'signature inputs'), 'signature inputs') };
  if (d.outputs !== null && d.outputs !== undefined) sig.outputs = schemaFromJsonList(parse(d.outputs, 'signature outputs'), 'signature outputs');
  if (d.params !== null && d.params !== undefined) sig.params = paramsFromJsonList(parse(d.params, 'signature params'));
  return sig;
}

/**
 * Infers an input signature from an example, the way MLflow infers one from a numpy array (or a
 * dict of them): the example's dtype, its shape with the first (batch) dimension made -1, one
 * named TensorSpec per key of a record.
 *
 * dtype choice for plain JS values: numbers are **float64** (a JS number is an IEEE double;
 * `1` and `1.0` are the same value, so inferring int64 from integer-valued data would make the
 * signature depend on the example's values and refuse fractional input later); booleans are
 * `bool`, strings `str`, bigints `int64`. Typed arrays and TensorValues keep their dtype.
 */
export function inferSignatureFromExample(example: unknown): ModelSignature {
  if (example !== null && typeof example === 'object' && !Array.isArray(example) && !isTypedArray(example) && !isTensorValue(example)) {
    const entries = Object.entries(example as Record<string, unknown>);
    if (entries.length === 0) throw new InvalidArgumentError('Cannot infer a signature from an empty object.');
    return { inputs: { kind: 'tensor', inputs: entries.map(([name, v]) => inferTensorSpec(v, name)) } };
  }
  return { inputs: { kind: 'tensor', inputs: [inferTensorSpec(example)] } };
}

function batchShape(dims: readonly number[]): number[] {
  return dims.map((d, i) => (i === 0 ? -1 : d));
}

function inferTensorSpec(v: unknown, name?: string): TensorSpec {
  const label = name === undefined ? 'the example' : `example input '${name}'`;
  if (isTensorValue(v)) return tensorSpec(v.dtype, batchShape(v.dims), name);
  if (isTypedArray(v)) {
    const dtype = dtypeOfTypedArray(v);
    if (!dtype) throw new InvalidArgumentError(`Cannot infer a dtype for ${label}.`);
    return tensorSpec(dtype, [-1], name);
  }
  if (Array.isArray(v)) {
    const dims = shapeOf(v);
    let dtype: NumpyDtype;
    try {
      dtype = inferLeafDtype(flattenNested(v, dims));
    } catch (err) {
      throw new InvalidArgumentError(`Cannot infer a signature from ${label}: ${(err as Error).message}`);
    }
    return tensorSpec(dtype, batchShape(dims), name);
  }
  throw new InvalidArgumentError(
    `Cannot infer a signature from ${label}: expected nested arrays, a typed array or a TensorValue, got ${v === null ? 'null' : typeof v}.`,
  );
}
