/** The cache group of NoetlClient: the credential cache (seed 004). Wire types are snake_case (API.md). */
import type { CacheScope, CacheType } from '../core/cache.js';

export type { CacheScope, CacheType };

/** An entry as listed: never its data. 64-bit ids as decimal strings; times RFC 3339 UTC. */
export interface CacheEntry {
  cache_key: string;
  credential_name: string;
  credential_type: string;
  cache_type: CacheType;
  scope_type: CacheScope;
  execution_id: string | null;
  parent_execution_id: string | null;
  expires_at: string;
  created_at: string;
  accessed_at: string;
  access_count: number;
  expired: boolean;
}

export interface CacheListFilter {
  scope?: CacheScope;
  /** Entries of this execution and of its child executions. */
  execution_id?: string;
  /** Only entries that have expired. */
  expired?: boolean;
}

/** Seed 004's three monitoring queries. */
export interface CacheStats {
  /** Cache hit rate by credential, most accessed first. */
  by_credential: { credential_name: string; cache_type: CacheType; scope_type: CacheScope; entries: number; total_accesses: number; avg_accesses: number }[];
  /** Expired entries awaiting cleanup. */
  expired_entries: number;
  /** Active execution-scoped entries, per execution and parent. */
  executions: { execution_id: string | null; parent_execution_id: string | null; cached_credentials: number }[];
}

export interface CacheCleanupResult {
  execution_id: string;
  removed: number;
}

export interface CachePurgeResult {
  removed: number;
}

export interface FetchCredentialInput {
  credential_name: string;
  execution_id: string;
  /** The top-level execution, so cleaning it up removes this entry too. */
  parent_execution_id?: string | null;
  /** Seconds; default 3600. */
  cache_ttl?: number;
  /** The data in clear; masked otherwise. */
  reveal?: boolean;
}

/** A credential served from the cache (`hit`) or loaded and cached. */
export interface CachedCredential {
  cache_key: string;
  credential_type: string;
  data: unknown;
  hit: boolean;
  expires_at: string;
  /** E.g. the cached row was legacy plaintext, not sealed. */
  warnings: string[];
}

export interface StoreTokenInput {
  credential_name: string;
  token_data: unknown;
  /** e.g. `oauth`, `jwt`; part of the key. */
  token_type: string;
  /** Seconds; default the token's `expires_in`, else 86400. */
  expires_in?: number;
  /** The credential's type, recorded with the entry; default the token type. */
  credential_type?: string;
}

export interface StoredToken {
  cache_key: string;
  expires_at: string;
}

/** A live global token (API.md's auth-cache answer plus its key). */
export interface CachedToken {
  cache_key: string;
  credential_type: string;
  cache_type: CacheType;
  data: unknown;
  expires_at: string;
  warnings: string[];
}

/** An entry stored under a key its writer chose (the upstream worker's `POST /api/auth-cache/{cache_key}`). */
export interface PutCacheEntryInput {
  /** `{credential_name}:{execution_id}`, `{credential_name}:global:{token_type}`, `{credential_name}:global`: the credential name is what comes before the first `:`. */
  cache_key: string;
  data: unknown;
  credential_type: string;
  /** `secret` by default. */
  cache_type?: CacheType;
  scope: CacheScope;
  execution_id?: string | null;
  parent_execution_id?: string | null;
  /** Lifetime in seconds; default 3600 for execution scope, 86400 for global. Ignored when expires_at is given. */
  ttl_seconds?: number;
  /** RFC 3339. */
  expires_at?: string;
}

export interface CacheApi {
  /** Entries, never their data; `[]` when none match. */
  list(filter?: CacheListFilter): Promise<CacheEntry[]>;
  stats(): Promise<CacheStats>;
  /** Removes an execution's entries and those of its child executions (as when the playbook completes). */
  cleanup(executionId: string): Promise<CacheCleanupResult>;
  /** Removes every expired entry. */
  purgeExpired(): Promise<CachePurgeResult>;
  /**
   * Seed 004's fetch_credential_with_cache: a live `{name}:{execution_id}` entry without reading
   * the credential store; on a miss the credential is loaded, cached and returned. not_found when
   * the credential does not exist.
   */
  fetchCredential(input: FetchCredentialInput): Promise<CachedCredential>;
  /** Seed 004's store_token_in_cache: a global-scope token entry. */
  storeToken(input: StoreTokenInput): Promise<StoredToken>;
  /** Seed 004's get_token_from_cache: the live token, or undefined (absent or expired: a miss). */
  getToken(credentialName: string, tokenType: string, options?: { reveal?: boolean }): Promise<CachedToken | undefined>;
  /** The live entry of a key, its access counted, or undefined (absent or expired: a miss). */
  get(cacheKey: string, options?: { reveal?: boolean }): Promise<CachedToken | undefined>;
  /** Stores (or replaces) an entry under the caller's key, sealed. */
  put(input: PutCacheEntryInput): Promise<StoredToken>;
}
