/**
 * The cache group over HTTP: the credential cache of seed 004 (routes of `noetl serve`), and
 * global tokens through `/api/auth-cache/{cache_key}`, the route the upstream Python worker's
 * cache client calls (a 404 there is a miss).
 */
import type { CacheApi, CacheCleanupResult, CachedCredential, CacheEntry, CachePurgeResult, CacheStats, StoredToken } from '../../api/cache.js';
import { globalCacheKey } from '../../core/cache.js';
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
  return {
    async list(filter = {}) {
      const answer = await transport.request('GET', '/api/cache', { query: { scope_type: filter.scope, execution_id: filter.execution_id, expired: filter.expired } });
      return listOf(answer, 'entries', 'items').map((e) => entryOf(fieldsOf(e, 'a cache listing')));
    },
    async stats() {
      return (await transport.request('GET', '/api/cache/stats')) as CacheStats;
    },
    async cleanup(executionId) {
      return (await transport.request('POST', '/api/cache/cleanup', { body: { execution_id: executionId } })) as CacheCleanupResult;
    },
    async purgeExpired() {
      return (await transport.request('POST', '/api/cache/purge')) as CachePurgeResult;
    },
    async fetchCredential(input) {
      const f = fieldsOf(await transport.request('POST', '/api/cache/fetch', { body: defined({ ...input }) }), 'a cached credential');
      const fetched: CachedCredential = { cache_key: str(f.cache_key), credential_type: str(f.credential_type), data: f.data, hit: bool(f.hit), expires_at: time(f.expires_at), warnings: strings(f.warnings) };
      return fetched;
    },
    async storeToken(input) {
      const f = fieldsOf(await transport.request('POST', '/api/cache/tokens', { body: defined({ ...input }) }), 'a cached token');
      const stored: StoredToken = { cache_key: str(f.cache_key), expires_at: time(f.expires_at) };
      return stored;
    },
    async getToken(credentialName, tokenType, options = {}) {
      const cacheKey = globalCacheKey(credentialName, tokenType);
      let answer: unknown;
      try {
        answer = await transport.request('GET', `/api/auth-cache/${seg(cacheKey)}`, { query: options.reveal ? { reveal: true } : {} });
      } catch (err) {
        if (err instanceof NoetlError && err.code === 'not_found') return undefined;
        throw err;
      }
      const f = fieldsOf(answer, 'a cached token');
      return { cache_key: str(f.cache_key, cacheKey), credential_type: str(f.credential_type), cache_type: str(f.cache_type, 'token') as 'token' | 'secret', data: f.data ?? f.token_data, expires_at: time(f.expires_at), warnings: strings(f.warnings) };
    },
  };
}
