/**
 * The keychain (seed 003, "Keychain System"): scoped, expiring entries sealed per
 * ENCRYPTION.md, with access tracking and auto-renewal. The functions mirror the seeds'
 * keychain API (get, set, delete, list by catalog) and return its response shapes;
 * warnings come back as data, never printed.
 */
import { hasReason, invalidError, NoetlError } from '../../core/errors.js';
import { classifyStored, rewrap, seal, type KeySet, type MasterKey } from '../../core/envelope.js';
import { cacheKey, defaultTtlSeconds, sharedRoot, type ScopeRef, type ScopeType } from '../../core/scope.js';
import { validateAgainstSchema, schemaReport } from '../../core/schema.js';
import { insecureEndpointProblem, MAX_REQUEST_TIMEOUT_SECONDS } from './http.js';
import { addWarnings, isRowDueForRenewal, renewKeychainEntry, type RenewConfig, type RenewOptions } from './renew.js';
import { describeKind, isFieldObject, openRecord, SEAL_LEGACY_ROWS } from './sealed.js';
import type { Queryable, Store } from './store.js';

export type CacheType = 'secret' | 'token';
export type KeychainData = Record<string, unknown>;

/** A keychain row as the database returns it (BIGINTs as strings). */
export interface KeychainRow {
  cache_key: string;
  keychain_name: string;
  catalog_id: string;
  credential_type: string;
  cache_type: CacheType;
  scope_type: ScopeType;
  execution_id: string | null;
  parent_execution_id: string | null;
  data_encrypted: string;
  schema: Record<string, unknown> | null;
  expires_at: Date;
  created_at: Date;
  accessed_at: Date;
  access_count: number | null;
  auto_renew: boolean | null;
  renew_config: unknown;
}

/** The longest an entry may live (10 years): a longer TTL is a mistake, and past year 275760 not even a date. */
export const MAX_KEYCHAIN_TTL_SECONDS = 10 * 365 * 86400;

/** Keychain names end up inside cache keys, where ':' separates the parts. */
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export function checkKeychainName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw invalidError(`keychain name '${name}' is not valid: use letters, digits, _ . - (starting with a letter or _), e.g. amadeus_token`);
  }
}

/** The cache key of an entry, its name checked (cacheKey checks the scope's execution ids). */
export function keychainCacheKey(name: string, ref: ScopeRef): string {
  checkKeychainName(name);
  return cacheKey(name, ref);
}

export async function selectKeychainRow(db: Queryable, key: string): Promise<KeychainRow | undefined> {
  const { rows } = await db.query<KeychainRow>('SELECT * FROM keychain WHERE cache_key = $1', [key]);
  return rows[0] ? normalizeRow(rows[0]) : undefined;
}

/** Timestamps as Dates and ids as strings on both backends. */
export function normalizeRow(row: KeychainRow): KeychainRow {
  return {
    ...row,
    catalog_id: String(row.catalog_id),
    execution_id: row.execution_id === null ? null : String(row.execution_id),
    parent_execution_id: row.parent_execution_id === null ? null : String(row.parent_execution_id),
    expires_at: new Date(row.expires_at),
    created_at: new Date(row.created_at),
    accessed_at: new Date(row.accessed_at),
    access_count: Number(row.access_count ?? 0),
    auto_renew: Boolean(row.auto_renew),
  };
}

const CHECK_MASTER_KEY = '; check the master key (NOETL_ENCRYPTION_KEY or --key-file)';

/**
 * Opens an entry's token data; `legacy` when the row held plaintext JSON (a warning; refused
 * under strict mode). Data that is not an object of fields (an array, a string) is an error.
 */
export function openKeychainData(row: KeychainRow, keys: KeySet): { data: KeychainData; legacy: boolean } {
  const record = `keychain entry '${row.keychain_name}'`;
  const opened = openRecord(row.data_encrypted, keys, record, CHECK_MASTER_KEY);
  if (!isFieldObject(opened.value)) {
    throw new NoetlError('unavailable', `${record} holds ${describeKind(opened.value)}, not an object of fields: set it again with \`noetl keychain set\``);
  }
  return { data: opened.value, legacy: opened.legacy };
}

