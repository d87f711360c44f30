/**
 * Stored credentials (seed 003 "Credential Storage"): the library API over a Store.
 * Data is validated (its own schema blocks; a known type's built-in schema only warns),
 * sealed with the envelope of ENCRYPTION.md, and never returned in the clear except by
 * getCredential. Nothing here prints: warnings come back as data.
 */
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { conflictError, hasReason, NoetlError } from '../../core/errors.js';
import { knownTypeWarnings } from '../../core/credential-types.js';
import { seal, type KeySet } from '../../core/envelope.js';
import { newId64 } from '../../core/ids.js';
import { parseStructured } from '../../core/structured.js';
import { checkSchema, schemaReport, validateAgainstSchema } from '../../core/schema.js';
import { closest } from '../../core/suggest.js';
import { describeKind, isFieldObject, openRecord } from './sealed.js';
import { fileReadError, readInputFile } from '../../io/input-file.js';
import type { Queryable, Store } from './store.js';

/** Names and types: letters, digits, `_ . -`, 1–128 characters, not starting with `.` or `-` (a flag). */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const NAME_RULE = "1-128 characters of letters, digits, '_', '.' and '-', starting with a letter, digit or '_'";
const TAG_PATTERN = /^[^\s,]{1,64}$/;
/** The largest data object accepted, serialised as compact JSON. */
export const MAX_DATA_BYTES = 256 * 1024;
const MAX_DESCRIPTION = 4096;
const MAX_TAGS = 64;

/**
 * A credential to store. For description, tags, meta and schema, `undefined` is "not given"
 * (a replace keeps the stored value) and `null` is "none" (a replace clears it).
 */
export interface CredentialInput {
  name: string;
  type: string;
  data: unknown;
  description?: string | null;
  tags?: string[] | null;
  meta?: Record<string, unknown> | null;
  schema?: Record<string, unknown> | null;
}

/** The fields a replace keeps when they are not given. */
export const KEPT_ON_REPLACE = ['description', 'tags', 'meta', 'schema'] as const;

