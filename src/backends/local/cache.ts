/**
 * The cache group over a database, and seed 004's cache operations as functions over a Store
 * and a key set (what a worker embeds): keys and lifetimes from src/core/cache.ts, sealing and
 * opening with the master key here, rows through src/backends/sql/cache.ts, data masked unless
 * revealed. Every expiry decision uses store.now().
 */
import type { CacheApi, CacheEntry as WireCacheEntry, CacheStats } from '../../api/cache.js';
import {
  EXECUTION_CACHE_TTL_SECONDS,
  GLOBAL_TOKEN_TTL_SECONDS,
  cacheIdOf,
  cacheTtlOf,
  executionCacheKey,
  expiresInOf,
  globalCacheKey,
  type CacheScope,
} from '../../core/cache.js';
import { seal, type KeySet } from '../../core/envelope.js';
import { invalidError, notFoundError } from '../../core/errors.js';
import { fingerprintKeyFrom, maskValue } from '../../core/mask.js';
import * as repo from '../sql/cache.js';
import type { CacheEntry } from '../sql/cache.js';
import { openRecord } from '../sql/sealed.js';
import type { Store } from '../sql/store.js';
import type { LocalClientDeps } from './index.js';

export function localCache({ store, keys }: LocalClientDeps): CacheApi {
  const shown = (value: unknown, keySet: KeySet, reveal: boolean | undefined) => (reveal ? value : maskValue(value, fingerprintKeyFrom(keySet.current.key)));
  // A live entry by key (the credential cache's one read): access counted, data masked unless revealed.
  const get: CacheApi['get'] = async (cacheKey, { reveal } = {}) => {
    const row = await repo.touchLiveEntry(store, cacheKey, store.now());
    if (!row) return undefined;
    // The master key is loaded only for a hit: a miss needs none.
    const keySet = await keys('read');
    const opened = openRecord(row.data_encrypted, keySet, `cache entry '${cacheKey}'`);
    return {
      cache_key: cacheKey,
      credential_type: row.credential_type,
      cache_type: row.cache_type,
      data: shown(opened.value, keySet, reveal),
      expires_at: row.expires_at.toISOString(),
      warnings: opened.legacy ? [legacyWarning(cacheKey)] : [],
    };
  };
  return {
    async list(filter = {}) {
      const entries = await listCacheEntries(store, { scope: filter.scope, executionId: filter.execution_id, expired: filter.expired });
      return entries.map(toWireEntry);
    },
    stats: () => cacheStats(store),
    async cleanup(executionId) {
      const id = cacheIdOf(executionId);
      return { execution_id: id, removed: await repo.deleteExecutionEntries(store, id) };
    },
    async purgeExpired() {
      return { removed: await purgeExpiredCache(store) };
    },
    async fetchCredential(input) {
      // Write keys: a miss seals what it loads (the set opens what the current key sealed, too).
      const keySet = await keys('write');
      const fetched = await fetchCredentialWithCache(store, keySet, {
        credentialName: input.credential_name,
        executionId: input.execution_id,
        parentExecutionId: input.parent_execution_id,
        cacheTtl: input.cache_ttl,
      });
      if (!fetched) throw notFoundError(`no credential '${input.credential_name}'`, { hint: { command: 'credential ls' } });
      return {
        cache_key: fetched.cacheKey,
        credential_type: fetched.credentialType,
        data: shown(fetched.data, keySet, input.reveal),
        hit: fetched.hit,
        expires_at: fetched.expiresAt.toISOString(),
        warnings: fetched.legacy ? [legacyWarning(fetched.cacheKey)] : [],
      };
    },
    async storeToken(input) {
      const stored = await storeTokenInCache(store, await keys('write'), {
        credentialName: input.credential_name,
        tokenData: input.token_data,
        tokenType: input.token_type,
        expiresInSeconds: input.expires_in,
        credentialType: input.credential_type,
      });
      return { cache_key: stored.cacheKey, expires_at: stored.expiresAt.toISOString() };
    },
    getToken(credentialName, tokenType, options) {
      return get(globalCacheKey(credentialName, tokenType), options);
    },
    get,
    async put(input) {
      const name = input.cache_key.split(':')[0];
      if (!name || input.cache_key.length > 512 || /[\u0000-\u001f\u007f]/.test(input.cache_key)) {
        throw invalidError('cache key is not valid: use {credential_name}:{execution_id} or {credential_name}:global[:{token_type}], at most 512 characters');
      }
      const now = store.now();
      let ttlSeconds: number;
      if (input.expires_at !== undefined) {
        const at = new Date(input.expires_at);
        if (Number.isNaN(at.getTime())) throw invalidError(`expires_at '${input.expires_at.slice(0, 40)}' is not an RFC 3339 time`);
        ttlSeconds = cacheTtlOf((at.getTime() - now.getTime()) / 1000, 'the time left until expires_at');
      } else {
        ttlSeconds = cacheTtlOf(input.ttl_seconds ?? (input.scope === 'execution' ? EXECUTION_CACHE_TTL_SECONDS : GLOBAL_TOKEN_TTL_SECONDS), 'ttl_seconds');
      }
      const executionId = input.execution_id == null ? null : cacheIdOf(input.execution_id);
      const parentExecutionId = input.parent_execution_id == null ? null : cacheIdOf(input.parent_execution_id, 'parent execution id');
      const expiresAt = await putEntry(store, await keys('write'), {
        cacheKey: input.cache_key,
        credentialName: name,
        credentialType: input.credential_type,
        cacheType: input.cache_type ?? 'secret',
        scope: input.scope,
        executionId,
        parentExecutionId,
        value: input.data,
        ttlSeconds,
      });
      return { cache_key: input.cache_key, expires_at: expiresAt.toISOString() };
    },
  };
}

