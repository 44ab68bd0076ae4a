import { createRequire } from 'node:module';
import type { Ajv, ValidateFunction } from 'ajv';

/**
 * The package's one ajv instance. Signature enforcement compiles its validators once per loaded
 * model (column, tensor, params and input-name checks); they share the instance's options and
 * compiled code instead of each module paying for its own. Created, and ajv loaded, by the first
 * validator: a process that never loads a model with a signature (every script that only logs)
 * does not pay for loading ajv when it imports runlog.
 */
let ajv: Ajv | undefined;

/** A validator for `schema` (strict mode: unknown keywords are an error at compile time). */
export function compileJsonSchema<T = unknown>(schema: object): ValidateFunction<T> {
  ajv ??= new (createRequire(import.meta.url)('ajv') as typeof import('ajv')).Ajv({ allErrors: false, strict: true });
  return ajv.compile<T>(schema);
}