/** A stored credential without its data (what `ls` shows). */
export interface CredentialInfo {
  id: string;
  name: string;
  type: string;
  description: string | null;
  tags: string[];
  meta: Record<string, unknown> | null;
  schema: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A stored credential with its decrypted data. */
export interface Credential extends CredentialInfo {
  data: Record<string, unknown>;
  /** The row was legacy plaintext (NoETL's Python server); rotation seals it. */
  legacy: boolean;
  /** E.g. the data no longer matches its stored schema. */
  warnings: string[];
}

/** Invalid input: `message` is the one-line summary, `details` the per-field lines in the seeds' wording (never a value). */
function credentialInputError(message: string, details: string[] = []): NoetlError {
  return new NoetlError('invalid', message, { details, reason: 'credential-input' });
}

/** The detail lines not already in the one-line message (which quotes the first). */
export function extraDetails(err: NoetlError): string[] {
  return err.details.length > 0 && err.message.endsWith(err.details[0]) ? err.details.slice(1) : err.details;
}

export interface Prepared {
  input: Required<Omit<CredentialInput, 'data'>> & { data: Record<string, unknown> };
  /** Not blocking: a known type's expectations, and the like. */
  warnings: string[];
}

/** Checks a credential before it is stored; throws CredentialInputError on the first kind of problem. */
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

export interface AddResult {
  credential: CredentialInfo;
  replaced: boolean;
  warnings: string[];
}

/**
 * Adds a credential; an existing name is a conflict (exit 4) unless `replace`, which keeps the
 * description, tags, meta and schema that `input` leaves undefined (the data must then match
 * the kept schema).
 */
export async function addCredential(store: Store, keys: KeySet, input: CredentialInput, options: { replace?: boolean } = {}): Promise<AddResult> {
  const replace = options.replace ?? false;
  // Checked before the transaction: bad input opens none. A replace checks again against what it keeps.
  let prepared = await prepareCredential(input);
  const written = await store.transaction(async (tx) => {
    if (replace) prepared = await prepareCredential(await withKeptFields(tx, input));
    return writeCredential(tx, store.now(), prepared, seal(prepared.input.data, keys.current), replace);
  });
  if (!written) throw conflict(prepared.input.name);
  return { credential: written.credential, replaced: written.replaced, warnings: prepared.warnings };
}

/** `input` with the stored values of the fields it leaves undefined (the row locked until the transaction ends). */
async function withKeptFields(tx: Queryable, input: CredentialInput): Promise<CredentialInput> {
  if (KEPT_ON_REPLACE.every((field) => input[field] !== undefined)) return input;
  const { rows } = await tx.query<Pick<InfoRow, (typeof KEPT_ON_REPLACE)[number]>>('SELECT description, tags, meta, schema FROM credential WHERE name = $1 FOR UPDATE', [input.name]);
  if (rows.length === 0) return input;
  const stored = rows[0];
  return {
    ...input,
    description: input.description === undefined ? stored.description : input.description,
    tags: input.tags === undefined ? stored.tags : input.tags,
    meta: input.meta === undefined ? stored.meta : input.meta,
    schema: input.schema === undefined ? stored.schema : input.schema,
  };
}

function conflict(name: string): NoetlError {
  return conflictError(`credential '${name}' already exists: use --replace to overwrite it, or choose another name`);
}

const INFO_COLUMNS = 'id::text AS id, name, type, description, tags, meta, schema, created_at, updated_at';

interface InfoRow {
  id: string;
  name: string;
  type: string;
  description: string | null;
  tags: string[] | null;
  meta: Record<string, unknown> | null;
  schema: Record<string, unknown> | null;
  created_at: Date | string;
  updated_at: Date | string;
}

function toInfo(row: InfoRow): CredentialInfo {
  return {
    id: String(row.id),
    name: row.name,
    type: row.type,
    description: row.description,
    tags: row.tags ?? [],
    meta: row.meta,
    schema: row.schema,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** Inserts (or, with replace, overwrites) one credential; undefined when the name is taken and replace is off. */
async function writeCredential(
  tx: Queryable,
  now: Date,
  prepared: Prepared,
  sealed: string,
  replace: boolean,
  id: string = newId64(now),
): Promise<{ credential: CredentialInfo; replaced: boolean } | undefined> {
  const p = prepared.input;
  const params = [id, p.name, p.type, sealed, json(p.schema), json(p.meta), p.tags, p.description, now];
  const onConflict = replace
    ? `ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, data_encrypted = EXCLUDED.data_encrypted, schema = EXCLUDED.schema,
         meta = EXCLUDED.meta, tags = EXCLUDED.tags, description = EXCLUDED.description, updated_at = EXCLUDED.updated_at`
    : 'ON CONFLICT (name) DO NOTHING';
  const result = await tx.query<InfoRow & { inserted: boolean }>(
    `INSERT INTO credential (id, name, type, data_encrypted, schema, meta, tags, description, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::text[], $8, $9, $9)
     ${onConflict}
     RETURNING ${INFO_COLUMNS}, (xmax = 0) AS inserted`,
    params,
  );
  if (result.rows.length === 0) return undefined;
  return { credential: toInfo(result.rows[0]), replaced: !result.rows[0].inserted };
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** Reads one credential with its data decrypted. Not found: exit 3 (with a did-you-mean); cannot decrypt: exit 1. */
export async function getCredential(store: Store, keys: KeySet, name: string): Promise<Credential> {
  const credential = await findCredential(store, keys, name);
  if (!credential) throw await notFound(store, name);
  return credential;
}

/** Like getCredential, but undefined for an unknown name (no did-you-mean scan: a cache miss needs none). */
export async function findCredential(store: Store, keys: KeySet, name: string): Promise<Credential | undefined> {
  const result = await store.query<InfoRow & { data_encrypted: string }>(`SELECT ${INFO_COLUMNS}, data_encrypted FROM credential WHERE name = $1`, [name]);
  if (result.rows.length === 0) return undefined;
  const row = result.rows[0];
  const info = toInfo(row);
  const opened = openRecord(row.data_encrypted, keys, `credential '${name}'`);
  const warnings: string[] = [];
  if (opened.legacy) warnings.push(`credential '${name}' is stored as legacy plaintext: run \`noetl credential rotate-key\` to seal it`);
  const data = opened.value;
  if (!isFieldObject(data)) {
    throw new NoetlError('unavailable', `credential '${name}' holds ${describeKind(data)}, not an object of fields`);
  }
  if (info.schema) {
    const check = await validateAgainstSchema(data, info.schema);
    if (!check.valid) warnings.push(`credential '${name}' no longer matches its stored schema: ${check.errors.join('; ')}`);
  }
  return { ...info, data, legacy: opened.legacy, warnings };
}

async function notFound(store: Queryable, name: string): Promise<NoetlError> {
  const names = await store.query<{ name: string }>('SELECT name FROM credential ORDER BY name LIMIT 1000');
  const guess = closest(name, names.rows.map((r) => r.name));
  return new NoetlError('not_found', `credential '${name}' not found${guess ? ` (did you mean '${guess}'?)` : ''}: see \`noetl credential ls\``);
}

export interface ListFilter {
  type?: string;
  /** Every tag given must be present. */
  tags?: string[];
}

/** Lists credentials, without their data, by name. */
export async function listCredentials(store: Queryable, filter: ListFilter = {}): Promise<CredentialInfo[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.type) {
    params.push(filter.type);
    where.push(`type = $${params.length}`);
  }
  if (filter.tags?.length) {
    params.push(filter.tags);
    where.push(`tags @> $${params.length}::text[]`);
  }
  const result = await store.query<InfoRow>(`SELECT ${INFO_COLUMNS} FROM credential ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name`, params);
  return result.rows.map(toInfo);
}

/** Whether a credential exists (without reading its data). */
export async function credentialExists(store: Queryable, name: string): Promise<boolean> {
  return (await store.query('SELECT 1 FROM credential WHERE name = $1', [name])).rows.length > 0;
}

/** Deletes a credential and says which; exit 3 when it does not exist. */
export async function removeCredential(store: Store, name: string): Promise<{ id: string; name: string }> {
  const result = await store.query<{ id: string; name: string }>('DELETE FROM credential WHERE name = $1 RETURNING id::text AS id, name', [name]);
  if (result.rows.length === 0) throw await notFound(store, name);
  return result.rows[0];
}

// ---------------------------------------------------------------------------------------
// Registration files: NoETL's `{name, type, description, tags, meta, schema, data}`, JSON or YAML.

const REGISTRATION_KEYS = new Set(['name', 'type', 'description', 'tags', 'meta', 'schema', 'data']);
/** Files a directory import reads: .json/.yaml/.yml, also as .example/.template copies. */
const REGISTRATION_FILE = /\.(json|ya?ml)(\.(example|template|sample))?$/i;

export interface RegistrationFile {
  /** The path as given (or relative to the directory imported). */
  file: string;
  input?: CredentialInput;
  /** Top-level keys that are not part of a registration (e.g. `notes`): read, not stored. */
  ignored: string[];
  /** Why the file cannot be read as a registration (one line). */
  error?: string;
}

/** Parses one registration file's text (JSON, or YAML when it does not look like JSON). */
export function parseRegistration(text: string, file: string, format: 'json' | 'yaml' | 'auto' = 'auto'): RegistrationFile {
  let parsed: unknown;
  try {
    parsed = parseStructured(text, file, format);
  } catch (err) {
    if (hasReason(err, 'syntax') || hasReason(err, 'refused')) return { file, ignored: [], error: err.message };
    throw err;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { file, ignored: [], error: `${file}: expected a mapping {name, type, data, …}, got ${Array.isArray(parsed) ? 'a list' : parsed === null ? 'nothing' : typeof parsed}` };
  }
  const o = parsed as Record<string, unknown>;
  const ignored = Object.keys(o).filter((k) => !REGISTRATION_KEYS.has(k));
  if (o.data === undefined) return { file, ignored, error: `${file}: no 'data' (the credential's fields)` };
  return {
    file,
    ignored,
    input: {
      name: o.name as string,
      type: o.type as string,
      data: o.data,
      description: (o.description as string | undefined) ?? null,
      tags: (o.tags as string[] | undefined) ?? null,
      meta: (o.meta as Record<string, unknown> | undefined) ?? null,
      schema: (o.schema as Record<string, unknown> | undefined) ?? null,
    },
  };
}

/** Reads a registration file, or every registration file under a directory (recursively, sorted). */
export function readRegistrations(path: string): { files: RegistrationFile[]; skipped: string[] } {
  const root = resolve(path);
  if (!existsSync(root)) throw new NoetlError('not_found', `${path} does not exist: give a registration file or a directory of them`);
  if (!statSync(root).isDirectory()) return { files: [readOne(root, path)], skipped: [] };
  const files: RegistrationFile[] = [];
  const skipped: string[] = [];
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw fileReadError(err, join(path, relative(root, dir)));
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      const shown = join(path, relative(root, full));
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && REGISTRATION_FILE.test(entry.name)) files.push(readOne(full, shown));
      else if (entry.isFile()) skipped.push(shown);
    }
  };
  walk(root);
  return { files, skipped };
}