function legacyWarning(cacheKey: string): string {
  return `cache entry '${cacheKey}' is stored as plaintext, not sealed; rotating the master key seals it`;
}

function toWireEntry(e: CacheEntry): WireCacheEntry {
  return {
    cache_key: e.cacheKey,
    credential_name: e.credentialName,
    credential_type: e.credentialType,
    cache_type: e.cacheType,
    scope_type: e.scope,
    execution_id: e.executionId,
    parent_execution_id: e.parentExecutionId,
    expires_at: e.expiresAt.toISOString(),
    created_at: e.createdAt.toISOString(),
    accessed_at: e.accessedAt.toISOString(),
    access_count: e.accessCount,
    expired: e.expired,
  };
}

async function cacheStats(store: Store): Promise<CacheStats> {
  const stats = await repo.cacheStats(store);
  return {
    by_credential: stats.byCredential.map((c) => ({
      credential_name: c.credentialName,
      cache_type: c.cacheType,
      scope_type: c.scope,
      entries: c.entries,
      total_accesses: c.totalAccesses,
      avg_accesses: c.avgAccesses,
    })),
    expired_entries: stats.expiredEntries,
    executions: stats.executions.map((e) => ({ execution_id: e.executionId, parent_execution_id: e.parentExecutionId, cached_credentials: e.cachedCredentials })),
  };
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
    const { findCredential } = await import('./credentials.js');
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

/** A live entry by key, opened, its access counted; undefined when absent or expired. */
async function openLiveEntry(store: Store, keys: KeySet, cacheKey: string) {
  const row = await repo.touchLiveEntry(store, cacheKey, store.now());
  if (!row) return undefined;
  const opened = openRecord(row.data_encrypted, keys, `cache entry '${cacheKey}'`);
  return { value: opened.value, row, legacy: opened.legacy };
}

/** The identity of an entry, plus the value to seal and its lifetime. */
type NewEntry = repo.CacheEntryIdentity & { value: unknown; ttlSeconds: number };

async function putEntry(store: Store, keys: KeySet, entry: NewEntry): Promise<Date> {
  const now = store.now();
  const expiresAt = new Date(now.getTime() + entry.ttlSeconds * 1000);
  const { value, ttlSeconds: _ttl, ...identity } = entry;
  await repo.upsertCacheEntry(store, { ...identity, dataEncrypted: seal(value, keys.current), expiresAt, now });
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
  const executionId = cacheIdOf(input.executionId);
  const parentExecutionId = input.parentExecutionId == null ? null : cacheIdOf(input.parentExecutionId, 'parent execution id');
  const ttl = cacheTtlOf(input.cacheTtl ?? EXECUTION_CACHE_TTL_SECONDS, 'cache_ttl');
  const cacheKey = executionCacheKey(input.credentialName, executionId);
  const live = await openLiveEntry(store, keys, cacheKey);
  if (live) {
    return { data: live.value, credentialType: live.row.credential_type, hit: true, cacheKey, expiresAt: live.row.expires_at, legacy: live.legacy };
  }
  const loaded = await load(input.credentialName);
  if (!loaded) return undefined;
  const expiresAt = await putEntry(store, keys, {
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
  const ttl = cacheTtlOf(input.expiresInSeconds ?? expiresInOf(input.tokenData) ?? GLOBAL_TOKEN_TTL_SECONDS, 'expires_in');
  const cacheKey = globalCacheKey(input.credentialName, input.tokenType);
  const expiresAt = await putEntry(store, keys, {
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

/** Seed 004's get_token_from_cache: the live token data, or undefined (absent or expired). */
export async function getTokenFromCache(store: Store, keys: KeySet, credentialName: string, tokenType: string): Promise<unknown> {
  return (await openLiveEntry(store, keys, globalCacheKey(credentialName, tokenType)))?.value;
}

/**
 * Removes an execution's entries and every entry whose parent_execution_id is that execution
 * (its sub-playbooks'), as when the parent playbook completes. Returns how many were removed.
 */
export async function cleanupExecutionCache(store: Store, executionId: string): Promise<number> {
  return repo.deleteExecutionEntries(store, cacheIdOf(executionId));
}

/** Removes every entry expired at store.now(); returns how many. */
export function purgeExpiredCache(store: Store): Promise<number> {
  return repo.deleteExpiredEntries(store, store.now());
}

export interface ListCacheOptions {
  scope?: CacheScope;
  /** Entries of this execution and of its children (parent_execution_id = it). */
  executionId?: string;
  /** Only expired entries. */
  expired?: boolean;
}

/** Entries without their data, `expired` judged at store.now(). */
export async function listCacheEntries(store: Store, options: ListCacheOptions = {}): Promise<CacheEntry[]> {
  const executionId = options.executionId === undefined ? undefined : cacheIdOf(options.executionId);
  return repo.selectCacheEntries(store, { ...options, executionId }, store.now());
}