/**
 * renew_config holds client secrets, so it is stored sealed: the envelope object itself in
 * the JSONB column. A plain (legacy, server-written) renew_config is read as is.
 */
export function sealRenewConfig(config: RenewConfig, keys: KeySet): unknown {
  return JSON.parse(seal(config, keys.current));
}

/** A renew_config column value as the stored string envelope.ts reads (pg may give JSONB back as text). */
export function storedRenewConfig(column: unknown): string | undefined {
  if (column === null || column === undefined) return undefined;
  return typeof column === 'string' ? column : JSON.stringify(column);
}

/** The warning each use of a plaintext renew_config gets: whoever can write the table chooses where renewal sends the client secret. */
function plaintextRenewConfigWarning(name: string): string {
  return `keychain entry '${name}' has a plaintext renew_config (not sealed): whoever can write the keychain table can send its renewal, and client secret, anywhere; ${SEAL_LEGACY_ROWS}, or refuse such rows with --require-sealed`;
}

/**
 * An entry's renew_config, opened and checked (a stored one is no more trusted than input).
 * A plaintext one is used with a warning pushed to `warnings`, every time (refused under
 * strict mode).
 */
export function openRenewConfig(row: KeychainRow, keys: KeySet, warnings?: string[]): RenewConfig | undefined {
  const stored = storedRenewConfig(row.renew_config);
  if (stored === undefined) return undefined;
  const record = `renew_config of keychain entry '${row.keychain_name}'`;
  const opened = openRecord(stored, keys, record, CHECK_MASTER_KEY);
  if (opened.legacy && warnings) addWarnings(warnings, [plaintextRenewConfigWarning(row.keychain_name)]);
  const problem = renewConfigProblem(opened.value);
  if (problem) throw new NoetlError('unavailable', `${record} is not usable: ${problem}; set it again with --auto-renew --renew-config @FILE`);
  return opened.value as RenewConfig;
}

/**
 * A renew_config column value re-wrapped under `to` (master-key rotation), in the form to
 * store; a plain one is sealed. Undefined when it is already on `to`. Throws EnvelopeError
 * when it opens with none of `keys`.
 */
export function rewrapRenewConfig(column: unknown, keys: KeySet, to: MasterKey): { value: unknown; legacy: boolean } | undefined {
  const stored = storedRenewConfig(column);
  if (stored === undefined) return undefined;
  const form = classifyStored(stored);
  if (form.kind === 'legacy') return { value: sealRenewConfig(form.value as RenewConfig, { current: to, previous: [] }), legacy: true };
  const next = rewrap(stored, keys, to);
  return next === undefined ? undefined : { value: JSON.parse(next), legacy: false };
}

/** The TTL an entry was issued with: expires_at − created_at (set and renewal both reset created_at). */
export function issuedTtlSeconds(row: KeychainRow): number {
  return Math.max(0, Math.round((row.expires_at.getTime() - row.created_at.getTime()) / 1000));
}

function remainingSeconds(row: KeychainRow, now: Date): number {
  return Math.round((row.expires_at.getTime() - now.getTime()) / 100) / 10;
}

// ---------------------------------------------------------------------------------------
// set

export interface SetKeychainInput {
  name: string;
  ref: ScopeRef;
  /** The token or secret data (the seeds' `token_data`). */
  data: KeychainData;
  credentialType?: string;
  cacheType?: CacheType;
  /** Lifetime from now; default 3600 s for local, 86400 s otherwise. Ignored when expiresAt is given. */
  ttlSeconds?: number;
  expiresAt?: Date;
  schema?: Record<string, unknown>;
  autoRenew?: boolean;
  renewConfig?: RenewConfig;
}

export interface SetKeychainResponse {
  status: 'success';
  message: string;
  keychain_name: string;
  catalog_id: string;
  cache_key: string;
  scope_type: ScopeType;
  expires_at: string;
  ttl_seconds: number;
  auto_renew: boolean;
}