function readOne(full: string, shown: string): RegistrationFile {
  let text: string;
  try {
    text = readInputFile(full, shown);
  } catch (err) {
    if (err instanceof NoetlError) return { file: shown, ignored: [], error: err.message };
    throw err;
  }
  // A .yaml/.yml file is YAML even when it starts with `{`.
  return parseRegistration(text, shown, /\.ya?ml(\.|$)/i.test(full) ? 'yaml' : 'auto');
}

/** `valid` is what validation (without storing) says of a good file. */
export type ImportStatus = 'added' | 'replaced' | 'valid' | 'invalid' | 'conflict' | 'not-loaded';

export interface ImportEntry {
  file: string;
  name?: string;
  status: ImportStatus;
  /** Why it failed, or what was ignored (one line each). */
  messages: string[];
  warnings: string[];
}

export interface ImportReport {
  entries: ImportEntry[];
  /** True when nothing was written (all-or-nothing import with a failure). */
  rolledBack: boolean;
  /** 0, or the exit code of the worst failure: 2 invalid input, 4 conflict. */
  /** `ok`, or the error code of the worst entry. */
  outcome: ImportOutcome;
}

/**
 * Loads many registrations in one transaction: all or none. With `continueOnError`, loads
 * every valid one and reports the rest. Two files with the same name are a conflict unless
 * `replace`, when the later file (in path order) wins and both are named in a warning.
 */
