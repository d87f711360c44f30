/**
 * The keychain group of the local client: selectors resolved in the catalog, the operations
 * of keychain-entries.ts (sealing, validation, renewal), and masking by `reveal`: token data
 * not asked for in clear leaves this layer masked.
 */
import type {
  KeychainApi,
  KeychainGetResult,
  KeychainListFilter,
  KeychainNotFound,
  KeychainOtherVersion,
  KeychainRemoveResult,
  KeychainRenewItem,
  KeychainSelector,
} from '../../api/keychain.js';
import type { KeySet } from '../../core/envelope.js';
import { hasReason, invalidError, NoetlError } from '../../core/errors.js';
import { keychainCacheKey } from '../../core/keychain-entry.js';
import { fingerprintKeyFrom, maskValue } from '../../core/mask.js';
import type { ScopeRef, ScopeType } from '../../core/scope.js';
import { deleteKeychainRow, keychainStats, listKeychainEntries, purgeExpiredKeychain, selectKeychainRow } from '../sql/keychain.js';
import type { Queryable, Store } from '../sql/store.js';
import type { LocalClientDeps } from './index.js';
import { checkRenewConfig, getKeychainEntry, setKeychainEntry, type KeychainNotFoundBase } from './keychain-entries.js';
import { addWarnings, renewKeychainEntry, timeoutMsOf } from './renew/renew.js';

/**
 * The catalog id a selector names (`playbook` path[@version], latest version by default, or
 * `catalog_id`); not_found when the catalog has no such entry.
 */
export async function catalogIdOf(db: Queryable, selector: { playbook?: string; catalog_id?: string }): Promise<string> {
  const { resolvePlaybookSelector } = await import('./catalog.js');
  const entry = await resolvePlaybookSelector(db, { playbook: selector.playbook, catalog_id: selector.catalog_id });
  return entry.catalog_id;
}

/** The scope reference a selector names, its playbook looked up in the catalog. */
export async function scopeRefOf(db: Queryable, selector: KeychainSelector): Promise<ScopeRef> {
  const scope: ScopeType = selector.scope ?? 'global';
  return {
    scope,
    catalogId: await catalogIdOf(db, selector),
    executionId: selector.execution_id,
    rootExecutionId: selector.root_execution_id,
  };
}

/**
 * Other versions of the playbook whose keychain holds an entry of `name` (entries are keyed by
 * catalog id), and, when there are any, the version `catalogId` is.
 */
async function otherVersions(db: Queryable, catalogId: string, name: string): Promise<{ other_versions: KeychainOtherVersion[]; version?: number }> {
  const { getCatalogById, otherVersionsWithKeychainEntry } = await import('../sql/catalog.js');
  const other_versions = (await otherVersionsWithKeychainEntry(db, catalogId, name)).map((v) => ({
    catalog_id: v.catalog_id,
    path: v.path,
    version: v.version,
    scope_type: v.scope_type as ScopeType,
  }));
  const current = other_versions.length ? await getCatalogById(db, catalogId) : undefined;
  return current ? { other_versions, version: current.version } : { other_versions };
}

/** A not-found answer with where else the name exists: other scopes of this version, else other versions. */
async function notFoundWithWhereabouts(store: Store, response: KeychainNotFoundBase): Promise<KeychainNotFound> {
  const elsewhere = (await listKeychainEntries(store, { catalogId: response.catalog_id, name: response.keychain_name }, store.now())).map((e) => ({
    scope_type: e.scope_type,
    execution_id: e.execution_id,
    root_execution_id: e.scope_type === 'shared' ? e.parent_execution_id : null,
  }));
  const others = elsewhere.length ? { other_versions: [] } : await otherVersions(store, response.catalog_id, response.keychain_name);
  return { ...response, elsewhere, ...others };
}

function parseExpiry(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw invalidError(`expires_at '${text}' is not an ISO time`);
  return at;
}

