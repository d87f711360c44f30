import { seal, type KeySet } from '../../core/envelope.js';
import { NoetlError } from '../../core/errors.js';
import { parseId64 } from '../../core/ids.js';
import { MAX_KEYCHAIN_TTL_SECONDS } from '../../core/keychain-entry.js';
import { openRecord } from './sealed.js';
import type { Store } from './store.js';

/**
 * The credential cache of seed 004. Two scopes:
 * - execution: a credential fetched for one execution, key `{credential_name}:{execution_id}`,
 *   TTL 3600 s unless the caller says otherwise, removed with its execution (and its parent's);
 * - global: a derived token shared by all executions, key `{credential_name}:global:{token_type}`,
 *   TTL from the token's `expires_in`, else 86400 s.
 * Data is sealed with the envelope of ENCRYPTION.md; every expiry decision uses store.now().
 */
export const EXECUTION_CACHE_TTL_SECONDS = 3600;
export const GLOBAL_TOKEN_TTL_SECONDS = 86400;

export type CacheScope = 'execution' | 'global';
export type CacheType = 'secret' | 'token';

export function executionCacheKey(credentialName: string, executionId: string): string {
  return `${credentialName}:${executionId}`;
}

export function globalCacheKey(credentialName: string, tokenType: string): string {
  return `${credentialName}:global:${tokenType}`;
}

function idOf(text: string, what = 'execution id'): string {
  const id = parseId64(String(text));
  if (id === undefined) throw new NoetlError('invalid', `${what} '${text}' is not a 64-bit number (e.g. 507431238966182398)`, { reason: 'invalid-id' });
  return id;
}

function ttlOf(seconds: number, what: string): number {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new NoetlError('invalid', `${what} must be a positive number of seconds, got ${seconds}`, { reason: 'invalid-ttl' });
  // A token's absurd expires_in (1e20) would make no date at all: refused before any write.
  if (seconds > MAX_KEYCHAIN_TTL_SECONDS) throw new NoetlError('invalid', `${what} must be at most ${MAX_KEYCHAIN_TTL_SECONDS} seconds (10 years), got ${seconds}`, { reason: 'invalid-ttl' });
  return seconds;
}

/** What a credential loader returns: the credential's type and its decrypted data. */
export interface LoadedCredential {
  type: string;
  data: unknown;
}

/** Loads a credential from the credential store by name (undefined when there is none). */
export type CredentialLoader = (name: string) => Promise<LoadedCredential | undefined>;

/** The loader over this store's `credential` table (the default of fetchCredentialWithCache). */
export function credentialStoreLoader(store: Store, keys: KeySet): CredentialLoader {
  return async (name) => {
    const { findCredential } = await import('./credential.js');
    const credential = await findCredential(store, keys, name);
    return credential && { type: credential.type, data: credential.data };
  };
}

export interface CachedCredential {
  data: unknown;
  credentialType: string;
  /** True when served from the cache (the loader was not called). */
  hit: boolean;
  cacheKey: string;
  expiresAt: Date;
  /** The cached row was legacy plaintext, not an envelope (warn; rotation seals it). */
  legacy: boolean;
}

interface HitRow {
  data_encrypted: string;
  credential_type: string;
  expires_at: Date;
}

/**
 * A live entry by key, counting the access (access_count + 1, accessed_at = now) in the same
 * statement; undefined when there is none or it has expired.
 */
async function touchLiveEntry(store: Store, cacheKey: string, keys: KeySet): Promise<{ value: unknown; row: HitRow; legacy: boolean } | undefined> {
  const now = store.now();
  const { rows } = await store.query<HitRow>(
    `UPDATE credential_cache SET access_count = COALESCE(access_count, 0) + 1, accessed_at = $2
     WHERE cache_key = $1 AND expires_at > $2
     RETURNING data_encrypted, credential_type, expires_at`,
    [cacheKey, now],
  );
  const row = rows[0];
  if (!row) return undefined;
  const opened = openRecord(row.data_encrypted, keys, `cache entry '${cacheKey}'`);
  return { value: opened.value, row, legacy: opened.legacy };
}

/** The identity columns of an entry (as listed), plus the value to seal and its lifetime. */
type UpsertInput = Pick<CacheEntry, 'cacheKey' | 'credentialName' | 'credentialType' | 'cacheType' | 'scope' | 'executionId' | 'parentExecutionId'> & {
  value: unknown;
  ttlSeconds: number;
};