/** Checks a renew_config's shape (endpoint URL, method, headers, data, bounds); returns it. Exit 2 naming the entry. */
export function checkRenewConfig(config: unknown, name: string): RenewConfig {
  const problem = renewConfigProblem(config);
  if (problem) throw invalidError(`renew_config of '${name}': ${problem}`);
  return config as RenewConfig;
}

/** What is wrong with a renew_config, in words that never quote its values; undefined when it is fine. */
function renewConfigProblem(config: unknown): string | undefined {
  if (!isFieldObject(config)) return `must be a JSON object with at least an endpoint, not ${describeKind(config)}`;
  const c = config;
  if (typeof c.endpoint !== 'string' || !/^https?:\/\//.test(c.endpoint)) return 'needs endpoint: an http(s) URL of the token endpoint';
  let endpoint: URL;
  try {
    endpoint = new URL(c.endpoint);
  } catch {
    return 'endpoint is not a valid URL';
  }
  if (c.allow_insecure_http !== undefined && typeof c.allow_insecure_http !== 'boolean') return 'allow_insecure_http must be true or false';
  const insecure = insecureEndpointProblem(endpoint, c.allow_insecure_http === true);
  if (insecure) return insecure;
  if (c.method !== undefined && (typeof c.method !== 'string' || !/^[A-Za-z]+$/.test(c.method))) return 'method must be an HTTP method such as POST';
  for (const field of ['headers', 'data'] as const) {
    if (c[field] !== undefined && !isFieldObject(c[field])) return `${field} must be a mapping`;
  }
  for (const field of ['token_field', 'ttl_field'] as const) {
    if (c[field] !== undefined && typeof c[field] !== 'string') return `${field} must be a string`;
  }
  for (const field of ['refresh_margin_seconds', 'timeout_seconds'] as const) {
    const v = c[field];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0))) return `${field} must be a number of seconds`;
  }
  if (typeof c.timeout_seconds === 'number' && c.timeout_seconds > MAX_REQUEST_TIMEOUT_SECONDS) {
    return `timeout_seconds is ${c.timeout_seconds}, more than the ${MAX_REQUEST_TIMEOUT_SECONDS} allowed`;
  }
  if (typeof c.refresh_margin_seconds === 'number' && c.refresh_margin_seconds > MAX_KEYCHAIN_TTL_SECONDS) {
    return `refresh_margin_seconds is ${c.refresh_margin_seconds}, more than the ${MAX_KEYCHAIN_TTL_SECONDS} allowed`;
  }
  return undefined;
}

/**
 * Stores (or replaces) an entry, sealed. Data is validated against the schema first; a
 * failure is exit 2 with the seeds' messages and nothing is written.
 */
