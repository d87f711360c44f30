/**
 * The credentials group over the database: input checked (src/core/credential-input.ts), data
 * sealed with the current master key (ENCRYPTION.md) and opened with the key set, masked by
 * `reveal` before it leaves: a value not asked for in clear never leaves in clear.
 * The functions over (store, keys) are also what other nouns use to read a credential.
 */
import type {
  AddCredentialOptions,
  Credential,
  CredentialAdded,
  CredentialInput,
  CredentialRegistration,
  CredentialsApi,
  CredentialSummary,
  ImportEntry,
  ImportOptions,
  ImportReport,
} from '../../api/credentials.js';
import { checkRegistrations, importOutcome, KEPT_ON_REPLACE, prepareCredential, type Prepared } from '../../core/credential-input.js';
import { seal, type KeySet } from '../../core/envelope.js';
import { conflictError, NoetlError, notFoundError } from '../../core/errors.js';
import { newId64, parseId64 } from '../../core/ids.js';
import { fingerprintKeyFrom, maskValue } from '../../core/mask.js';
import { validateAgainstSchema } from '../../core/schema.js';
import { closest } from '../../core/suggest.js';
import {
  credentialExists,
  deleteCredential,
  insertCredential,
  selectCredential,
  selectCredentialByIdOrName,
  selectCredentialNames,
  selectCredentials,
  selectForReplace,
  type CredentialRow,
} from '../sql/credential.js';
import { describeKind, isFieldObject, openRecord } from '../sql/sealed.js';
import type { Queryable, Store } from '../sql/store.js';
import type { LocalClientDeps } from './index.js';

export function localCredentials(deps: LocalClientDeps): CredentialsApi {
  const { store } = deps;
  return {
    add: async (input, options) => addCredential(store, () => deps.keys('write'), input, options),
    async get(name, options = {}) {
      const keys = await deps.keys('read');
      const credential = await getCredential(store, keys, name);
      if (options.reveal) return credential;
      // Keyed by the master key: the same value shows the same fingerprint from run to run.
      return { ...credential, data: maskValue(credential.data, fingerprintKeyFrom(keys.current.key)) as Record<string, unknown>, revealed: false };
    },
    list: async (filter = {}) => (await selectCredentials(store, { type: filter.type, tags: filter.tags })).map(toSummary),
    async find(identifier) {
      const row = await selectCredentialByIdOrName(store, identifier, parseId64(identifier));
      return row && toSummary(row);
    },
    exists: (name) => credentialExists(store, name),
    async remove(name) {
      const removed = await deleteCredential(store, name);
      if (!removed) throw await notFound(store, name);
      return { ...removed, deleted: true };
    },
    async validate(registrations, options = {}) {
      const entries = (await checkRegistrations(registrations, { replace: options.replace, validStatus: 'valid' })).map((c) => c.entry);
      return { entries, outcome: importOutcome(entries) };
    },
    import: (registrations, options) => importCredentials(store, () => deps.keys('write'), registrations, options),
  };
}

