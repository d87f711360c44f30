/**
 * Validation of credential and keychain data against a stored schema (seed 003, "Schema
 * Validation"). Two forms are accepted: the seeds' compact form
 * `{fields, required, types, description}` and plain JSON Schema. Both run through ajv;
 * its errors are reworded in the seeds' terms ("Missing required field: client_secret",
 * "Field 'db_port' must be integer, got string", "Unexpected fields: a, b"). Messages name
 * fields and types, never values: the data is secret.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';

export interface SchemaValidation {
  valid: boolean;
  /** One line per problem, in the seeds' wording. */
  errors: string[];
  /** Context lines the seeds print under the errors: "Expected fields: …", "Provided fields: …", "Allowed fields: …". */
  details: string[];
}

/** The seeds' compact schema. */
export interface CompactSchema {
  fields?: string[];
  required?: string[];
  types?: Record<string, string>;
  description?: string;
}

export const COMPACT_TYPES = ['string', 'integer', 'number', 'boolean', 'array', 'object'] as const;
const COMPACT_KEYS = new Set(['fields', 'required', 'types', 'description']);

/**
 * Whether a schema is in the seeds' compact form: only fields/required/types/description keys,
 * and at least one of the first three — whatever their values, so that `{"fields": 5}` is
 * checked (and refused) as a compact schema rather than passed as a JSON Schema that allows anything.
 */
export function isCompactSchema(schema: Record<string, unknown>): boolean {
  const keys = Object.keys(schema);
  return keys.every((k) => COMPACT_KEYS.has(k)) && keys.some((k) => k !== 'description');
}

/** Problems with a schema definition itself (not with data); empty when it is usable. */
export async function checkSchema(schema: unknown): Promise<string[]> {
  if (!isPlainObject(schema)) return [`Schema must be a JSON object, got ${jsonType(schema)}`];
  if (isCompactSchema(schema)) return checkCompact(schema);
  try {
    await compile(schema);
    return [];
  } catch (err) {
    return [`Schema is not valid JSON Schema: ${firstLine((err as Error).message)}`];
  }
}

/**
 * Validates data against a schema in either form. A schema that is itself invalid makes
 * the result invalid, with an error saying so (a schema problem, not a data problem).
 */
export async function validateAgainstSchema(data: unknown, schema: unknown): Promise<SchemaValidation> {
  const schemaErrors = await checkSchema(schema);
  if (schemaErrors.length > 0) return { valid: false, errors: schemaErrors, details: [] };
  const definition = schema as Record<string, unknown>;
  const compact = isCompactSchema(definition);
  const validate = await compile(compact ? compactToJsonSchema(definition as CompactSchema) : definition);
  if (validate(data)) return { valid: true, errors: [], details: [] };
  const result = reword(validate.errors ?? [], data);
  if (compact && isPlainObject(data)) {
    const c = definition as CompactSchema;
    const expected = c.fields ?? [...new Set([...(c.required ?? []), ...Object.keys(c.types ?? {})])];
    const provided = Object.keys(data);
    if (result.missing) result.details.push(`Expected fields: ${expected.join(', ')}`, `Provided fields: ${provided.join(', ') || '(none)'}`);
    if (result.unexpected && c.fields) result.details.push(`Allowed fields: ${c.fields.join(', ')}`);
  }
  return { valid: false, errors: result.errors, details: result.details };
}

/** Errors followed by their context lines: what a command prints under its one-line summary. */
export function schemaReport(result: SchemaValidation): string[] {
  return [...result.errors, ...result.details];
}

/** The compact form as JSON Schema: properties typed, `required`, no extra keys when `fields` is given. */
export function compactToJsonSchema(schema: CompactSchema): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const field of schema.fields ?? []) properties[field] = {};
  for (const [field, type] of Object.entries(schema.types ?? {})) properties[field] = { type };
  const json: Record<string, unknown> = { type: 'object', properties };
  if (schema.required?.length) json.required = schema.required;
  if (schema.fields?.length) json.additionalProperties = false;
  return json;
}