export async function setKeychainEntry(db: Store | Queryable, keys: KeySet, input: SetKeychainInput, now: Date = nowOf(db)): Promise<SetKeychainResponse> {
  const key = keychainCacheKey(input.name, input.ref);
  if (input.data === null || typeof input.data !== 'object' || Array.isArray(input.data)) {
    throw invalidError(`keychain data for '${input.name}' must be a JSON object`);
  }
  if (input.schema) {
    const result = await validateAgainstSchema(input.data, input.schema);
    if (!result.valid) throw invalidError(`Token validation failed for '${input.name}': ${schemaReport(result).join('; ')}`);
  }
  const autoRenew = Boolean(input.autoRenew);
  if (autoRenew && !input.renewConfig) {
    throw invalidError(`auto-renew needs a renew_config (endpoint, method, headers, data) for '${input.name}'`);
  }
  const renewConfig = input.renewConfig ? checkRenewConfig(input.renewConfig, input.name) : undefined;
  let expiresAt: Date;
  if (input.expiresAt) {
    expiresAt = input.expiresAt;
  } else {
    const ttl = input.ttlSeconds ?? defaultTtlSeconds(input.ref.scope);
    if (!(ttl > 0)) throw invalidError(`TTL for '${input.name}' must be positive`);
    if (ttl > MAX_KEYCHAIN_TTL_SECONDS) throw tooLong(input.name);
    expiresAt = new Date(now.getTime() + ttl * 1000);
  }
  const ttlSeconds = Math.round((expiresAt.getTime() - now.getTime()) / 1000);
  if (Number.isNaN(ttlSeconds)) throw invalidError(`the expiry of '${input.name}' is not a valid time`);
  if (ttlSeconds > MAX_KEYCHAIN_TTL_SECONDS) throw tooLong(input.name);
  const { executionId, parentExecutionId } = executionColumns(input.ref);
  const cacheType: CacheType = input.cacheType ?? (autoRenew || 'access_token' in input.data ? 'token' : 'secret');
  const credentialType = input.credentialType ?? (autoRenew ? 'oauth2' : 'static');
  await db.query(
    `INSERT INTO keychain (cache_key, keychain_name, catalog_id, credential_type, cache_type, scope_type,
                           execution_id, parent_execution_id, data_encrypted, schema, expires_at, created_at,
                           accessed_at, access_count, auto_renew, renew_config)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 0, $13, $14)
     ON CONFLICT (cache_key) DO UPDATE SET
       credential_type = EXCLUDED.credential_type, cache_type = EXCLUDED.cache_type,
       execution_id = EXCLUDED.execution_id, parent_execution_id = EXCLUDED.parent_execution_id,
       data_encrypted = EXCLUDED.data_encrypted, schema = EXCLUDED.schema, expires_at = EXCLUDED.expires_at,
       created_at = EXCLUDED.created_at, auto_renew = EXCLUDED.auto_renew, renew_config = EXCLUDED.renew_config`,
    [
      key,
      input.name,
      input.ref.catalogId,
      credentialType,
      cacheType,
      input.ref.scope,
      executionId,
      parentExecutionId,
      seal(input.data, keys.current),
      input.schema ? JSON.stringify(input.schema) : null,
      expiresAt,
      now,
      autoRenew,
      // The envelope is JSON text already: it goes into the JSONB column as it is.
      renewConfig ? seal(renewConfig, keys.current) : null,
    ],
  );
  return {
    status: 'success',
    message: `Keychain entry cached successfully with ${ttlSeconds}s TTL`,
    keychain_name: input.name,
    catalog_id: input.ref.catalogId,
    cache_key: key,
    scope_type: input.ref.scope,
    expires_at: expiresAt.toISOString(),
    ttl_seconds: ttlSeconds,
    auto_renew: autoRenew,
  };
}

function tooLong(name: string): NoetlError {
  return invalidError(`TTL for '${name}' is more than the ${MAX_KEYCHAIN_TTL_SECONDS} s (10 years) an entry may live`);
}

/** local: its execution (and the parent, when known); shared: the creator and the tree's root. */
function executionColumns(ref: ScopeRef): { executionId: string | null; parentExecutionId: string | null } {
  if (ref.scope === 'local') return { executionId: ref.executionId ?? null, parentExecutionId: ref.rootExecutionId ?? null };
  if (ref.scope === 'shared') return { executionId: ref.executionId ?? sharedRoot(ref) ?? null, parentExecutionId: sharedRoot(ref) ?? null };
  return { executionId: null, parentExecutionId: null };
}

function nowOf(db: Store | Queryable): Date {
  return 'now' in db && typeof db.now === 'function' ? db.now() : new Date();
}

// ---------------------------------------------------------------------------------------
// get

export interface KeychainSuccess {
  status: 'success';
  keychain_name: string;
  catalog_id: string;
  cache_key: string;
  token_data: KeychainData;
  credential_type: string;
  cache_type: CacheType;
  scope_type: ScopeType;
  expires_at: string;
  ttl_seconds: number;
  accessed_at: string;
  access_count: number;
  auto_renew: boolean;
  expired: false;
  /** True when this read renewed the entry. */
  renewed: boolean;
}