async function upsertEntry(store: Store, keys: KeySet, input: UpsertInput): Promise<Date> {
  const now = store.now();
  const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
  await store.query(
    `INSERT INTO credential_cache (cache_key, credential_name, credential_type, cache_type, scope_type, execution_id,
       parent_execution_id, data_encrypted, expires_at, created_at, accessed_at, access_count)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 0)
     ON CONFLICT (cache_key) DO UPDATE SET credential_name = EXCLUDED.credential_name, credential_type = EXCLUDED.credential_type,
       cache_type = EXCLUDED.cache_type, scope_type = EXCLUDED.scope_type, execution_id = EXCLUDED.execution_id,
       parent_execution_id = EXCLUDED.parent_execution_id, data_encrypted = EXCLUDED.data_encrypted,
       expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at, accessed_at = EXCLUDED.accessed_at, access_count = 0`,
    [
      input.cacheKey,
      input.credentialName,
      input.credentialType,
      input.cacheType,
      input.scope,
      input.executionId,
      input.parentExecutionId,
      seal(input.value, keys.current),
      expiresAt,
      now,
    ],
  );
  return expiresAt;
}

export interface FetchCredentialInput {
  credentialName: string;
  executionId: string;
  /** The top-level execution, so cleaning it up removes this entry too. */
  parentExecutionId?: string | null;
  /** Seconds; default 3600. */
  cacheTtl?: number;
}

/**
 * Seed 004's fetch_credential_with_cache: a live `{name}:{execution_id}` entry is returned
 * without calling `load`; on a miss (or an expired entry) the credential is loaded, cached
 * with execution scope and returned. Undefined when the credential does not exist.
 * `load` defaults to the credential store; tests pass their own to count the loads.
 */
export async function fetchCredentialWithCache(
  store: Store,
  keys: KeySet,
  input: FetchCredentialInput,
  load: CredentialLoader = credentialStoreLoader(store, keys),
): Promise<CachedCredential | undefined> {
  const executionId = idOf(input.executionId);
  const parentExecutionId = input.parentExecutionId == null ? null : idOf(input.parentExecutionId, 'parent execution id');
  const ttl = ttlOf(input.cacheTtl ?? EXECUTION_CACHE_TTL_SECONDS, 'cache_ttl');
  const cacheKey = executionCacheKey(input.credentialName, executionId);
  const live = await touchLiveEntry(store, cacheKey, keys);
  if (live) {
    return { data: live.value, credentialType: live.row.credential_type, hit: true, cacheKey, expiresAt: live.row.expires_at, legacy: live.legacy };
  }
  const loaded = await load(input.credentialName);
  if (!loaded) return undefined;
  const expiresAt = await upsertEntry(store, keys, {
    cacheKey,
    credentialName: input.credentialName,
    credentialType: loaded.type,
    cacheType: 'secret',
    scope: 'execution',
    executionId,
    parentExecutionId,
    value: loaded.data,
    ttlSeconds: ttl,
  });
  return { data: loaded.data, credentialType: loaded.type, hit: false, cacheKey, expiresAt, legacy: false };
}

export interface StoreTokenInput {
  credentialName: string;
  tokenData: unknown;
  /** e.g. `oauth`, `jwt`; part of the key. */
  tokenType: string;
  /** TTL in seconds; default the token's `expires_in`, else 86400. */
  expiresInSeconds?: number;
  /** The credential's type, recorded with the entry; default the token type. */
  credentialType?: string;
}

/** Seed 004's store_token_in_cache: a global-scope token entry; returns its key and expiry. */
export async function storeTokenInCache(store: Store, keys: KeySet, input: StoreTokenInput): Promise<{ cacheKey: string; expiresAt: Date }> {
  const ttl = ttlOf(input.expiresInSeconds ?? expiresInOf(input.tokenData) ?? GLOBAL_TOKEN_TTL_SECONDS, 'expires_in');
  const cacheKey = globalCacheKey(input.credentialName, input.tokenType);
  const expiresAt = await upsertEntry(store, keys, {
    cacheKey,
    credentialName: input.credentialName,
    credentialType: input.credentialType ?? input.tokenType,
    cacheType: 'token',
    scope: 'global',
    executionId: null,
    parentExecutionId: null,
    value: input.tokenData,
    ttlSeconds: ttl,
  });
  return { cacheKey, expiresAt };
}