function checkCompact(schema: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const key of ['fields', 'required'] as const) {
    const list = schema[key];
    if (list !== undefined && (!Array.isArray(list) || !list.every((f) => typeof f === 'string' && f !== ''))) {
      errors.push(`Schema '${key}' must be a list of field names`);
    }
  }
  if (schema.types !== undefined) {
    if (!isPlainObject(schema.types)) errors.push("Schema 'types' must map field names to types");
    else {
      for (const [field, type] of Object.entries(schema.types)) {
        if (!(COMPACT_TYPES as readonly string[]).includes(type as string)) {
          errors.push(`Schema type of '${field}' is ${JSON.stringify(type)}: use one of ${COMPACT_TYPES.join(', ')}`);
        }
      }
    }
  }
  if (schema.description !== undefined && typeof schema.description !== 'string') errors.push("Schema 'description' must be a string");
  if (errors.length === 0 && Array.isArray(schema.fields) && schema.fields.length > 0) {
    const allowed = new Set(schema.fields as string[]);
    const stray = [...((schema.required as string[] | undefined) ?? []), ...Object.keys((schema.types as object | undefined) ?? {})].filter((f) => !allowed.has(f));
    if (stray.length > 0) errors.push(`Schema names fields that are not in 'fields': ${[...new Set(stray)].join(', ')}`);
  }
  return errors;
}

interface Reworded {
  errors: string[];
  details: string[];
  missing: boolean;
  unexpected: boolean;
}

function reword(ajvErrors: ErrorObject[], data: unknown): Reworded {
  const out: Reworded = { errors: [], details: [], missing: false, unexpected: false };
  const unexpectedAt = new Map<string, string[]>();
  for (const e of ajvErrors) {
    const at = pointerToPath(e.instancePath);
    switch (e.keyword) {
      case 'required': {
        out.missing = true;
        out.errors.push(`Missing required field: ${join(at, String(e.params.missingProperty))}`);
        break;
      }
      case 'type': {
        const actual = jsonType(valueAt(data, e.instancePath));
        const expected = Array.isArray(e.params.type) ? e.params.type.join(' or ') : String(e.params.type);
        out.errors.push(at ? `Field '${at}' must be ${expected}, got ${actual}` : `Data must be ${expected}, got ${actual}`);
        break;
      }
      case 'additionalProperties': {
        out.unexpected = true;
        const list = unexpectedAt.get(at) ?? [];
        list.push(join(at, String(e.params.additionalProperty)));
        unexpectedAt.set(at, list);
        break;
      }
      default:
        // ajv's messages describe the rule (e.g. "must match pattern …"), never the value.
        out.errors.push(at ? `Field '${at}' ${e.message ?? 'is invalid'}` : `Data ${e.message ?? 'is invalid'}`);
    }
  }
  for (const fields of unexpectedAt.values()) out.errors.push(`Unexpected fields: ${fields.join(', ')}`);
  return out;
}

function join(parent: string, field: string): string {
  return parent ? `${parent}.${field}` : field;
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function valueAt(data: unknown, pointer: string): unknown {
  if (!pointer) return data;
  let current: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The JSON type name of a value (integer for whole numbers), as the seeds' messages use it. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

type AjvInstance = { compile(schema: object): ValidateFunction };
const instances = new Map<string, Promise<AjvInstance>>();
const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 256;

/** ajv is loaded on first use only (the command tree imports this module at startup). */
async function ajvFor(schema: Record<string, unknown>): Promise<AjvInstance> {
  const dialect = typeof schema.$schema === 'string' && schema.$schema.includes('2020-12') ? '2020' : typeof schema.$schema === 'string' && schema.$schema.includes('2019-09') ? '2019' : '07';
  let instance = instances.get(dialect);
  if (!instance) {
    instance = (async () => {
      const mod = (dialect === '2020' ? await import('ajv/dist/2020.js') : dialect === '2019' ? await import('ajv/dist/2019.js') : await import('ajv')) as unknown as {
        default: new (options: object) => AjvInstance;
      };
      const Ajv = (mod.default as unknown as { default?: new (options: object) => AjvInstance }).default ?? mod.default;
      // strictSchema: an unknown keyword (a typo such as `requird`) refuses the schema instead of being ignored.
      return new Ajv({ allErrors: true, strict: false, strictSchema: true, validateFormats: false, addUsedSchema: false });
    })();
    instances.set(dialect, instance);
  }
  return instance;
}

async function compile(schema: Record<string, unknown>): Promise<ValidateFunction> {
  const cacheKey = JSON.stringify(schema);
  const cached = compiled.get(cacheKey);
  if (cached) return cached;
  const ajv = await ajvFor(schema);
  const validate = ajv.compile(schema);
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(cacheKey, validate);
  return validate;
}