export interface KeychainExpired {
  status: 'expired';
  keychain_name: string;
  catalog_id: string;
  cache_key: string;
  expires_at: string;
  auto_renew: boolean;
  renew_config?: RenewConfig;
  expired: true;
}

export interface KeychainNotFound {
  status: 'not_found';
  keychain_name: string;
  catalog_id: string;
  cache_key: string;
}

export type KeychainGetResponse = KeychainSuccess | KeychainExpired | KeychainNotFound;

export interface KeychainGetResult {
  response: KeychainGetResponse;
  /** Schema mismatches, legacy plaintext, a failed early renewal of a still-valid token. */
  warnings: string[];
}

export interface GetKeychainOptions extends RenewOptions {
  /** Renew an auto-renew entry that is expired or within its refresh margin (default true). */
  renew?: boolean;
}

/**
 * Reads an entry. An auto-renew entry that is expired, or within its refresh margin, is
 * renewed first (once for all concurrent readers, see renew.ts). An expired entry is
 * reported `expired`, never served. Every successful read bumps access_count and accessed_at.
 */
export async function getKeychainEntry(
  store: Store,
  keys: KeySet,
  name: string,
  ref: ScopeRef,
  options: GetKeychainOptions = {},
): Promise<KeychainGetResult> {
  const key = keychainCacheKey(name, ref);
  const warnings: string[] = [];
  const base = { keychain_name: name, catalog_id: ref.catalogId, cache_key: key };
  let row = await selectKeychainRow(store, key);
  if (!row) return { response: { status: 'not_found', ...base }, warnings };
  let renewed = false;
  if (row.auto_renew && options.renew !== false) {
    if (isRowDueForRenewal(row, openRenewConfig(row, keys, warnings), store.now(), options)) {
      try {
        const outcome = await renewKeychainEntry(store, keys, key, options);
        row = outcome.row;
        renewed = outcome.renewed;
        addWarnings(warnings, outcome.warnings);
      } catch (err) {
        if (!hasReason(err, 'renew-failed')) throw err;
        addWarnings(warnings, err.warnings);
        // A token that is still valid is served; the failed early renewal is a warning.
        if (row.expires_at.getTime() <= store.now().getTime()) {
          addWarnings(err.warnings, warnings);
          throw err;
        }
        warnings.push(`${err.message}; the current token is still valid until ${row.expires_at.toISOString()}`);
      }
    }
  }
  const now = store.now();
  const { rows } = await store.query<KeychainRow>(
    `UPDATE keychain SET access_count = COALESCE(access_count, 0) + 1, accessed_at = $2
     WHERE cache_key = $1 AND expires_at > $2 RETURNING *`,
    [key, now],
  );
  if (rows.length === 0) {
    const current = await selectKeychainRow(store, key);
    if (!current) return { response: { status: 'not_found', ...base }, warnings };
    const response: KeychainExpired = {
      status: 'expired',
      ...base,
      expires_at: current.expires_at.toISOString(),
      auto_renew: Boolean(current.auto_renew),
      expired: true,
    };
    if (current.auto_renew) response.renew_config = openRenewConfig(current, keys, warnings);
    return { response, warnings };
  }
  const read = normalizeRow(rows[0]);
  const { data, legacy } = openKeychainData(read, keys);
  if (legacy) warnings.push(`keychain entry '${name}' is stored as plaintext (legacy): ${SEAL_LEGACY_ROWS}`);
  if (read.schema) {
    const result = await validateAgainstSchema(data, read.schema);
    if (!result.valid) warnings.push(`KEYCHAIN: Entry '${name}' failed schema validation: ${result.errors.join('; ')}`);
  }
  return {
    response: {
      status: 'success',
      ...base,
      token_data: data,
      credential_type: read.credential_type,
      cache_type: read.cache_type,
      scope_type: read.scope_type,
      expires_at: read.expires_at.toISOString(),
      ttl_seconds: remainingSeconds(read, now),
      accessed_at: read.accessed_at.toISOString(),
      access_count: Number(read.access_count ?? 0),
      auto_renew: Boolean(read.auto_renew),
      expired: false,
      renewed,
    },
    warnings,
  };
}

