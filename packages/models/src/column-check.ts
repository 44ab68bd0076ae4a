import type { ErrorObject, ValidateFunction } from 'ajv';
import { SchemaMismatchError } from '@runlog/core';
import { convertValues, describe } from './tensor.js';
import type { ColSpec, NumpyDtype, ParamSpec, TensorValue } from './types.js';
import { compileJsonSchema } from './json-schema.js';

/**
 * Column-based (ColSpec) signatures, as Python MLflow writes them for DataFrame models, and the
 * params schema. Inputs are checked with ajv: a dict of columns (`{col: [values]}`) or a list of
 * records (`[{col: value}]`); each scalar column becomes a 1-D tensor for the flavor (boolean →
 * bool, integer → int32, long → int64, float → float32, double → float64, string/binary/datetime →
 * str). Composite columns (array, object, map, any) are validated but cannot reach tensor flavors.
 */

const SCALAR_DTYPE: Record<string, NumpyDtype> = {
  boolean: 'bool',
  integer: 'int32',
  long: 'int64',
  float: 'float32',
  double: 'float64',
  string: 'str',
  binary: 'str',
  datetime: 'str',
};

/** The JSON schema of one value of an MLflow type (scalar name, or a composite dict). */
export function typeSchema(t: unknown): Record<string, unknown> {
  const spec = (typeof t === 'string' ? { type: t } : (t ?? {})) as Record<string, unknown>;
  switch (spec.type) {
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
    case 'long':
      return { type: 'integer' };
    case 'float':
    case 'double':
      return { type: 'number' };
    case 'string':
    case 'binary':
    case 'datetime':
      return { type: 'string' };
    case 'array':
      return { type: 'array', items: typeSchema(spec.items) };
    case 'map':
      return { type: 'object', additionalProperties: typeSchema(spec.values) };
    case 'object': {
      const props = (spec.properties ?? {}) as Record<string, Record<string, unknown>>;
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, typeSchema(v)])),
        required: Object.entries(props).filter(([, v]) => v.required !== false).map(([k]) => k),
        additionalProperties: false,
      };
    }
    default:
      return {};
  }
}

function fail(e: ErrorObject, where: string): never {
  const path = e.instancePath.split('/').filter(Boolean);
  const p = e.params as Record<string, string>;
  if (e.keyword === 'required') {
    const name = [...path, p.missingProperty].join('.');
    throw new SchemaMismatchError(`Missing ${where} '${name}'.`, name, `${where} '${name}'`, 'nothing');
  }
  if (e.keyword === 'additionalProperties') {
    const name = [...path, p.additionalProperty].join('.');
    throw new SchemaMismatchError(`Unexpected ${where} '${name}': the signature does not declare it.`, name, 'no such input', `${where} '${name}'`);
  }
  const name = path.find((s) => !/^\d+$/.test(s)) ?? where;
  throw new SchemaMismatchError(`${where} '${name}'${path.length ? ` at ${path.join('.')}` : ''}: ${e.message ?? 'invalid'}.`, name, JSON.stringify(e.params), e.keyword);
}

export class ColumnInputCheck {
  private readonly asColumns: ValidateFunction;
  private readonly asRecords: ValidateFunction;

  constructor(private readonly specs: ColSpec[]) {
    const properties = Object.fromEntries(specs.map((s) => [s.name!, typeSchema(s)]));
    const required = specs.filter((s) => s.required !== false).map((s) => s.name!);
    const columns = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, { type: 'array', items: v }]));
    this.asColumns = compileJsonSchema({ type: 'object', properties: columns, required, additionalProperties: false });
    this.asRecords = compileJsonSchema({ type: 'array', items: { type: 'object', properties, required, additionalProperties: false } });
  }

  /** `{col: [values]}` or `[{col: value}, …]` → one 1-D tensor per present column. */
  conform(input: unknown): Record<string, TensorValue> {
    let columns: Record<string, unknown[]>;
    if (Array.isArray(input)) {
      if (!this.asRecords(input)) fail(this.asRecords.errors![0]!, 'column');
      columns = {};
      for (const s of this.specs) {
        if ((input as Record<string, unknown>[]).some((r) => s.name! in r)) columns[s.name!] = (input as Record<string, unknown>[]).map((r) => r[s.name!]);
      }
    } else if (input !== null && typeof input === 'object') {
      if (!this.asColumns(input)) fail(this.asColumns.errors![0]!, 'column');
      columns = input as Record<string, unknown[]>;
    } else {
      throw new SchemaMismatchError(
        `This model has a column signature: pass {column: [values]} or [{column: value}], got ${describe(input)}.`,
        undefined,
        'columns or records',
        describe(input),
      );
    }
    const out: Record<string, TensorValue> = {};
    for (const s of this.specs) {
      const values = columns[s.name!];
      if (values === undefined) continue;
      const dtype = SCALAR_DTYPE[s.type];
      if (!dtype) {
        throw new SchemaMismatchError(`Column '${s.name}' has type ${s.type}, which tensor flavors cannot take.`, s.name, s.type, 'tensor');
      }
      out[s.name!] = { dtype, dims: [values.length], data: convertValues(values, dtype) };
    }
    return out;
  }
}

/** Checks predict() params against the params schema and fills defaults; unknown params are dropped. */
export class ParamsCheck {
  private readonly validate: ValidateFunction;

  constructor(private readonly specs: ParamSpec[]) {
    const properties = Object.fromEntries(
      specs.map((p) => {
        const one = typeSchema(p.type === 'object' ? { type: 'object', properties: p.properties } : p.type);
        return [p.name, p.shape && p.shape.length > 0 ? { type: 'array', items: one } : one];
      }),
    );
    this.validate = compileJsonSchema({ type: 'object', properties });
  }

  conform(params: Record<string, unknown> | undefined): { params: Record<string, unknown>; ignored: string[] } {
    const given = params ?? {};
    const known = new Set(this.specs.map((p) => p.name));
    const picked = Object.fromEntries(Object.entries(given).filter(([k]) => known.has(k)));
    if (!this.validate(picked)) fail(this.validate.errors![0]!, 'param');
    const out: Record<string, unknown> = {};
    for (const p of this.specs) out[p.name] = p.name in picked ? picked[p.name] : p.default;
    return { params: out, ignored: Object.keys(given).filter((k) => !known.has(k)) };
  }
}
