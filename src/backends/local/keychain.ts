/**
 * The keychain group of the local client: selectors resolved in the catalog, the operations
 * of keychain-entries.ts (sealing, validation, renewal), and masking by `reveal`: token data
 * not asked for in clear leaves this layer masked.
 */
import type {
  KeychainApi,
  KeychainGetOptions,
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
import type { TokenIdentity } from '../../api/tokens.js';
import { parseId64 } from '../../core/ids.js';
import { deleteKeychainRow, keychainStats, listKeychainEntries, purgeExpiredKeychain, selectKeychainRow, touchKeychainRow, touchKeychainRowForTokens, type KeychainRow, type TokenCaller } from '../sql/keychain.js';
import type { Queryable, Store } from '../sql/store.js';
import type { LocalClientDeps } from './index.js';
import { checkRenewConfig, finishKeychainRead, setKeychainEntry, type KeychainNotFoundBase } from './keychain-entries.js';
import { addWarnings, renewKeychainEntry, timeoutMsOf } from './renew/renew.js';
import { identityOfLiveToken, identityOfTokenHash, wellFormedTokenHash } from './tokens.js';

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

/** The options of a read, checked before anything is read. */
function checkGetOptions(options: Pick<KeychainGetOptions, 'timeout_seconds' | 'refresh_margin_seconds'>): { timeoutMs?: number } {
  const timeoutMs = timeoutMsOf(options.timeout_seconds);
  if (options.refresh_margin_seconds !== undefined && !(options.refresh_margin_seconds >= 0)) {
    throw invalidError('refresh_margin_seconds must be a number of seconds');
  }
  return { timeoutMs };
}

/**
 * The scope and key of an entry named by catalog id, without a catalog lookup: a row found
 * under that key references its catalog entry (a foreign key), so a hit needs none. Undefined
 * when a lookup is needed (a playbook path) or the selector is not valid (the lookup says why).
 */
function keyByCatalogId(name: string, selector: KeychainSelector): { ref: ScopeRef; key: string } | undefined {
  if (selector.playbook !== undefined || selector.catalog_id === undefined) return undefined;
  const catalogId = parseId64(selector.catalog_id);
  if (catalogId === undefined) return undefined;
  const ref: ScopeRef = { scope: selector.scope ?? 'global', catalogId, executionId: selector.execution_id, rootExecutionId: selector.root_execution_id };
  try {
    return { ref, key: keychainCacheKey(name, ref) };
  } catch {
    return undefined;
  }
}

/** The most token holders one coalesced read statement checks. */
const MAX_READ_BATCH = 500;

/**
 * Reads of one entry for token holders, coalesced: while a read statement of an entry is in
 * flight, the next readers of that entry gather and then go in one statement, which checks
 * every token and counts every live one's access (touchKeychainRowForTokens). Each reader is
 * still checked by a statement that starts after its request arrived (a removed token fails at
 * once) and gets its own count; concurrent readers of one row are no longer queued one
 * statement each on its row lock.
 */
function coalescedTokenTouches(store: Store): (key: string, tokenSha256: string) => Promise<{ caller?: TokenCaller; row?: KeychainRow }> {
  type Waiter = { hash: string; resolve: (found: { caller?: TokenCaller; row?: KeychainRow }) => void; reject: (err: unknown) => void };
  const waiting = new Map<string, Waiter[]>();
  async function drain(key: string): Promise<void> {
    for (let queue = waiting.get(key); queue?.length; queue = waiting.get(key)) {
      const batch = queue.splice(0, MAX_READ_BATCH);
      try {
        const found = await touchKeychainRowForTokens(store, key, store.now(), batch.map((w) => w.hash));
        batch.forEach((w, i) => w.resolve(found[i]));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    waiting.delete(key);
  }
  return (key, hash) =>
    new Promise((resolve, reject) => {
      const queue = waiting.get(key);
      if (queue) {
        queue.push({ hash, resolve, reject });
        return;
      }
      waiting.set(key, [{ hash, resolve, reject }]);
      void drain(key);
    });
}

export function localKeychain(deps: LocalClientDeps): KeychainApi {
  const { store } = deps;
  const touchForToken = coalescedTokenTouches(store);
  const mask = (value: unknown, keys: KeySet) => maskValue(value, fingerprintKeyFrom(keys.current.key));

  /**
   * A read. `quick` is what its first statement found when the entry was named by catalog id
   * (the row whose access it counted; none when the entry was missing or expired); otherwise,
   * and on a miss, the selector is looked up in the catalog (not_found for an unknown playbook).
   * Data leaves masked unless `reveal`.
   */
  async function read(
    name: string,
    selector: KeychainSelector,
    options: KeychainGetOptions,
    checked: { timeoutMs?: number },
    keys: KeySet,
    quick: { touched: KeychainRow | undefined } | undefined,
  ): Promise<KeychainGetResult> {
    let base: Omit<KeychainNotFoundBase, 'status'>;
    if (quick?.touched) {
      base = { keychain_name: name, catalog_id: quick.touched.catalog_id, cache_key: quick.touched.cache_key };
    } else {
      const ref = await scopeRefOf(store, selector);
      base = { keychain_name: name, catalog_id: ref.catalogId, cache_key: keychainCacheKey(name, ref) };
    }
    const touched = quick ? quick.touched : await touchKeychainRow(store, base.cache_key, store.now());
    const { response, warnings } = await finishKeychainRead(store, keys, base, touched, {
      renew: options.renew,
      refreshMarginSeconds: options.refresh_margin_seconds,
      timeoutMs: checked.timeoutMs,
    });
    if (response.status === 'not_found') return { ...(await notFoundWithWhereabouts(store, response)), warnings };
    if (response.status === 'expired') {
      const renewConfig = response.renew_config === undefined || options.reveal ? response.renew_config : (mask(response.renew_config, keys) as typeof response.renew_config);
      return { ...response, ...(renewConfig === undefined ? {} : { renew_config: renewConfig }), warnings };
    }
    return { ...response, token_data: options.reveal ? response.token_data : (mask(response.token_data, keys) as Record<string, unknown>), warnings };
  }

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

    async get(name, selector, options = {}) {
      const checked = checkGetOptions(options);
      const keys = await deps.keys('read');
      const quick = keyByCatalogId(name, selector);
      return read(name, selector, options, checked, keys, quick && { touched: await touchKeychainRow(store, quick.key, store.now()) });
    },

    async getForToken(token, name, selector, options) {
      const hash = wellFormedTokenHash(token);
      if (hash === undefined) return undefined;
      const checked = checkGetOptions(options);
      const keys = await deps.keys('read');
      const now = store.now();
      const quick = keyByCatalogId(name, selector);
      let caller: TokenIdentity;
      let quickRead: { touched: KeychainRow | undefined } | undefined;
      if (quick) {
        const found = await touchForToken(quick.key, hash);
        if (!found.caller) return undefined;
        caller = await identityOfLiveToken(store, found.caller, now);
        quickRead = { touched: found.row };
      } else {
        const identity = await identityOfTokenHash(store, hash);
        if (!identity) return undefined;
        caller = identity;
      }
      const { reveal } = options.authorize(caller);
      return read(name, selector, { ...options, reveal }, checked, keys, quickRead);
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