/** A row as the wire type: the id a string, timestamps RFC 3339 UTC, tags a list. */
export function toSummary(row: CredentialRow): CredentialSummary {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    description: row.description,
    tags: row.tags ?? [],
    meta: row.meta,
    schema: row.schema,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

type Keys = KeySet | (() => Promise<KeySet>);
const keysOf = (keys: Keys): Promise<KeySet> => (typeof keys === 'function' ? keys() : Promise.resolve(keys));

/**
 * Adds a credential; an existing name is a conflict unless `replace`, which keeps the description,
 * tags, meta and schema that `input` leaves undefined (the data must then match the kept schema).
 * Bad input is refused before the keys are asked for or a transaction is opened.
 */
export async function addCredential(store: Store, keys: Keys, input: CredentialInput, options: AddCredentialOptions = {}): Promise<CredentialAdded> {
  const replace = options.replace ?? false;
  let prepared = await prepareCredential(input);
  const keySet = await keysOf(keys);
  const written = await store.transaction(async (tx) => {
    // A replace checks again against what it keeps.
    if (replace) prepared = await prepareCredential(await withKeptFields(tx, input));
    return write(tx, store.now(), prepared, keySet, replace, newId64(store.now()));
  });
  if (!written) throw alreadyExists(prepared.input.name);
  return { ...toSummary(written.row), replaced: written.replaced, warnings: prepared.warnings };
}

/** `input` with the stored values of the fields it leaves undefined (the row locked until the transaction ends). */
async function withKeptFields(tx: Queryable, input: CredentialInput): Promise<CredentialInput> {
  if (KEPT_ON_REPLACE.every((field) => input[field] !== undefined)) return input;
  const stored = await selectForReplace(tx, input.name);
  if (!stored) return input;
  return {
    ...input,
    description: input.description === undefined ? stored.description : input.description,
    tags: input.tags === undefined ? stored.tags : input.tags,
    meta: input.meta === undefined ? stored.meta : input.meta,
    schema: input.schema === undefined ? stored.schema : input.schema,
  };
}

function write(tx: Queryable, now: Date, prepared: Prepared, keys: KeySet, replace: boolean, id: string) {
  const p = prepared.input;
  const row = { id, name: p.name, type: p.type, data_encrypted: seal(p.data, keys.current), description: p.description, tags: p.tags, meta: p.meta, schema: p.schema };
  return insertCredential(tx, row, now, replace);
}

function alreadyExists(name: string): NoetlError {
  return conflictError(`credential '${name}' already exists`, { hint: { option: 'replace', text: 'to overwrite it, or choose another name' } });
}

/** One credential with its data in the clear; `not_found` (with a did-you-mean) when there is none. */
export async function getCredential(store: Queryable, keys: KeySet, name: string): Promise<Credential> {
  const credential = await findCredential(store, keys, name);
  if (!credential) throw await notFound(store, name);
  return credential;
}

/** Like getCredential, but undefined for an unknown name (no did-you-mean scan: a cache miss needs none). */
export async function findCredential(store: Queryable, keys: KeySet, name: string): Promise<Credential | undefined> {
  const row = await selectCredential(store, name);
  if (!row) return undefined;
  const opened = openRecord(row.data_encrypted, keys, `credential '${name}'`);
  const warnings: string[] = [];
  if (opened.legacy) warnings.push(`credential '${name}' is stored as legacy plaintext: rotating the master key (credential rotate-key) seals it`);
  const data = opened.value;
  if (!isFieldObject(data)) throw new NoetlError('unavailable', `credential '${name}' holds ${describeKind(data)}, not an object of fields`);
  if (row.schema) {
    const check = await validateAgainstSchema(data, row.schema);
    if (!check.valid) warnings.push(`credential '${name}' no longer matches its stored schema: ${check.errors.join('; ')}`);
  }
  return { ...toSummary(row), data, revealed: true, legacy: opened.legacy, warnings };
}

async function notFound(store: Queryable, name: string): Promise<NoetlError> {
  const guess = closest(name, await selectCredentialNames(store));
  return notFoundError(`credential '${name}' not found${guess ? ` (did you mean '${guess}'?)` : ''}`, { hint: { command: 'credential ls' } });
}

/**
 * Loads many registrations in one transaction: all or none. With `continueOnError`, loads
 * every valid one and reports the rest. Two files with the same name are a conflict unless
 * `replace`, when the later file (in the order given) wins and both are named in a warning.
 * Keys are asked for only when something is to be written.
 */
export async function importCredentials(store: Store, keys: Keys, registrations: CredentialRegistration[], options: ImportOptions = {}): Promise<ImportReport> {
  const replace = options.replace ?? false;
  const checked = await checkRegistrations(registrations, { replace, validStatus: 'not-loaded' });
  const entries = checked.map((c) => c.entry);
  const ready = checked.filter((c): c is { entry: ImportEntry; prepared: Prepared } => c.prepared !== undefined && c.entry.status === 'not-loaded');
  const rolledBack = (): ImportReport => {
    for (const r of ready) if (r.entry.status !== 'conflict') r.entry.status = 'not-loaded';
    return { entries, rolled_back: true, outcome: importOutcome(entries) };
  };
  if (importOutcome(entries) !== 'ok' && !options.continueOnError) return rolledBack();
  // An earlier file overridden by a later one of the same name is not written.
  const overridden = new Set(checked.map((c) => c.overrides).filter((e) => e !== undefined));
  const toWrite = ready.filter((r) => !overridden.has(r.entry));
  if (toWrite.length === 0) return { entries, rolled_back: false, outcome: importOutcome(entries) };
  const keySet = await keysOf(keys);
  const AllOrNothing = class extends Error {};
  try {
    await store.transaction(async (tx) => {
      const now = store.now();
      // One clock reading for the whole import: ids drawn at the same millisecond must still differ.
      const ids = new Set<string>();
      for (const r of toWrite) {
        let id = newId64(now);
        while (ids.has(id)) id = newId64(now);
        ids.add(id);
        const written = await write(tx, now, r.prepared, keySet, replace, id);
        if (!written) {
          r.entry.status = 'conflict';
          r.entry.messages.push(`${r.entry.file}: credential '${r.prepared.input.name}' already exists (import with replace to overwrite it)`);
          continue;
        }
        r.entry.status = written.replaced ? 'replaced' : 'added';
      }
      if (!options.continueOnError && toWrite.some((r) => r.entry.status === 'conflict')) throw new AllOrNothing();
    });
  } catch (err) {
    if (!(err instanceof AllOrNothing)) throw err;
    return rolledBack();
  }
  return { entries, rolled_back: false, outcome: importOutcome(entries) };
}
