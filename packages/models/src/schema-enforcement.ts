import { debuglog } from 'node:util';
import type { ValidateFunction } from 'ajv';
import { SchemaMismatchError } from '@runlog/core';
import { ColumnInputCheck, ParamsCheck } from './column-check.js';
import { describe, dtypeOfTypedArray, isTensorValue, isTypedArray, nestedToTensor, normalizeTensorValue } from './tensor.js';
import { TensorInputCheck } from './tensor-check.js';
import type { ColSpec, ModelSignature, NestedArray, TensorSpec, TensorValue } from './types.js';
import { compileJsonSchema } from './json-schema.js';

/**
 * Signature enforcement for predict(), compiled once per loaded model (the ajv validators and the
 * per-input checks are built in compileEnforcer, not per call).
 *
 * Tensor signatures take `{ name: value }` (named inputs; every input required, none extra) or,
 * for a single-input model (named or not), the bare value. A value is nested arrays (MLflow's JSON
 * `inputs`), a typed array, a TensorValue, or a framework tensor the flavor converts. Each input
 * is checked by TensorInputCheck (rank, fixed dimensions, dtype with the safe conversions listed
 * there). Column signatures take `{col: [values]}` or records. Without any schema, values are
 * converted as they are (JS numbers → float64) and passed by name.
 */

const log = debuglog('runlog');
/** What the enforcer needs from the loaded model. */
export interface EnforcementTarget {
  /** The model's own input names (for unnamed signatures and models without one). */
  inputNames: readonly string[];
  fromFrameworkTensor?(value: unknown): TensorValue | undefined;
}

export interface SchemaEnforcer {
  readonly signature: ModelSignature | undefined;
  /** Input in any accepted form → one TensorValue per model input, by name. */
  enforceInputs(input: unknown, target?: EnforcementTarget): Record<string, TensorValue>;
  /** Params checked against the params schema with defaults filled; unknown ones dropped. */
  enforceParams(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined;
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || isTypedArray(v) || isTensorValue(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The flavor's conversion of a framework tensor (a class instance, never a plain object or array). */
function asFramework(v: unknown, target?: EnforcementTarget): TensorValue | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || isTypedArray(v) || isTensorValue(v)) return undefined;
  return target?.fromFrameworkTensor?.(v);
}

class TensorEnforcer implements SchemaEnforcer {
  private readonly checks: TensorInputCheck[];
  private readonly named: boolean;
  private readonly validateNames: ValidateFunction | undefined;

  constructor(
    readonly signature: ModelSignature | undefined,
    specs: TensorSpec[],
    private readonly params: ParamsCheck | undefined,
  ) {
    this.named = specs.every((s) => s.name !== undefined);
    this.checks = specs.map((s, i) => new TensorInputCheck(s, s.name ?? (specs.length === 1 ? 'input' : `input ${i}`)));
    if (this.named) {
      const names = specs.map((s) => s.name!);
      this.validateNames = compileJsonSchema({
        type: 'object',
        required: names,
        properties: Object.fromEntries(names.map((n) => [n, true])),
        additionalProperties: false,
      });
    }
  }

  private inputName(check: TensorInputCheck, target?: EnforcementTarget): string {
    return check.spec.name ?? target?.inputNames[0] ?? check.name;
  }

  enforceInputs(input: unknown, target?: EnforcementTarget): Record<string, TensorValue> {
    const framework = asFramework(input, target);
    if (framework !== undefined || !isPlainRecord(input)) {
      if (this.checks.length !== 1) {
        const names = this.checks.map((c) => c.name);
        throw new SchemaMismatchError(
          `This model has ${names.length} inputs (${names.join(', ')}): pass an object { name: value }, got ${describe(input)}.`,
          undefined,
          `an object with ${names.join(', ')}`,
          describe(input),
        );
      }
      const check = this.checks[0]!;
      return { [this.inputName(check, target)]: check.conform(framework ?? input) };
    }
    if (!this.named) {
      // An unnamed single input may still be passed by the model's own input name.
      const check = this.checks[0]!;
      const own = target?.inputNames[0];
      const keys = Object.keys(input);
      if (keys.length !== 1 || (own !== undefined && keys[0] !== own)) {
        throw new SchemaMismatchError(
          `This model's input is unnamed: pass the value itself${own ? ` or { ${own}: value }` : ''}, got an object with ${keys.join(', ') || 'no keys'}.`,
          keys.find((k) => k !== own),
          own ?? 'the bare value',
          keys.join(', '),
        );
      }
      return { [this.inputName(check, target)]: check.conform(asFramework(input[keys[0]!], target) ?? input[keys[0]!]) };
    }
    if (!this.validateNames!(input)) {
      const e = this.validateNames!.errors![0]!;
      const p = e.params as { missingProperty?: string; additionalProperty?: string };
      const expected = this.checks.map((c) => c.name).join(', ');
      if (p.missingProperty !== undefined) {
        throw new SchemaMismatchError(`Missing input '${p.missingProperty}' (the model takes ${expected}).`, p.missingProperty, expected, Object.keys(input).join(', '));
      }
      throw new SchemaMismatchError(
        `Unexpected input '${p.additionalProperty}': the model takes ${expected}.`,
        p.additionalProperty,
        expected,
        Object.keys(input).join(', '),
      );
    }
    const out: Record<string, TensorValue> = {};
    for (const check of this.checks) {
      const v = input[check.spec.name!];
      out[check.spec.name!] = check.conform(asFramework(v, target) ?? v);
    }
    return out;
  }

