/**
 * The cache group over HTTP: the credential cache of seed 004 (routes of `noetl serve`), and
 * global tokens through `/api/auth-cache/{cache_key}`, the route the upstream Python worker's
 * cache client calls (a 404 there is a miss).
 */
import type { CacheApi, CacheCleanupResult, CachedCredential, CachedToken, CacheEntry, CachePurgeResult, CacheStats, StoredToken } from '../../api/cache.js';
import { cacheIdOf, cacheTtlOf, globalCacheKey } from '../../core/cache.js';
import { NoetlError } from '../../core/errors.js';
import type { Transport } from './transport.js';
import { bool, defined, fieldsOf, id64, listOf, num, seg, str, strings, time, type Fields } from './wire.js';

function entryOf(f: Fields): CacheEntry {
  return {
    cache_key: str(f.cache_key),
    credential_name: str(f.credential_name),
    credential_type: str(f.credential_type),
    cache_type: str(f.cache_type, 'secret') as CacheEntry['cache_type'],
    scope_type: str(f.scope_type, 'execution') as CacheEntry['scope_type'],
    execution_id: id64(f.execution_id),
    parent_execution_id: id64(f.parent_execution_id),
    expires_at: time(f.expires_at),
    created_at: time(f.created_at),
    accessed_at: time(f.accessed_at),
    access_count: num(f.access_count),
    expired: bool(f.expired),
  };
}

export function httpCache(transport: Transport): CacheApi {
  /** A live entry by key, or undefined: the route answers 404 for a miss (absent or expired). */
  const get = async (cacheKey: string, reveal: boolean): Promise<CachedToken | undefined> => {
    let answer: unknown;
    try {
      // A revealer's token gets data in clear unless it says reveal=false.
      answer = await transport.request('GET', `/api/auth-cache/${seg(cacheKey)}`, { query: { reveal } });
    } catch (err) {
      if (err instanceof NoetlError && err.code === 'not_found') return undefined;
      throw err;
    }
    const f = fieldsOf(answer, 'a cache read');
    const cacheType = str(f.cache_type, 'token') as CachedToken['cache_type'];
    return { cache_key: str(f.cache_key, cacheKey), credential_type: str(f.credential_type), cache_type: cacheType, data: f.data ?? f.token_data, expires_at: time(f.expires_at), warnings: strings(f.warnings) };
  };
  return {
    async list(filter = {}) {
      // Ids and lifetimes are checked here with the rules (and errors) of a direct database: bad input costs no request.
      if (filter.execution_id !== undefined) cacheIdOf(filter.execution_id);
      const answer = await transport.request('GET', '/api/cache', { query: { scope: filter.scope, execution_id: filter.execution_id, expired: filter.expired } });
      return listOf(answer, 'entries', 'items').map((e) => entryOf(fieldsOf(e, 'a cache listing')));
    },
    async stats() {
      return (await transport.request('GET', '/api/cache/stats')) as CacheStats;
    },
    async cleanup(executionId) {
      return (await transport.request('POST', `/api/cache/cleanup/${seg(cacheIdOf(executionId))}`)) as CacheCleanupResult;
    },
    async purgeExpired() {
      return (await transport.request('POST', '/api/cache/purge')) as CachePurgeResult;
    },
    async fetchCredential(input) {
      cacheIdOf(input.execution_id);
      if (input.parent_execution_id != null) cacheIdOf(input.parent_execution_id, 'parent execution id');
      if (input.cache_ttl !== undefined) cacheTtlOf(input.cache_ttl, 'cache_ttl');
      // A revealer's token gets data in clear unless it says reveal: false.
      const f = fieldsOf(await transport.request('POST', '/api/cache/fetch', { body: defined({ ...input, reveal: input.reveal === true }) }), 'a cached credential');
      const fetched: CachedCredential = { cache_key: str(f.cache_key), credential_type: str(f.credential_type), data: f.data, hit: bool(f.hit), expires_at: time(f.expires_at), warnings: strings(f.warnings) };
      return fetched;
    },
    async storeToken(input) {
      if (input.expires_in !== undefined) cacheTtlOf(input.expires_in, 'expires_in');
      const f = fieldsOf(await transport.request('POST', '/api/cache/tokens', { body: defined({ ...input }) }), 'a cached token');
      const stored: StoredToken = { cache_key: str(f.cache_key), expires_at: time(f.expires_at) };
      return stored;
    },
    getToken: (credentialName, tokenType, options = {}) => get(globalCacheKey(credentialName, tokenType), options.reveal === true),
    get: (cacheKey, options = {}) => get(cacheKey, options.reveal === true),
    async put(input) {
      const body = defined({
        token_data: input.data,
        credential_type: input.credential_type,
        cache_type: input.cache_type,
        scope_type: input.scope,
        execution_id: input.execution_id ?? undefined,
        parent_execution_id: input.parent_execution_id ?? undefined,
        ttl_seconds: input.ttl_seconds,
        expires_at: input.expires_at,
      });
      const f = fieldsOf(await transport.request('POST', `/api/auth-cache/${seg(input.cache_key)}`, { body }), 'a cache write');
      return { cache_key: str(f.cache_key, input.cache_key), expires_at: time(f.expires_at) };
    },
  };
}