// ---------------------------------------------------------------------------------------
// delete, list, stats, purge

export interface DeleteKeychainResponse {
  status: 'success' | 'not_found';
  message: string;
  keychain_name: string;
  catalog_id: string;
  cache_key: string;
}

export async function deleteKeychainEntry(db: Queryable, name: string, ref: ScopeRef): Promise<DeleteKeychainResponse> {
  const key = keychainCacheKey(name, ref);
  const { rowCount } = await db.query('DELETE FROM keychain WHERE cache_key = $1', [key]);
  return rowCount > 0
    ? { status: 'success', message: 'Keychain entry deleted successfully', keychain_name: name, catalog_id: ref.catalogId, cache_key: key }
    : { status: 'not_found', message: `Keychain entry '${name}' not found`, keychain_name: name, catalog_id: ref.catalogId, cache_key: key };
}

/** One entry as listed: never its data or renew_config. */
export interface KeychainListEntry {
  keychain_name: string;
  cache_key: string;
  catalog_id: string;
  scope_type: ScopeType;
  execution_id: string | null;
  parent_execution_id: string | null;
  credential_type: string;
  cache_type: CacheType;
  expires_at: string;
  expired: boolean;
  auto_renew: boolean;
  access_count: number;
  accessed_at: string;
  created_at: string;
}

export interface KeychainListFilter {
  catalogId?: string;
  scope?: ScopeType;
  /** Entries of this execution: its local entries and the shared entries it created or roots. */
  executionId?: string;
  /** true: only expired; false: only unexpired. */
  expired?: boolean;
  name?: string;
}

export async function listKeychainEntries(store: Store | Queryable, filter: KeychainListFilter = {}, now: Date = nowOf(store)): Promise<KeychainListEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.catalogId !== undefined) add((p) => `catalog_id = ${p}`, filter.catalogId);
  if (filter.scope) add((p) => `scope_type = ${p}`, filter.scope);
  if (filter.executionId !== undefined) add((p) => `(execution_id = ${p} OR parent_execution_id = ${p})`, filter.executionId);
  if (filter.name) add((p) => `keychain_name = ${p}`, filter.name);
  if (filter.expired !== undefined) add((p) => (filter.expired ? `expires_at <= ${p}` : `expires_at > ${p}`), now);
  const { rows } = await store.query<KeychainRow>(
    `SELECT cache_key, keychain_name, catalog_id, credential_type, cache_type, scope_type, execution_id,
            parent_execution_id, expires_at, created_at, accessed_at, access_count, auto_renew
     FROM keychain ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY keychain_name, cache_key`,
    params,
  );
  return rows.map((raw) => {
    const r = normalizeRow(raw);
    return {
      keychain_name: r.keychain_name,
      cache_key: r.cache_key,
      catalog_id: r.catalog_id,
      scope_type: r.scope_type,
      execution_id: r.execution_id,
      parent_execution_id: r.parent_execution_id,
      credential_type: r.credential_type,
      cache_type: r.cache_type,
      expires_at: r.expires_at.toISOString(),
      expired: r.expires_at.getTime() <= now.getTime(),
      auto_renew: Boolean(r.auto_renew),
      access_count: Number(r.access_count ?? 0),
      accessed_at: r.accessed_at.toISOString(),
      created_at: r.created_at.toISOString(),
    };
  });
}

/** The seeds' "List Catalog Keychain Entries" response. */
export async function listCatalogKeychain(store: Store | Queryable, catalogId: string) {
  const entries = (await listKeychainEntries(store, { catalogId })).map((e) => ({
    keychain_name: e.keychain_name,
    cache_key: e.cache_key,
    scope_type: e.scope_type,
    credential_type: e.credential_type,
    expires_at: e.expires_at,
    auto_renew: e.auto_renew,
    access_count: e.access_count,
  }));
  return { status: 'success' as const, catalog_id: catalogId, entries, count: entries.length };
}