export async function importCredentials(
  store: Store,
  keys: KeySet,
  files: RegistrationFile[],
  options: { replace?: boolean; continueOnError?: boolean } = {},
): Promise<ImportReport> {
  const replace = options.replace ?? false;
  const entries: ImportEntry[] = [];
  const ready: { entry: ImportEntry; prepared: Prepared; sealed: string }[] = [];
  const byName = new Map<string, ImportEntry>();
  for (const file of files) {
    const entry: ImportEntry = { file: file.file, status: 'not-loaded', messages: [], warnings: [] };
    entries.push(entry);
    if (file.ignored.length > 0) entry.warnings.push(`${file.file}: not stored (not part of a registration): ${file.ignored.join(', ')}`);
    if (!file.input) {
      entry.status = 'invalid';
      entry.messages.push(file.error ?? `${file.file}: unreadable`);
      continue;
    }
    entry.name = typeof file.input.name === 'string' ? file.input.name : undefined;
    let prepared: Prepared;
    try {
      prepared = await prepareCredential(file.input);
    } catch (err) {
      if (!hasReason(err, 'credential-input')) throw err;
      entry.status = 'invalid';
      entry.messages.push(`${file.file}: ${err.message}`, ...extraDetails(err));
      continue;
    }
    entry.warnings.push(...prepared.warnings);
    const claim = claimName(byName, entry, prepared.input.name, replace);
    if (claim === 'conflict') continue;
    if (claim) {
      const i = ready.findIndex((r) => r.entry === claim);
      if (i >= 0) ready.splice(i, 1);
    }
    ready.push({ entry, prepared, sealed: seal(prepared.input.data, keys.current) });
  }

  const failedBeforeWrite = entries.some((e) => e.status === 'invalid' || e.status === 'conflict');
  if (failedBeforeWrite && !options.continueOnError) {
    for (const r of ready) r.entry.status = 'not-loaded';
    return { entries, rolledBack: true, outcome: importOutcome(entries) };
  }

  const AllOrNothing = class extends Error {};
  try {
    await store.transaction(async (tx) => {
      const now = store.now();
      // One clock reading for the whole import: ids drawn at the same millisecond must still differ.
      const ids = new Set<string>();
      for (const r of ready) {
        let id = newId64(now);
        while (ids.has(id)) id = newId64(now);
        ids.add(id);
        const written = await writeCredential(tx, now, r.prepared, r.sealed, replace, id);
        if (!written) {
          r.entry.status = 'conflict';
          r.entry.messages.push(`${r.entry.file}: credential '${r.prepared.input.name}' already exists: use --replace to overwrite it`);
          continue;
        }
        r.entry.status = written.replaced ? 'replaced' : 'added';
      }
      if (!options.continueOnError && ready.some((r) => r.entry.status === 'conflict')) throw new AllOrNothing();
    });
  } catch (err) {
    if (!(err instanceof AllOrNothing)) throw err;
    for (const r of ready) if (r.entry.status !== 'conflict') r.entry.status = 'not-loaded';
    return { entries, rolledBack: true, outcome: importOutcome(entries) };
  }
  return { entries, rolledBack: false, outcome: importOutcome(entries) };
}

