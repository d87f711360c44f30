/**
 * The keychain group of NoetlClient (seed 003, "Keychain System"): scoped, time-limited
 * tokens with access tracking and auto-renewal. Wire types are snake_case, as the seeds'
 * keychain API answers (success / expired / not_found); 64-bit ids are decimal strings.
 */
import type { ErrorCode } from '../core/errors.js';
import type { RenewConfig } from '../core/keychain-entry.js';
import type { ScopeType } from '../core/scope.js';
import type { TokenIdentity } from './tokens.js';

export type { RenewConfig } from '../core/keychain-entry.js';
export type { ScopeType } from '../core/scope.js';

import type { CacheType } from '../core/cache.js';

export type { CacheType };
export type KeychainData = Record<string, unknown>;

/**
 * Which entry an operation means: the playbook (by `path[@version]` or catalog id), the scope,
 * and for local/shared the execution (and the root of its tree).
 */
export interface KeychainSelector {
  /** The playbook by catalog path, latest version unless `path@version`. */
  playbook?: string;
  catalog_id?: string;
  /** Default global. */
  scope?: ScopeType;
  execution_id?: string;
  root_execution_id?: string;
}

export interface KeychainSetRequest extends KeychainSelector {
  name: string;
  /** The token or secret data (the seeds' `token_data`). */
  data: KeychainData;
  credential_type?: string;
  cache_type?: CacheType;
  /** Lifetime from now; default 3600 s for local, 86400 s otherwise. Ignored when expires_at is given. */
  ttl_seconds?: number;
  /** ISO time. */
  expires_at?: string;
  /** Compact (fields/required/types) or JSON Schema the data must satisfy, now and on every read. */
  schema?: Record<string, unknown>;
  auto_renew?: boolean;
  renew_config?: RenewConfig;
}

export interface KeychainSetResult {
  status: 'success';
  message: string;
  keychain_name: string;
  catalog_id: string;
  cache_key: string;
  scope_type: ScopeType;
  expires_at: string;
  ttl_seconds: number;
  auto_renew: boolean;
  warnings: string[];
}

export interface KeychainGetOptions {
  /** The token data (and an expired entry's renew_config) in clear; masked otherwise. */
  reveal?: boolean;
  /** Renew an auto-renew entry that is expired or within its refresh margin (default true). */
  renew?: boolean;
  /** Overrides the entry's refresh margin. */
  refresh_margin_seconds?: number;
  /** HTTP timeout of a renewal (default 10 s, at most 600 s). */
  timeout_seconds?: number;
}

/** How a server reads for the holder of a service token (KeychainApi.getForToken). */
export interface KeychainTokenReadOptions extends Omit<KeychainGetOptions, 'reveal'> {
  /**
   * Called with the token's identity once it is checked, before the answer is built: whether
   * this caller sees the data in clear. It may refuse (throw), but a hit's access is counted
   * already then (in the statement that checked the token): use it where every valid token may read.
   */
  authorize(caller: TokenIdentity): { reveal: boolean };
}

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

/** Where an entry of the name asked for does exist: another scope of this playbook version. */
export interface KeychainElsewhere {
  scope_type: ScopeType;
  execution_id: string | null;
  root_execution_id: string | null;
}

/** Another version of the playbook whose keychain holds an entry of the name (entries are keyed by catalog id). */
export interface KeychainOtherVersion {
  catalog_id: string;
  path: string;
  version: number;
  scope_type: ScopeType;
}

export interface KeychainNotFound {
  status: 'not_found';
  keychain_name: string;
  catalog_id: string;
  cache_key: string;
  /** The same name under other scopes of this catalog entry. */
  elsewhere: KeychainElsewhere[];
  /** Otherwise, other versions of the playbook that hold it (newest first). */
  other_versions: KeychainOtherVersion[];
  /** The version of the playbook asked for, when the catalog knows it. */
  version?: number;
}

export type KeychainGetResponse = KeychainSuccess | KeychainExpired | KeychainNotFound;

/** A read: the seeds' response, with warnings (schema mismatch, legacy plaintext, a failed early renewal). */
export type KeychainGetResult = KeychainGetResponse & { warnings: string[] };

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
  playbook?: string;
  catalog_id?: string;
  scope?: ScopeType;
  /** Entries of this execution: its local entries and the shared entries it created or roots. */
  execution_id?: string;
  /** true: only expired; false: only unexpired. */
  expired?: boolean;
  name?: string;
}

export interface KeychainRemoveResult {
  status: 'success' | 'not_found';
  message: string;
  keychain_name: string;
  catalog_id: string;
  cache_key: string;
  /** For not_found: other versions of the playbook that hold an entry of this name. */
  other_versions?: KeychainOtherVersion[];
  /** For not_found with other versions: the version of the playbook asked for. */
  version?: number;
}

export interface KeychainRenewOptions {
  /** HTTP timeout of each token request (default 10 s, at most 600 s). */
  timeout_seconds?: number;
}

export interface KeychainRenewItem {
  keychain_name: string;
  cache_key: string;
  status: 'renewed' | 'failed' | 'not_found';
  expires_at?: string;
  error?: string;
  /** Why it failed, as an error code (not_found, unavailable, invalid, …). */
  code?: ErrorCode;
}

export interface KeychainRenewResult {
  results: KeychainRenewItem[];
  /** A plaintext renew_config was used, and the like. */
  warnings: string[];
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

export interface KeychainPurgeOptions {
  /** Only entries expired at least this long ago. */
  older_than_seconds?: number;
  /** Also delete expired auto-renew entries (kept by default: a read would renew them). */
  include_auto_renew?: boolean;
}

export interface KeychainPurgeResult {
  deleted: number;
  batches: number;
  /** Expired auto-renew entries left in place. */
  kept_auto_renew: number;
}

export interface KeychainApi {
  /** Stores (or replaces) an entry, sealed; the data is checked against its schema first. */
  set(request: KeychainSetRequest): Promise<KeychainSetResult>;
  /**
   * Reads an entry (renewing an auto-renew one that is due, once for all readers). A missing
   * or expired entry is a result (`not_found`, `expired`), not an error; a renewal that fails
   * on an expired entry is an `unavailable` error (reason `renew-failed`).
   */
  get(name: string, selector: KeychainSelector, options?: KeychainGetOptions): Promise<KeychainGetResult>;
  /**
   * `get` for a server, on behalf of the holder of a service token (a direct database only):
   * the token is checked in the statement that reads the entry and counts the access, so a hit
   * costs one round trip. Undefined when the token is not valid (unknown, removed, expired,
   * malformed): then nothing was read or counted.
   */
  getForToken?(token: string, name: string, selector: KeychainSelector, options: KeychainTokenReadOptions): Promise<KeychainGetResult | undefined>;
  list(filter?: KeychainListFilter): Promise<KeychainListEntry[]>;
  /** Deletes the named entries of one scope; every name is checked before anything is deleted. */
  remove(names: string[], selector: KeychainSelector): Promise<KeychainRemoveResult[]>;
  /** Renews auto-renew entries now from their renew_config, each reported on its own. */
  renew(names: string[], selector: KeychainSelector, options?: KeychainRenewOptions): Promise<KeychainRenewResult>;
  stats(): Promise<KeychainStats>;
  /** Deletes expired entries in batches; `onProgress` gets the running total after each batch. */
  purgeExpired(options?: KeychainPurgeOptions, onProgress?: (deleted: number) => void): Promise<KeychainPurgeResult>;
}
