/**
 * Checking credentials before they are stored, with no I/O: names, types, data, description,
 * tags, meta and schema (`prepareCredential`), and a set of registrations as one import would
 * see them (two files with one name). Messages use the seeds' wording and never a value.
 */
import type { CredentialInput, CredentialRegistration, ImportEntry, ImportOutcome } from '../api/credentials.js';
import { knownTypeWarnings } from './credential-types.js';
import { hasReason, NoetlError } from './errors.js';
import { checkSchema, schemaReport, validateAgainstSchema } from './schema.js';

/** Names and types: letters, digits, `_ . -`, 1–128 characters, not starting with `.` or `-` (a flag). */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const NAME_RULE = "1-128 characters of letters, digits, '_', '.' and '-', starting with a letter, digit or '_'";
const TAG_PATTERN = /^[^\s,]{1,64}$/;
/** The largest data object accepted, serialised as compact JSON. */
export const MAX_DATA_BYTES = 256 * 1024;
const MAX_DESCRIPTION = 4096;
const MAX_TAGS = 64;

/** The fields a replace keeps when they are not given. */
export const KEPT_ON_REPLACE = ['description', 'tags', 'meta', 'schema'] as const;

/** The reason of every error prepareCredential throws. */
export const CREDENTIAL_INPUT = 'credential-input';

/** Invalid input: `message` is the one-line summary, `details` the per-field lines in the seeds' wording (never a value). */
function credentialInputError(message: string, details: string[] = []): NoetlError {
  return new NoetlError('invalid', message, { details, reason: CREDENTIAL_INPUT });
}

/** The detail lines not already in the one-line message (which quotes the first). */
export function extraDetails(err: NoetlError): string[] {
  return err.details.length > 0 && err.message.endsWith(err.details[0]) ? err.details.slice(1) : err.details;
}

/** A credential ready to store: every field present (null for none), tags a list. */
export interface PreparedCredential {
  name: string;
  type: string;
  data: Record<string, unknown>;
  description: string | null;
  tags: string[];
  meta: Record<string, unknown> | null;
  schema: Record<string, unknown> | null;
}

export interface Prepared {
  input: PreparedCredential;
  /** Not blocking: a known type's expectations, and the like. */
  warnings: string[];
}

/** Checks a credential before it is stored; throws an `invalid` NoetlError (reason `credential-input`) on the first kind of problem. */
export async function prepareCredential(input: CredentialInput): Promise<Prepared> {
  const name = checkName(input.name, 'name');
  const type = checkName(input.type, 'type', name);
  const data = input.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw credentialInputError(`credential '${name}': data must be a JSON object of fields, got ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}`);
  }
  const fields = data as Record<string, unknown>;
  if (Object.keys(fields).length === 0) throw credentialInputError(`credential '${name}': data is empty; give at least one field`);
  const size = Buffer.byteLength(JSON.stringify(fields), 'utf8');
  if (size > MAX_DATA_BYTES) throw credentialInputError(`credential '${name}': data is ${size} bytes, more than the ${MAX_DATA_BYTES} allowed`);
  const description = input.description ?? null;
  if (description !== null && (typeof description !== 'string' || description.length > MAX_DESCRIPTION)) {
    throw credentialInputError(`credential '${name}': description must be text of at most ${MAX_DESCRIPTION} characters`);
  }
  const tags = checkTags(name, input.tags);
  const meta = input.meta ?? null;
  if (meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) throw credentialInputError(`credential '${name}': meta must be a JSON object`);
  const schema = input.schema ?? null;
  const warnings: string[] = [];
  if (schema !== null) {
    const schemaProblems = await checkSchema(schema);
    if (schemaProblems.length > 0) throw credentialInputError(`credential '${name}': its schema is invalid: ${schemaProblems[0]}`, schemaProblems);
    const result = await validateAgainstSchema(fields, schema);
    if (!result.valid) {
      throw credentialInputError(`credential '${name}' does not match its schema: ${result.errors[0]}`, schemaReport(result));
    }
  } else {
    warnings.push(...knownTypeWarnings(type, fields).map((w) => `credential '${name}': ${w}`));
  }
  return { input: { name, type, data: fields, description, tags, meta, schema }, warnings };
}