export interface KeychainStats {
  total: number;
  expired: number;
  auto_renew: number;
  /** Auto-renew entries due within the next hour (expired ones included). */
  renew_due_within_1h: number;
  by_scope: Record<ScopeType, number>;
  total_accesses: number;
  catalogs: number;
  oldest_expiry: string | null;
  next_expiry: string | null;
}

export async function keychainStats(store: Store | Queryable, now: Date = nowOf(store)): Promise<KeychainStats> {
  const hour = new Date(now.getTime() + 3600_000);
  const { rows } = await store.query<Record<string, string | number | Date | null>>(
    `SELECT COUNT(*)::int AS total,
            COUNT(*) FILTER (WHERE expires_at <= $1)::int AS expired,
            COUNT(*) FILTER (WHERE auto_renew)::int AS auto_renew,
            COUNT(*) FILTER (WHERE auto_renew AND expires_at <= $2)::int AS renew_due,
            COUNT(*) FILTER (WHERE scope_type = 'global')::int AS s_global,
            COUNT(*) FILTER (WHERE scope_type = 'catalog')::int AS s_catalog,
            COUNT(*) FILTER (WHERE scope_type = 'local')::int AS s_local,
            COUNT(*) FILTER (WHERE scope_type = 'shared')::int AS s_shared,
            COALESCE(SUM(access_count), 0)::bigint AS accesses,
            COUNT(DISTINCT catalog_id)::int AS catalogs,
            MIN(expires_at) AS oldest,
            MIN(expires_at) FILTER (WHERE expires_at > $1) AS next
     FROM keychain`,
    [now, hour],
  );
  const r = rows[0];
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return {
    total: Number(r.total),
    expired: Number(r.expired),
    auto_renew: Number(r.auto_renew),
    renew_due_within_1h: Number(r.renew_due),
    by_scope: { global: Number(r.s_global), catalog: Number(r.s_catalog), local: Number(r.s_local), shared: Number(r.s_shared) },
    total_accesses: Number(r.accesses),
    catalogs: Number(r.catalogs),
    oldest_expiry: iso(r.oldest),
    next_expiry: iso(r.next),
  };
}

export interface PurgeOptions {
  /** Only entries expired at least this long ago. */
  olderThanSeconds?: number;
  /** Also delete expired auto-renew entries (kept by default: a read would renew them). */
  includeAutoRenew?: boolean;
  batchSize?: number;
  /** Called after each batch with the running total. */
  onProgress?: (deleted: number) => void;
}

export interface PurgeResult {
  deleted: number;
  batches: number;
  /** Expired auto-renew entries left in place. */
  kept_auto_renew: number;
}

/** Deletes expired entries in batches, each its own statement, so a long purge never holds one big lock. */
export async function purgeExpiredKeychain(store: Store | Queryable, options: PurgeOptions = {}, now: Date = nowOf(store)): Promise<PurgeResult> {
  const cutoff = new Date(now.getTime() - (options.olderThanSeconds ?? 0) * 1000);
  const batchSize = options.batchSize ?? 500;
  const renewFilter = options.includeAutoRenew ? '' : 'AND NOT COALESCE(auto_renew, false)';
  let deleted = 0;
  let batches = 0;
  for (;;) {
    const { rowCount } = await store.query(
      `DELETE FROM keychain WHERE cache_key IN (
         SELECT cache_key FROM keychain WHERE expires_at <= $1 ${renewFilter} LIMIT $2)`,
      [cutoff, batchSize],
    );
    if (rowCount === 0) break;
    deleted += rowCount;
    batches += 1;
    options.onProgress?.(deleted);
    if (rowCount < batchSize) break;
  }
  const { rows } = await store.query<{ n: number }>(
    'SELECT COUNT(*)::int AS n FROM keychain WHERE expires_at <= $1 AND COALESCE(auto_renew, false)',
    [cutoff],
  );
  return { deleted, batches, kept_auto_renew: options.includeAutoRenew ? 0 : Number(rows[0].n) };
}