/**
 * Two files of one import with the same name: the later is a conflict, or with `replace` it
 * wins and the earlier is not loaded. Returns 'conflict', the overridden earlier entry, or
 * undefined for a name not seen before.
 */
function claimName(byName: Map<string, ImportEntry>, entry: ImportEntry, name: string, replace: boolean): ImportEntry | 'conflict' | undefined {
  const earlier = byName.get(name);
  if (earlier && !replace) {
    entry.status = 'conflict';
    entry.messages.push(`${entry.file}: credential '${name}' is also defined in ${earlier.file}: rename one, or use --replace to let the later file win`);
    return 'conflict';
  }
  if (earlier) {
    entry.warnings.push(`${entry.file}: credential '${name}' is also defined in ${earlier.file}; this later file wins`);
    earlier.status = 'not-loaded';
    earlier.messages.push(`${earlier.file}: overridden by ${entry.file} (same name '${name}')`);
  }
  byName.set(name, entry);
  return earlier;
}

/** The exit code of a report: 2 when a file is invalid, else 4 when one is a conflict, else 0. */
export type ImportOutcome = 'ok' | 'invalid' | 'conflict';

export function importOutcome(entries: ImportEntry[]): ImportOutcome {
  if (entries.some((e) => e.status === 'invalid')) return 'invalid';
  if (entries.some((e) => e.status === 'conflict')) return 'conflict';
  return 'ok';
}

/**
 * Checks registrations without storing anything (`noetl credential validate`), as an import
 * would: two files with one name are a conflict unless `replace`.
 */
export async function validateRegistrations(files: RegistrationFile[], options: { replace?: boolean } = {}): Promise<ImportEntry[]> {
  const out: ImportEntry[] = [];
  const byName = new Map<string, ImportEntry>();
  for (const file of files) {
    const entry: ImportEntry = { file: file.file, status: 'valid', messages: [], warnings: [] };
    if (file.ignored.length > 0) entry.warnings.push(`${file.file}: not stored (not part of a registration): ${file.ignored.join(', ')}`);
    if (!file.input) {
      entry.status = 'invalid';
      entry.messages.push(file.error ?? `${file.file}: unreadable`);
    } else {
      entry.name = typeof file.input.name === 'string' ? file.input.name : undefined;
      try {
        const prepared = await prepareCredential(file.input);
        entry.warnings.push(...prepared.warnings);
        claimName(byName, entry, prepared.input.name, options.replace ?? false);
      } catch (err) {
        if (!hasReason(err, 'credential-input')) throw err;
        entry.status = 'invalid';
        entry.messages.push(`${file.file}: ${err.message}`, ...extraDetails(err));
      }
    }
    out.push(entry);
  }
  return out;
}
