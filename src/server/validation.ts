/**
 * The one validator of request schemas, shared by every app in the process: a route schema is
 * compiled once, however many servers are built (tests build many; replicas in one process
 * share them). Unknown fields are refused, not dropped without a word, and nothing is coerced:
 * a number where a string belongs is a 400, not a string (query flags are declared as text).
 */
import { Ajv, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
const compiled = new Map<string, ValidateFunction>();

/** Fastify's validatorCompiler: the compiled schema, from the cache when an equal schema was compiled before. */
export function compileSchema({ schema }: { schema: unknown }): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema as object);
    compiled.set(key, validate);
  }
  return validate;
}