export function localKeychain(deps: LocalClientDeps): KeychainApi {
  const { store } = deps;
  const mask = (value: unknown, keys: KeySet) => maskValue(value, fingerprintKeyFrom(keys.current.key));
  return {
    async set(request) {
      const ref = await scopeRefOf(store, request);
      const keys = await deps.keys('write');
      const response = await setKeychainEntry(store, keys, {
        name: request.name,
        ref,
        data: request.data,
        ttlSeconds: request.ttl_seconds,
        expiresAt: parseExpiry(request.expires_at),
        credentialType: request.credential_type,
        cacheType: request.cache_type,
        schema: request.schema,
        autoRenew: request.auto_renew,
        renewConfig: request.renew_config === undefined ? undefined : checkRenewConfig(request.renew_config, request.name),
      });
      return { ...response, warnings: [] };
    },

    async get(name, selector, options = {}): Promise<KeychainGetResult> {
      const ref = await scopeRefOf(store, selector);
      keychainCacheKey(name, ref);
      const timeoutMs = timeoutMsOf(options.timeout_seconds);
      if (options.refresh_margin_seconds !== undefined && !(options.refresh_margin_seconds >= 0)) {
        throw invalidError('refresh_margin_seconds must be a number of seconds');
      }
      const keys = await deps.keys('read');
      const { response, warnings } = await getKeychainEntry(store, keys, name, ref, {
        renew: options.renew,
        refreshMarginSeconds: options.refresh_margin_seconds,
        timeoutMs,
      });
      if (response.status === 'not_found') return { ...(await notFoundWithWhereabouts(store, response)), warnings };
      if (response.status === 'expired') {
        const renewConfig = response.renew_config === undefined || options.reveal ? response.renew_config : (mask(response.renew_config, keys) as typeof response.renew_config);
        return { ...response, ...(renewConfig === undefined ? {} : { renew_config: renewConfig }), warnings };
      }
      return { ...response, token_data: options.reveal ? response.token_data : (mask(response.token_data, keys) as Record<string, unknown>), warnings };
    },

    async list(filter: KeychainListFilter = {}) {
      const catalogId = filter.playbook !== undefined || filter.catalog_id !== undefined ? await catalogIdOf(store, filter) : undefined;
      return listKeychainEntries(store, { catalogId, scope: filter.scope, executionId: filter.execution_id, expired: filter.expired, name: filter.name }, store.now());
    },

    async remove(names, selector) {
      if (!names.length) throw invalidError('name the keychain entries to delete');
      const ref = await scopeRefOf(store, selector);
      // Every name checked before anything is deleted: bad input writes nothing.
      const keys = names.map((name) => keychainCacheKey(name, ref));
      const results: KeychainRemoveResult[] = [];
      for (const [i, name] of names.entries()) {
        const base = { keychain_name: name, catalog_id: ref.catalogId, cache_key: keys[i] };
        if (await deleteKeychainRow(store, keys[i])) {
          results.push({ status: 'success', message: 'Keychain entry deleted successfully', ...base });
        } else {
          results.push({ status: 'not_found', message: `Keychain entry '${name}' not found`, ...base, ...(await otherVersions(store, ref.catalogId, name)) });
        }
      }
      return results;
    },

    async renew(names, selector, options = {}) {
      if (!names.length) throw invalidError('name the keychain entries to renew');
      const timeoutMs = timeoutMsOf(options.timeout_seconds);
      const ref = await scopeRefOf(store, selector);
      const cacheKeys = names.map((name) => keychainCacheKey(name, ref));
      const keys = await deps.keys('write');
      const results: KeychainRenewItem[] = [];
      const warnings: string[] = [];
      for (const [i, name] of names.entries()) {
        const key = cacheKeys[i];
        const row = await selectKeychainRow(store, key);
        if (!row) {
          results.push({ keychain_name: name, cache_key: key, status: 'not_found', error: `KEYCHAIN: Entry '${name}' not found (cache key ${key})`, code: 'not_found' });
          continue;
        }
        if (!row.auto_renew) {
          results.push({
            keychain_name: name,
            cache_key: key,
            status: 'failed',
            error: `KEYCHAIN: Entry '${name}' is not auto-renew: set it again with auto-renew and a renew_config`,
            code: 'unavailable',
          });
          continue;
        }
        try {
          const outcome = await renewKeychainEntry(store, keys, key, { force: true, timeoutMs });
          addWarnings(warnings, outcome.warnings);
          results.push({ keychain_name: name, cache_key: key, status: 'renewed', expires_at: outcome.row.expires_at.toISOString() });
        } catch (err) {
          if (!(err instanceof NoetlError)) throw err;
          if (hasReason(err, 'renew-failed')) addWarnings(warnings, err.warnings);
          results.push({ keychain_name: name, cache_key: key, status: 'failed', error: err.message, code: err.code });
        }
      }
      return { results, warnings };
    },

    stats: () => keychainStats(store, store.now()),

    async purgeExpired(options = {}, onProgress) {
      const olderThan = options.older_than_seconds ?? 0;
      if (!(olderThan >= 0)) throw invalidError('older_than_seconds must be a number of seconds');
      const cutoff = new Date(store.now().getTime() - olderThan * 1000);
      return purgeExpiredKeychain(store, { cutoff, includeAutoRenew: Boolean(options.include_auto_renew), batchSize: 500, onProgress });
    },
  };
}
