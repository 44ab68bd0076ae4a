import { Ajv, type ValidateFunction } from 'ajv';

/**
 * The package's one ajv instance. Signature enforcement compiles its validators once per loaded
 * model (column, tensor, params and input-name checks); they share the instance's options and
 * compiled code instead of each module paying for its own.
 */
const ajv = new Ajv({ allErrors: false, strict: true });

/** A validator for `schema` (strict mode: unknown keywords are an error at compile time). */
export function compileJsonSchema<T = unknown>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}
