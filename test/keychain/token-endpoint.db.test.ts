import { NoetlError } from '../../src/core/errors.js';
/** What a bad token-endpoint answer or an absurd bound leaves in the keychain: nothing new. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeySet } from '../../src/core/envelope.js';
import { listCacheEntries, storeTokenInCache } from '../../src/backends/local/cache.js';
import { setKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import { listKeychainEntries } from '../../src/backends/sql/keychain.js';
import { renewKeychainEntry } from '../../src/backends/local/renew/renew.js';
import type { Store } from '../../src/backends/sql/store.js';
import { keychainTestbed, startTokenServer } from './fixtures.js';

describe('renewal and set bounds write nothing', () => {
  let store: Store;
  let keys: KeySet;
  let catalogId: string;
  const ref = () => ({ scope: 'global' as const, catalogId });
  const rows = () => store.query('SELECT data_encrypted, expires_at, created_at, renew_config FROM keychain ORDER BY cache_key').then((r) => r.rows);

  beforeEach(async () => {
    ({ store, keys, catalogId } = await keychainTestbed());
  });
  afterEach(async () => {
    await store.close();
  });

  it('a token response with expires_in 1e20 or -5, or of more than 1 MiB, fails the renewal and keeps the row', async () => {
    for (const extraFields of [{ expires_in: 1e20 }, { expires_in: -5 }, { padding: 'x'.repeat(1100 * 1024) }]) {
      const server = await startTokenServer({ extraFields });
      try {
        await setKeychainEntry(store, keys, { name: 'svc', ref: ref(), data: { access_token: 'old' }, ttlSeconds: 600, autoRenew: true, renewConfig: { endpoint: server.url } });
        const before = await rows();
        const failure = await renewKeychainEntry(store, keys, `svc:${catalogId}:global`, { force: true }).catch((e: Error & { code?: string }) => e);
        expect(failure).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^KEYCHAIN: Failed to renew 'svc': .*(expires_in|larger than 1048576 bytes)/) });
        expect(server.requests()).toBe(1);
        expect(await rows()).toEqual(before);
      } finally {
        await server.stop();
      }
    }
  });

  it('refuses timeout_seconds past 600, a plain http:// endpoint beyond loopback, and a TTL past 10 years, before writing (exit 2)', async () => {
    const attempts: [Record<string, unknown>, string][] = [
      [{ renewConfig: { endpoint: 'http://127.0.0.1:9/token', timeout_seconds: 4_294_968 } }, "renew_config of 'svc': timeout_seconds is 4294968, more than the 600 allowed"],
      [
        { renewConfig: { endpoint: 'http://auth.example.com/token' } },
        "renew_config of 'svc': endpoint http://auth.example.com/token is plain http:// (credentials would cross the network in the clear): use https://, or set allow_insecure_http: true",
      ],
      [{ renewConfig: { endpoint: 'https://auth.example.com/token', allow_insecure_http: 'yes' } }, "renew_config of 'svc': allow_insecure_http must be true or false"],
      [{ ttlSeconds: 1e20 }, "TTL for 'svc' is more than the 315360000 s (10 years) an entry may live"],
      [{ expiresAt: new Date(Number.NaN) }, "the expiry of 'svc' is not a valid time"],
    ];
    for (const [input, message] of attempts) {
      const autoRenew = 'renewConfig' in input;
      await expect(setKeychainEntry(store, keys, { name: 'svc', ref: ref(), data: { access_token: 't' }, autoRenew, ...input })).rejects.toMatchObject({ code: 'invalid', message });
    }
    expect(await listKeychainEntries(store, {}, store.now())).toEqual([]);
    // Allowed explicitly, plain http is stored.
    await setKeychainEntry(store, keys, { name: 'svc', ref: ref(), data: { access_token: 't' }, autoRenew: true, renewConfig: { endpoint: 'http://auth.example.com/token', allow_insecure_http: true } });
    expect(await listKeychainEntries(store, {}, store.now())).toHaveLength(1);
  });

  it('the credential cache refuses a token whose expires_in is 1e20, writing nothing', async () => {
    const refused = await storeTokenInCache(store, keys, { credentialName: 'svc', tokenType: 'oauth', tokenData: { access_token: 't', expires_in: 1e20 } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NoetlError);
    expect(refused).toMatchObject({ reason: 'invalid-ttl', message: 'expires_in must be at most 315360000 seconds (10 years), got 100000000000000000000' });
    expect(await listCacheEntries(store)).toEqual([]);
  });
});