function checkName(value: unknown, what: 'name' | 'type', name?: string): string {
  const owner = name ? `credential '${name}': ` : '';
  if (typeof value !== 'string' || value === '') throw credentialInputError(`${owner}a credential ${what} is required (${NAME_RULE})`);
  if (!NAME_PATTERN.test(value)) throw credentialInputError(`${owner}${what} '${printable(value)}' is not valid: use ${NAME_RULE}`);
  return value;
}

function checkTags(name: string, tags: unknown): string[] {
  if (tags === undefined || tags === null) return [];
  const list = typeof tags === 'string' ? tags.split(',').map((t) => t.trim()).filter(Boolean) : tags;
  if (!Array.isArray(list)) throw credentialInputError(`credential '${name}': tags must be a list of words`);
  if (list.length > MAX_TAGS) throw credentialInputError(`credential '${name}': ${list.length} tags, at most ${MAX_TAGS} allowed`);
  for (const tag of list) {
    if (typeof tag !== 'string' || !TAG_PATTERN.test(tag)) throw credentialInputError(`credential '${name}': tag ${JSON.stringify(printable(String(tag)))} is not valid: 1-64 characters, no spaces or commas`);
  }
  return [...new Set(list as string[])];
}

/** A bad name cut short for an error message (the CLI escapes control characters in what it prints). */
function printable(value: string): string {
  const characters = [...value];
  return characters.length > 40 ? `${characters.slice(0, 40).join('')}…` : value;
}

/** An import entry for one registration, before it is checked. */
function newEntry(registration: CredentialRegistration, status: ImportEntry['status']): ImportEntry {
  const entry: ImportEntry = { file: registration.file, status, messages: [], warnings: [] };
  if (registration.ignored.length > 0) entry.warnings.push(`${registration.file}: not stored (not part of a registration): ${registration.ignored.join(', ')}`);
  return entry;
}

/** A registration checked on its own: its entry, and what to store when it is valid. */
export interface CheckedRegistration {
  entry: ImportEntry;
  prepared?: Prepared;
  /** With replace: an earlier entry of the same name that this one overrides. */
  overrides?: ImportEntry;
}

/**
 * Checks registrations as one import sees them: each file on its own (prepareCredential), and
 * two files with the same name, which are a conflict unless `replace`, when the later file (in
 * the order given) wins and both are named. Entries of valid files get `validStatus`.
 */
export async function checkRegistrations(registrations: CredentialRegistration[], options: { replace?: boolean; validStatus: ImportEntry['status'] }): Promise<CheckedRegistration[]> {
  const out: CheckedRegistration[] = [];
  const byName = new Map<string, ImportEntry>();
  for (const registration of registrations) {
    const entry = newEntry(registration, options.validStatus);
    const checked: CheckedRegistration = { entry };
    out.push(checked);
    if (!registration.input) {
      entry.status = 'invalid';
      entry.messages.push(registration.error ?? `${registration.file}: unreadable`);
      continue;
    }
    entry.name = typeof registration.input.name === 'string' ? registration.input.name : undefined;
    try {
      checked.prepared = await prepareCredential(registration.input);
    } catch (err) {
      if (!hasReason(err, CREDENTIAL_INPUT)) throw err;
      entry.status = 'invalid';
      entry.messages.push(`${registration.file}: ${err.message}`, ...extraDetails(err));
      continue;
    }
    entry.warnings.push(...checked.prepared.warnings);
    const name = checked.prepared.input.name;
    const earlier = byName.get(name);
    if (earlier && !options.replace) {
      entry.status = 'conflict';
      entry.messages.push(`${entry.file}: credential '${name}' is also defined in ${earlier.file}: rename one, or import with replace (the later file wins)`);
      checked.prepared = undefined;
      continue;
    }
    if (earlier) {
      entry.warnings.push(`${entry.file}: credential '${name}' is also defined in ${earlier.file}; this later file wins`);
      earlier.status = 'not-loaded';
      earlier.messages.push(`${earlier.file}: overridden by ${entry.file} (same name '${name}')`);
      checked.overrides = earlier;
    }
    byName.set(name, entry);
  }
  return out;
}

/** `invalid` when an entry is invalid, else `conflict` when one is a conflict, else `ok`. */
export function importOutcome(entries: ImportEntry[]): ImportOutcome {
  if (entries.some((e) => e.status === 'invalid')) return 'invalid';
  if (entries.some((e) => e.status === 'conflict')) return 'conflict';
  return 'ok';
}