  enforceParams(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    return enforceParamsWith(this.params, params);
  }
}

function enforceParamsWith(check: ParamsCheck | undefined, params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!check) {
    if (params && Object.keys(params).length > 0) log('predict(): the model declares no params; ignoring %j', Object.keys(params));
    return undefined;
  }
  const { params: out, ignored } = check.conform(params);
  if (ignored.length > 0) log('predict(): ignoring params the signature does not declare: %j', ignored);
  return out;
}

class ColumnEnforcer implements SchemaEnforcer {
  private readonly check: ColumnInputCheck;
  constructor(
    readonly signature: ModelSignature,
    private readonly params: ParamsCheck | undefined,
  ) {
    const specs = signature.inputs.inputs as ColSpec[];
    if (specs.some((s) => s.name === undefined)) {
      // MLflow names unnamed columns by position.
      this.check = new ColumnInputCheck(specs.map((s, i) => ({ ...s, name: String(i) })));
    } else this.check = new ColumnInputCheck(specs);
  }
  enforceInputs(input: unknown): Record<string, TensorValue> {
    return this.check.conform(input);
  }
  enforceParams(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    return enforceParamsWith(this.params, params);
  }
}

/** No schema at all: convert what comes, by name. */
class PassThroughEnforcer implements SchemaEnforcer {
  readonly signature = undefined;
  enforceInputs(input: unknown, target?: EnforcementTarget): Record<string, TensorValue> {
    const toTensor = (v: unknown, name: string): TensorValue => {
      const fw = asFramework(v, target);
      if (fw) return fw;
      if (isTensorValue(v)) {
        try {
          return normalizeTensorValue(v);
        } catch (err) {
          throw new SchemaMismatchError(`Input '${name}': ${(err as Error).message}.`, name, 'a TensorValue whose values fit its dtype', describe(v));
        }
      }
      if (isTypedArray(v)) return { dtype: dtypeOfTypedArray(v)!, dims: [v.length], data: v as TensorValue['data'] };
      if (Array.isArray(v)) {
        try {
          return nestedToTensor(v as NestedArray);
        } catch (err) {
          throw new SchemaMismatchError(`Input '${name}': ${(err as Error).message}`, name, 'rectangular nested arrays', 'ragged or mixed values');
        }
      }
      throw new SchemaMismatchError(`Input '${name}': expected nested arrays, a typed array or a TensorValue, got ${describe(v)}.`, name, 'a tensor', describe(v));
    };
    if (isPlainRecord(input)) return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, toTensor(v, k)]));
    const names = target?.inputNames ?? [];
    if (names.length !== 1) {
      throw new SchemaMismatchError(
        `This model has ${names.length} inputs (${names.join(', ')}): pass an object { name: value }.`,
        undefined,
        'an object of inputs',
        describe(input),
      );
    }
    return { [names[0]!]: toTensor(input, names[0]!) };
  }
  enforceParams(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    return params;
  }
}

/**
 * Compiles the checks for a signature once. `fallbackSpecs` (the framework model's declared
 * inputs) is used when there is no signature.
 */
export function compileEnforcer(signature: ModelSignature | undefined, fallbackSpecs?: TensorSpec[]): SchemaEnforcer {
  const params = signature?.params && signature.params.length > 0 ? new ParamsCheck(signature.params) : undefined;
  if (signature?.inputs.kind === 'tensor') return new TensorEnforcer(signature, signature.inputs.inputs, params);
  if (signature?.inputs.kind === 'column') return new ColumnEnforcer(signature, params);
  if (fallbackSpecs && fallbackSpecs.length > 0) return new TensorEnforcer(undefined, fallbackSpecs, undefined);
  return new PassThroughEnforcer();
}