/** An OAuth response's `expires_in` (number or numeric string), when it has a positive one. */
function expiresInOf(tokenData: unknown): number | undefined {
  if (tokenData === null || typeof tokenData !== 'object') return undefined;
  const raw = (tokenData as Record<string, unknown>).expires_in;
  const seconds = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** Seed 004's get_token_from_cache: the live token data, or undefined (absent or expired). */
export async function getTokenFromCache(store: Store, keys: KeySet, credentialName: string, tokenType: string): Promise<unknown> {
  return (await touchLiveEntry(store, globalCacheKey(credentialName, tokenType), keys))?.value;
}

/**
 * Removes an execution's entries and every entry whose parent_execution_id is that execution
 * (its sub-playbooks'), as when the parent playbook completes. Returns how many were removed.
 */
export async function cleanupExecutionCache(store: Store, executionId: string): Promise<number> {
  const id = idOf(executionId);
  const { rowCount } = await store.query('DELETE FROM credential_cache WHERE execution_id = $1 OR parent_execution_id = $1', [id]);
  return rowCount;
}

/** Removes every entry expired at store.now(); returns how many. */
export async function purgeExpiredCache(store: Store): Promise<number> {
  const { rowCount } = await store.query('DELETE FROM credential_cache WHERE expires_at <= $1', [store.now()]);
  return rowCount;
}

/** A cache entry without its data. */
export interface CacheEntry {
  cacheKey: string;
  credentialName: string;
  credentialType: string;
  cacheType: CacheType;
  scope: CacheScope;
  executionId: string | null;
  parentExecutionId: string | null;
  expiresAt: Date;
  createdAt: Date;
  accessedAt: Date;
  accessCount: number;
  expired: boolean;
}

export interface ListCacheOptions {
  scope?: CacheScope;
  /** Entries of this execution and of its children (parent_execution_id = it). */
  executionId?: string;
  /** Only expired entries. */
  expired?: boolean;
}

interface EntryRow {
  cache_key: string;
  credential_name: string;
  credential_type: string;
  cache_type: CacheType;
  scope_type: CacheScope;
  execution_id: string | null;
  parent_execution_id: string | null;
  expires_at: Date;
  created_at: Date;
  accessed_at: Date;
  access_count: number | null;
}

export async function listCacheEntries(store: Store, options: ListCacheOptions = {}): Promise<CacheEntry[]> {
  const now = store.now();
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.scope) {
    params.push(options.scope);
    where.push(`scope_type = $${params.length}`);
  }
  if (options.executionId !== undefined) {
    params.push(idOf(options.executionId));
    where.push(`(execution_id = $${params.length} OR parent_execution_id = $${params.length})`);
  }
  if (options.expired) {
    params.push(now);
    where.push(`expires_at <= $${params.length}`);
  }
  const { rows } = await store.query<EntryRow>(
    `SELECT cache_key, credential_name, credential_type, cache_type, scope_type, execution_id, parent_execution_id,
            expires_at, created_at, accessed_at, access_count
     FROM credential_cache ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY scope_type, credential_name, cache_key`,
    params,
  );
  return rows.map((r) => ({
    cacheKey: r.cache_key,
    credentialName: r.credential_name,
    credentialType: r.credential_type,
    cacheType: r.cache_type,
    scope: r.scope_type,
    executionId: r.execution_id === null ? null : String(r.execution_id),
    parentExecutionId: r.parent_execution_id === null ? null : String(r.parent_execution_id),
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    accessedAt: r.accessed_at,
    accessCount: r.access_count ?? 0,
    expired: r.expires_at.getTime() <= now.getTime(),
  }));
}

/** Seed 004's three monitoring queries, as one report. */
export interface CacheStats {
  /** "Cache hit rate by credential", most accessed first. */
  byCredential: { credentialName: string; cacheType: CacheType; scope: CacheScope; entries: number; totalAccesses: number; avgAccesses: number }[];
  /** "Expired entries awaiting cleanup". */
  expiredEntries: number;
  /** "Active execution-scoped entries", per execution and parent. */
  executions: { executionId: string | null; parentExecutionId: string | null; cachedCredentials: number }[];
}

export async function cacheStats(store: Store): Promise<CacheStats> {
  const byCredential = await store.query<{
    credential_name: string;
    cache_type: CacheType;
    scope_type: CacheScope;
    entries: string;
    total_accesses: string | null;
    avg_accesses: string | null;
  }>(
    `SELECT credential_name, cache_type, scope_type, COUNT(*) AS entries,
            SUM(access_count) AS total_accesses, AVG(access_count) AS avg_accesses
     FROM credential_cache GROUP BY credential_name, cache_type, scope_type
     ORDER BY total_accesses DESC NULLS LAST, credential_name, cache_type, scope_type`,
  );
  const expired = await store.query<{ expired_entries: string }>(
    'SELECT COUNT(*) AS expired_entries FROM credential_cache WHERE expires_at < $1',
    [store.now()],
  );
  const executions = await store.query<{ execution_id: string | null; parent_execution_id: string | null; cached_credentials: string }>(
    `SELECT execution_id, parent_execution_id, COUNT(*) AS cached_credentials
     FROM credential_cache WHERE scope_type = 'execution'
     GROUP BY execution_id, parent_execution_id ORDER BY execution_id, parent_execution_id`,
  );
  return {
    byCredential: byCredential.rows.map((r) => ({
      credentialName: r.credential_name,
      cacheType: r.cache_type,
      scope: r.scope_type,
      entries: Number(r.entries),
      totalAccesses: Number(r.total_accesses ?? 0),
      avgAccesses: Math.round(Number(r.avg_accesses ?? 0) * 100) / 100,
    })),
    expiredEntries: Number(expired.rows[0].expired_entries),
    executions: executions.rows.map((r) => ({
      executionId: r.execution_id === null ? null : String(r.execution_id),
      parentExecutionId: r.parent_execution_id === null ? null : String(r.parent_execution_id),
      cachedCredentials: Number(r.cached_credentials),
    })),
  };
}
