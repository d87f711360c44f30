import { NoetlError } from '../../src/core/errors.js';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyStored, type KeySet } from '../../src/core/envelope.js';
import { cacheStats } from '../../src/backends/sql/cache.js';
import {
  cleanupExecutionCache,
  fetchCredentialWithCache,
  getTokenFromCache,
  listCacheEntries,
  purgeExpiredCache,
  storeTokenInCache,
  type CredentialLoader,
} from '../../src/backends/local/cache.js';
import { addCredential } from '../../src/backends/local/credentials.js';
import { deleteCredential } from '../../src/backends/sql/credential.js';
import type { Store } from '../../src/backends/sql/store.js';
import { fakeClock, testStore } from '../helpers/store.js';

const PARENT = '507431238966182300';
const EXEC = '507431238966182398';
const CHILD = '507431238966182399';

function keySet(): KeySet {
  return { current: { provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv: 'v1', key: randomBytes(32) }, previous: [] };
}

/** A loader standing in for the credential store that counts how often it is called. */
function countingLoader(credentials: Record<string, { type: string; data: unknown }>) {
  const calls: string[] = [];
  const load: CredentialLoader = async (name) => {
    calls.push(name);
    return credentials[name];
  };
  return { load, calls };
}

describe('credential cache', () => {
  let store: Store;
  const keys = keySet();
  const clock = fakeClock(new Date('2026-03-01T10:00:00Z'));
  beforeEach(async () => {
    clock.set(new Date('2026-03-01T10:00:00Z'));
    store = await testStore({ clock });
  });
  afterEach(async () => store.close());

  it('loads on a miss, then serves hits without touching the credential store', async () => {
    const { load, calls } = countingLoader({ openai_api_key: { type: 'httpBearerAuth', data: { api_key: 'sk-123' } } });
    const first = await fetchCredentialWithCache(store, keys, { credentialName: 'openai_api_key', executionId: EXEC, parentExecutionId: PARENT }, load);
    expect(first).toMatchObject({ hit: false, data: { api_key: 'sk-123' }, credentialType: 'httpBearerAuth', cacheKey: `openai_api_key:${EXEC}` });
    expect(first!.expiresAt.toISOString()).toBe('2026-03-01T11:00:00.000Z');
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      const hit = await fetchCredentialWithCache(store, keys, { credentialName: 'openai_api_key', executionId: EXEC }, load);
      expect(hit).toMatchObject({ hit: true, data: { api_key: 'sk-123' }, credentialType: 'httpBearerAuth' });
    }
    expect(calls).toEqual(['openai_api_key']);
    const [entry] = await listCacheEntries(store);
    expect(entry).toMatchObject({ cacheKey: `openai_api_key:${EXEC}`, scope: 'execution', cacheType: 'secret', executionId: EXEC, parentExecutionId: PARENT, accessCount: 3 });
    expect(entry.accessedAt.toISOString()).toBe('2026-03-01T10:00:03.000Z');
  });

  it('seals the cached data with the envelope; the plaintext never reaches the table', async () => {
    const { load } = countingLoader({ pg: { type: 'postgres', data: { password: 'hunter2-secret' } } });
    await fetchCredentialWithCache(store, keys, { credentialName: 'pg', executionId: EXEC }, load);
    const { rows } = await store.query<{ data_encrypted: string }>('SELECT data_encrypted FROM credential_cache');
    expect(rows[0].data_encrypted).not.toContain('hunter2');
    expect(classifyStored(rows[0].data_encrypted).kind).toBe('envelope');
    const wrongKeys = keySet();
    await expect(fetchCredentialWithCache(store, wrongKeys, { credentialName: 'pg', executionId: EXEC }, load)).rejects.toThrow(
      /cache entry 'pg:507431238966182398' could not be decrypted: wrong master key/,
    );
  });

  it('expires after 3600 s by default, or after cache_ttl, and reloads', async () => {
    const { load, calls } = countingLoader({ k: { type: 'apiKey', data: { api_key: 'v1' } } });
    await fetchCredentialWithCache(store, keys, { credentialName: 'k', executionId: EXEC }, load);
    clock.advance(3599_000);
    expect((await fetchCredentialWithCache(store, keys, { credentialName: 'k', executionId: EXEC }, load))!.hit).toBe(true);
    clock.advance(1000);
    expect((await fetchCredentialWithCache(store, keys, { credentialName: 'k', executionId: EXEC }, load))!.hit).toBe(false);
    expect(calls).toHaveLength(2);

    const short = await fetchCredentialWithCache(store, keys, { credentialName: 'k', executionId: CHILD, cacheTtl: 300 }, load);
    expect(short!.expiresAt.getTime() - clock().getTime()).toBe(300_000);
    clock.advance(301_000);
    expect((await fetchCredentialWithCache(store, keys, { credentialName: 'k', executionId: CHILD, cacheTtl: 300 }, load))!.hit).toBe(false);
    const entry = (await listCacheEntries(store)).find((e) => e.executionId === CHILD)!;
    expect(entry.accessCount).toBe(0);
  });

  it('loads from the credential store by default; a hit is served even after the credential is gone', async () => {
    await addCredential(store, keys, { name: 'openai_api_key', type: 'httpBearerAuth', data: { api_key: 'sk-abc' } });
    const miss = await fetchCredentialWithCache(store, keys, { credentialName: 'openai_api_key', executionId: EXEC });
    expect(miss).toMatchObject({ hit: false, credentialType: 'httpBearerAuth', data: { api_key: 'sk-abc' } });
    await deleteCredential(store, 'openai_api_key');
    const hit = await fetchCredentialWithCache(store, keys, { credentialName: 'openai_api_key', executionId: EXEC });
    expect(hit).toMatchObject({ hit: true, data: { api_key: 'sk-abc' } });
    expect(await fetchCredentialWithCache(store, keys, { credentialName: 'openai_api_key', executionId: CHILD })).toBeUndefined();
    expect(await fetchCredentialWithCache(store, keys, { credentialName: 'never_added', executionId: EXEC })).toBeUndefined();
  });

  it('returns undefined for an unknown credential and caches nothing', async () => {
    const { load } = countingLoader({});
    expect(await fetchCredentialWithCache(store, keys, { credentialName: 'nope', executionId: EXEC }, load)).toBeUndefined();
    expect(await listCacheEntries(store)).toEqual([]);
  });

  it('refuses bad ids and TTLs before touching the database', async () => {
    const { load, calls } = countingLoader({ k: { type: 't', data: {} } });
    await expect(fetchCredentialWithCache(store, keys, { credentialName: 'k', executionId: '12ab' }, load)).rejects.toBeInstanceOf(NoetlError);
    await expect(fetchCredentialWithCache(store, keys, { credentialName: 'k', executionId: EXEC, parentExecutionId: 'x' }, load)).rejects.toMatchObject({ reason: 'invalid-id' });
    await expect(fetchCredentialWithCache(store, keys, { credentialName: 'k', executionId: EXEC, cacheTtl: 0 }, load)).rejects.toMatchObject({ reason: 'invalid-ttl' });
    await expect(cleanupExecutionCache(store, '-1')).rejects.toMatchObject({ reason: 'invalid-id' });
    expect(calls).toEqual([]);
  });

  it('global tokens: TTL from expires_in, else 86400 s; counted on every get', async () => {
    const token = { access_token: 'eyJhbGci.abc.def', token_type: 'Bearer', expires_in: 1799 };
    const stored = await storeTokenInCache(store, keys, { credentialName: 'amadeus_oauth', tokenData: token, tokenType: 'oauth' });
    expect(stored.cacheKey).toBe('amadeus_oauth:global:oauth');
    expect(stored.expiresAt.toISOString()).toBe('2026-03-01T10:29:59.000Z');
    expect(await getTokenFromCache(store, keys, 'amadeus_oauth', 'oauth')).toEqual(token);
    expect(await getTokenFromCache(store, keys, 'amadeus_oauth', 'oauth')).toEqual(token);
    expect(await getTokenFromCache(store, keys, 'amadeus_oauth', 'jwt')).toBeUndefined();
    const [entry] = await listCacheEntries(store, { scope: 'global' });
    expect(entry).toMatchObject({ scope: 'global', cacheType: 'token', executionId: null, accessCount: 2, credentialType: 'oauth' });
    clock.advance(1799_000);
    expect(await getTokenFromCache(store, keys, 'amadeus_oauth', 'oauth')).toBeUndefined();

    const noExpiry = await storeTokenInCache(store, keys, { credentialName: 'sa', tokenData: 'opaque', tokenType: 'jwt' });
    expect(noExpiry.expiresAt.getTime() - clock().getTime()).toBe(86400_000);
    const explicit = await storeTokenInCache(store, keys, { credentialName: 'sa', tokenData: { expires_in: 50 }, tokenType: 'oauth', expiresInSeconds: 120 });
    expect(explicit.expiresAt.getTime() - clock().getTime()).toBe(120_000);
  });

  it('cleanup removes an execution and every entry whose parent is that execution, nothing else', async () => {
    const { load } = countingLoader({ a: { type: 't', data: 1 }, b: { type: 't', data: 2 } });
    await fetchCredentialWithCache(store, keys, { credentialName: 'a', executionId: PARENT }, load);
    await fetchCredentialWithCache(store, keys, { credentialName: 'a', executionId: EXEC, parentExecutionId: PARENT }, load);
    await fetchCredentialWithCache(store, keys, { credentialName: 'b', executionId: CHILD, parentExecutionId: PARENT }, load);
    await fetchCredentialWithCache(store, keys, { credentialName: 'a', executionId: '42' }, load);
    await storeTokenInCache(store, keys, { credentialName: 'a', tokenData: 't', tokenType: 'oauth' });
    expect((await listCacheEntries(store, { executionId: PARENT })).map((e) => e.executionId).sort()).toEqual([PARENT, EXEC, CHILD]);
    expect(await cleanupExecutionCache(store, PARENT)).toBe(3);
    expect((await listCacheEntries(store)).map((e) => e.cacheKey).sort()).toEqual(['a:42', 'a:global:oauth']);
    expect(await cleanupExecutionCache(store, PARENT)).toBe(0);
  });

  it('purges expired entries only and lists them with --expired', async () => {
    const { load } = countingLoader({ a: { type: 't', data: 1 } });
    await fetchCredentialWithCache(store, keys, { credentialName: 'a', executionId: EXEC, cacheTtl: 60 }, load);
    await fetchCredentialWithCache(store, keys, { credentialName: 'a', executionId: CHILD }, load);
    await storeTokenInCache(store, keys, { credentialName: 'a', tokenData: 't', tokenType: 'oauth', expiresInSeconds: 30 });
    clock.advance(61_000);
    expect((await listCacheEntries(store, { expired: true })).map((e) => e.cacheKey).sort()).toEqual([`a:${EXEC}`, 'a:global:oauth']);
    expect((await listCacheEntries(store, { expired: true, scope: 'global' })).map((e) => e.cacheKey)).toEqual(['a:global:oauth']);
    expect((await cacheStats(store)).expiredEntries).toBe(2);
    expect(await purgeExpiredCache(store)).toBe(2);
    expect((await listCacheEntries(store)).map((e) => [e.cacheKey, e.expired])).toEqual([[`a:${CHILD}`, false]]);
  });

  it('stats: seed 004 monitoring queries', async () => {
    const { load } = countingLoader({ a: { type: 't', data: 1 }, b: { type: 't', data: 2 } });
    await fetchCredentialWithCache(store, keys, { credentialName: 'a', executionId: EXEC, parentExecutionId: PARENT }, load);
    await fetchCredentialWithCache(store, keys, { credentialName: 'b', executionId: EXEC, parentExecutionId: PARENT }, load);
    await fetchCredentialWithCache(store, keys, { credentialName: 'a', executionId: CHILD, parentExecutionId: PARENT }, load);
    for (let i = 0; i < 3; i++) await fetchCredentialWithCache(store, keys, { credentialName: 'a', executionId: EXEC }, load);
    await storeTokenInCache(store, keys, { credentialName: 'b', tokenData: 't', tokenType: 'oauth' });
    const stats = await cacheStats(store);
    expect(stats.byCredential[0]).toEqual({ credentialName: 'a', cacheType: 'secret', scope: 'execution', entries: 2, totalAccesses: 3, avgAccesses: 1.5 });
    expect(stats.byCredential).toHaveLength(3);
    expect(stats.expiredEntries).toBe(0);
    expect(stats.executions).toEqual([
      { executionId: EXEC, parentExecutionId: PARENT, cachedCredentials: 2 },
      { executionId: CHILD, parentExecutionId: PARENT, cachedCredentials: 1 },
    ]);
  });
});
