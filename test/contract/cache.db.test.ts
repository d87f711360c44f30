import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheApi } from '../../src/api/cache.js';
import { seal } from '../../src/core/envelope.js';
import { fingerprintKeyFrom, maskString } from '../../src/core/mask.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { fails } from '../helpers/errors.js';
import { fakeClock } from '../helpers/store.js';

const PARENT = '507431238966182300';
const EXEC = '507431238966182398';
const CHILD = '9223372036854775807';
const API_KEY = 'sk-0123456789abcdefghij';

/** Every CacheApi operation through a NoetlClient, on this run's backend. */
describe('contract: cache', () => {
  let t: TestClient;
  let cache: CacheApi;
  const clock = fakeClock(new Date('2026-03-01T10:00:00Z'));
  beforeEach(async () => {
    clock.set(new Date('2026-03-01T10:00:00Z'));
    t = await testClient({ clock });
    cache = t.client.cache;
    // A stored credential, sealed as the credential store seals it (the loader of a cache miss reads it).
    await t.store.query("INSERT INTO credential (id, name, type, data_encrypted) VALUES ('1', 'openai', 'httpBearerAuth', $1)", [seal({ api_key: API_KEY }, t.keys.current)]);
  });
  afterEach(async () => t.close());

  const mask = (s: string) => maskString(s, fingerprintKeyFrom(t.keys.current.key));

  it('fetchCredential: a miss loads and caches, then hits; data masked unless reveal', async () => {
    const miss = await cache.fetchCredential({ credential_name: 'openai', execution_id: EXEC, parent_execution_id: PARENT });
    expect(miss).toEqual({
      cache_key: `openai:${EXEC}`,
      credential_type: 'httpBearerAuth',
      data: { api_key: mask(API_KEY) },
      hit: false,
      expires_at: '2026-03-01T11:00:00.000Z',
      warnings: [],
    });
    expect(JSON.stringify(miss)).not.toContain(API_KEY.slice(3, 10));
    // The credential goes away; the cache still serves it.
    await t.store.query('DELETE FROM credential');
    clock.advance(1000);
    const hit = await cache.fetchCredential({ credential_name: 'openai', execution_id: EXEC, reveal: true });
    expect(hit).toMatchObject({ hit: true, data: { api_key: API_KEY } });
    const { rows } = await t.store.query<{ data_encrypted: string }>('SELECT data_encrypted FROM credential_cache');
    expect(rows[0].data_encrypted).not.toContain(API_KEY);
  });

  it('fetchCredential: not_found for an unknown credential, invalid ids and TTLs; nothing cached', async () => {
    expect((await fails(cache.fetchCredential({ credential_name: 'nope', execution_id: EXEC }))).code).toBe('not_found');
    for (const [input, reason] of [
      [{ credential_name: 'openai', execution_id: '12ab' }, 'invalid-id'],
      [{ credential_name: 'openai', execution_id: EXEC, parent_execution_id: 'x' }, 'invalid-id'],
      [{ credential_name: 'openai', execution_id: EXEC, cache_ttl: 0 }, 'invalid-ttl'],
      [{ credential_name: 'openai', execution_id: EXEC, cache_ttl: 1e20 }, 'invalid-ttl'],
    ] as const) {
      const err = await fails(cache.fetchCredential(input));
      expect([err.code, err.reason]).toEqual(['invalid', reason]);
      expect(err.message).not.toMatch(/--/);
    }
    expect(await cache.list()).toEqual([]);
  });

  it('storeToken/getToken: TTL from expires_in; a miss is undefined; data masked unless reveal', async () => {
    const token = { access_token: 'tok-secret-value', expires_in: 1799 };
    expect(await cache.storeToken({ credential_name: 'amadeus', token_data: token, token_type: 'oauth' })).toEqual({
      cache_key: 'amadeus:global:oauth',
      expires_at: '2026-03-01T10:29:59.000Z',
    });
    const masked = await cache.getToken('amadeus', 'oauth');
    expect(masked).toEqual({
      cache_key: 'amadeus:global:oauth',
      credential_type: 'oauth',
      cache_type: 'token',
      data: { access_token: mask('tok-secret-value'), expires_in: mask('1799') },
      expires_at: '2026-03-01T10:29:59.000Z',
      warnings: [],
    });
    expect((await cache.getToken('amadeus', 'oauth', { reveal: true }))?.data).toEqual(token);
    expect(await cache.getToken('amadeus', 'jwt')).toBeUndefined();
    clock.advance(1800_000);
    expect(await cache.getToken('amadeus', 'oauth')).toBeUndefined();
    expect((await fails(cache.storeToken({ credential_name: 'x', token_data: {}, token_type: 'oauth', expires_in: -1 }))).reason).toBe('invalid-ttl');
  });

  it('list: wire entries without data, 64-bit ids exact, filtered by scope, execution (with children) and expiry', async () => {
    await cache.fetchCredential({ credential_name: 'openai', execution_id: EXEC, parent_execution_id: PARENT, cache_ttl: 60 });
    await cache.fetchCredential({ credential_name: 'openai', execution_id: CHILD, parent_execution_id: EXEC });
    await cache.storeToken({ credential_name: 'amadeus', token_data: { access_token: 't' }, token_type: 'oauth' });
    clock.advance(120_000);
    const all = await cache.list();
    // Ordered by scope, credential, key.
    expect(all.map((e) => e.cache_key)).toEqual([`openai:${EXEC}`, `openai:${CHILD}`, 'amadeus:global:oauth']);
    const entry = all.find((e) => e.cache_key === `openai:${EXEC}`)!;
    expect(entry).toEqual({
      cache_key: `openai:${EXEC}`,
      credential_name: 'openai',
      credential_type: 'httpBearerAuth',
      cache_type: 'secret',
      scope_type: 'execution',
      execution_id: EXEC,
      parent_execution_id: PARENT,
      expires_at: '2026-03-01T10:01:00.000Z',
      created_at: '2026-03-01T10:00:00.000Z',
      accessed_at: '2026-03-01T10:00:00.000Z',
      access_count: 0,
      expired: true,
    });
    expect(JSON.stringify(all)).not.toContain(API_KEY);
    expect((await cache.list({ scope: 'global' })).map((e) => e.cache_key)).toEqual(['amadeus:global:oauth']);
    expect((await cache.list({ execution_id: EXEC })).map((e) => e.cache_key).sort()).toEqual([`openai:${CHILD}`, `openai:${EXEC}`].sort());
    expect((await cache.list({ expired: true })).map((e) => e.cache_key)).toEqual([`openai:${EXEC}`]);
    expect(await cache.list({ execution_id: '1' })).toEqual([]);
    expect((await fails(cache.list({ execution_id: 'abc' }))).reason).toBe('invalid-id');
  });

  it('cleanup removes an execution and its children; purgeExpired removes exactly the expired', async () => {
    await cache.fetchCredential({ credential_name: 'openai', execution_id: PARENT });
    await cache.fetchCredential({ credential_name: 'openai', execution_id: EXEC, parent_execution_id: PARENT, cache_ttl: 60 });
    await cache.fetchCredential({ credential_name: 'openai', execution_id: '42' });
    clock.advance(120_000);
    expect(await cache.purgeExpired()).toEqual({ removed: 1 });
    expect(await cache.cleanup(PARENT)).toEqual({ execution_id: PARENT, removed: 1 });
    expect(await cache.cleanup(PARENT)).toEqual({ execution_id: PARENT, removed: 0 });
    expect((await cache.list()).map((e) => e.execution_id)).toEqual(['42']);
    expect((await fails(cache.cleanup('-1'))).reason).toBe('invalid-id');
  });

  it('stats: the seed 004 monitoring queries, snake_case', async () => {
    await cache.fetchCredential({ credential_name: 'openai', execution_id: EXEC, parent_execution_id: PARENT });
    await cache.fetchCredential({ credential_name: 'openai', execution_id: EXEC });
    await cache.storeToken({ credential_name: 'amadeus', token_data: { access_token: 't', expires_in: 10 }, token_type: 'oauth' });
    clock.advance(20_000);
    expect(await cache.stats()).toEqual({
      by_credential: [
        { credential_name: 'openai', cache_type: 'secret', scope_type: 'execution', entries: 1, total_accesses: 1, avg_accesses: 1 },
        { credential_name: 'amadeus', cache_type: 'token', scope_type: 'global', entries: 1, total_accesses: 0, avg_accesses: 0 },
      ],
      expired_entries: 1,
      executions: [{ execution_id: EXEC, parent_execution_id: PARENT, cached_credentials: 1 }],
    });
  });

  it('a token miss loads no master key; a legacy plaintext row is served with a warning', async () => {
    let loads = 0;
    const { createLocalClient } = await import('../../src/backends/local/index.js');
    const counted = createLocalClient({ store: t.store, keys: async () => (loads++, t.keys) });
    expect(await counted.cache.getToken('nobody', 'oauth')).toBeUndefined();
    expect(loads).toBe(0);
    await t.store.query(
      `INSERT INTO credential_cache (cache_key, credential_name, credential_type, cache_type, scope_type, data_encrypted, expires_at, created_at, accessed_at, access_count)
       VALUES ('old:global:oauth', 'old', 'oauth', 'token', 'global', $1, $2, $3, $3, 0)`,
      [JSON.stringify({ access_token: 'legacy-token' }), new Date('2026-03-02T00:00:00Z'), new Date('2026-03-01T09:00:00Z')],
    );
    const legacy = await counted.cache.getToken('old', 'oauth', { reveal: true });
    expect(loads).toBe(1);
    expect(legacy?.data).toEqual({ access_token: 'legacy-token' });
    expect(legacy?.warnings).toEqual(["cache entry 'old:global:oauth' is stored as plaintext, not sealed; rotating the master key seals it"]);
  });
});
