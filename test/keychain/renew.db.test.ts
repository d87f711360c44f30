import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KeySet } from '../../src/core/envelope.js';
import type { KeychainSuccess } from '../../src/api/keychain.js';
import { getKeychainEntry, setKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import { renewKeychainEntry, requestToken } from '../../src/backends/local/renew/renew.js';
import type { Store } from '../../src/backends/sql/store.js';
import { testBackend } from '../helpers/backend.js';
import { fakeClock, testStore } from '../helpers/store.js';
import { CLIENT_SECRET, keychainTestbed, registerTestPlaybook, renewConfig, startOAuthServer, startTokenServer, testKeys } from './fixtures.js';

const OLD = { access_token: 'old-token', token_type: 'Bearer', expires_in: 600 };

describe('renewal against a real OAuth2 token endpoint', () => {
  let oauth: Awaited<ReturnType<typeof startOAuthServer>>;
  let store: Store;
  let keys: KeySet;
  let clock: ReturnType<typeof fakeClock>;
  let catalogId: string;
  const ref = () => ({ scope: 'global' as const, catalogId });

  beforeAll(async () => {
    oauth = await startOAuthServer(120);
  });
  afterAll(async () => {
    await oauth.stop();
  });
  beforeEach(async () => {
    ({ clock, store, keys, catalogId } = await keychainTestbed());
  });
  afterEach(async () => {
    await store.close();
  });

  const setRenewable = (secret = CLIENT_SECRET, ttlSeconds = 600) =>
    setKeychainEntry(store, keys, { name: 'svc_token', ref: ref(), data: OLD, ttlSeconds, autoRenew: true, renewConfig: renewConfig(oauth.tokenUrl, secret) });

  it('renews an expired entry on read and serves the fresh token', async () => {
    await setRenewable();
    clock.advance(601_000);
    const before = oauth.requests();
    const { response } = await getKeychainEntry(store, keys, 'svc_token', ref());
    expect(oauth.requests() - before).toBe(1);
    const success = response as KeychainSuccess;
    expect(success.status).toBe('success');
    expect(success.renewed).toBe(true);
    expect(success.token_data.access_token).not.toBe('old-token');
    expect(String(success.token_data.access_token)).toMatch(/^eyJ/);
    // expires_in 120 from the endpoint, counted from the renewal.
    expect(success.expires_at).toBe(new Date(clock().getTime() + 120_000).toISOString());
    expect(success.access_count).toBe(1);

    // Fresh now: the next read does not go to the endpoint.
    const again = await getKeychainEntry(store, keys, 'svc_token', ref());
    expect(oauth.requests() - before).toBe(1);
    expect((again.response as KeychainSuccess).token_data.access_token).toBe(success.token_data.access_token);
  });

  it('renews inside the refresh margin: max(60 s, 10% of TTL), or the configured one', async () => {
    await setRenewable(CLIENT_SECRET, 3600); // margin 360 s
    const before = oauth.requests();
    clock.advance((3600 - 361) * 1000);
    expect((await getKeychainEntry(store, keys, 'svc_token', ref())).response).toMatchObject({ renewed: false, token_data: OLD });
    expect(oauth.requests()).toBe(before);
    // A configured margin of 60 s: still not due.
    clock.advance(2000);
    expect((await getKeychainEntry(store, keys, 'svc_token', ref(), { refreshMarginSeconds: 60 })).response).toMatchObject({ renewed: false });
    expect(oauth.requests()).toBe(before);
    // The default margin: due now, though not expired.
    expect((await getKeychainEntry(store, keys, 'svc_token', ref())).response).toMatchObject({ status: 'success', renewed: true });
    expect(oauth.requests()).toBe(before + 1);
  });

  it('keeps the old row on HTTP 401 and reports status and error code, never the secret', async () => {
    await setRenewable('wrong-secret-value');
    clock.advance(601_000);
    const { rows: before } = await store.query<{ data_encrypted: string; expires_at: Date }>('SELECT data_encrypted, expires_at FROM keychain');
    const failure = await getKeychainEntry(store, keys, 'svc_token', ref()).catch((e: Error & { code?: string }) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe("KEYCHAIN: Failed to renew 'svc_token': HTTP 401 invalid_client");
    expect((failure as { code?: string }).code).toBe('unavailable');
    expect((failure as Error).message).not.toContain('wrong-secret-value');
    const { rows: after } = await store.query<{ data_encrypted: string; expires_at: Date }>('SELECT data_encrypted, expires_at FROM keychain');
    expect(after).toEqual(before);
  });

  it('serves a still-valid token when an early renewal fails, with a warning', async () => {
    await setRenewable('wrong-secret-value', 3600);
    clock.advance(3500_000); // inside the 360 s margin, 100 s left
    const { response, warnings } = await getKeychainEntry(store, keys, 'svc_token', ref());
    expect(response).toMatchObject({ status: 'success', token_data: OLD, renewed: false });
    expect(warnings[0]).toMatch(/^KEYCHAIN: Failed to renew 'svc_token': HTTP 401 invalid_client; the current token is still valid/);
  });

  it('returns expired with the renew_config when renewal is turned off', async () => {
    await setRenewable();
    clock.advance(601_000);
    const { response } = await getKeychainEntry(store, keys, 'svc_token', ref(), { renew: false });
    expect(response).toMatchObject({ status: 'expired', auto_renew: true, expired: true, renew_config: renewConfig(oauth.tokenUrl) });
    // renew_config is stored sealed: the client secret is not in the database in the clear.
    const { rows } = await store.query<{ renew_config: unknown }>('SELECT renew_config FROM keychain');
    expect(JSON.stringify(rows[0].renew_config)).not.toContain(CLIENT_SECRET);
  });

  it('renews on demand (force) even when fresh', async () => {
    await setRenewable();
    const before = oauth.requests();
    const outcome = await renewKeychainEntry(store, keys, `svc_token:${catalogId}:global`, { force: true });
    expect(outcome.renewed).toBe(true);
    expect(oauth.requests()).toBe(before + 1);
  });
});

describe('renewal edge cases', () => {
  it('times out a token endpoint that does not answer', async () => {
    const hanging = await startTokenServer({ hang: true });
    try {
      const started = Date.now();
      await expect(requestToken('slow_token', { endpoint: hanging.url, data: { client_secret: 'x' } }, { timeoutMs: 300 })).rejects.toThrow(
        `KEYCHAIN: Failed to renew 'slow_token': no response from ${hanging.url} within 0.3s`,
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await hanging.stop();
    }
  });

  it('reports an unreachable endpoint', async () => {
    const server = await startTokenServer();
    const url = server.url;
    await server.stop();
    await expect(requestToken('t', { endpoint: url })).rejects.toThrow(/KEYCHAIN: Failed to renew 't': cannot reach http:\/\/127\.0\.0\.1:\d+\/oauth\/token \(ECONNREFUSED\)/);
  });

  it('sends data as a form by default and as JSON when the Content-Type says so', async () => {
    const server = await startTokenServer();
    try {
      await requestToken('t', { endpoint: server.url, data: { grant_type: 'client_credentials', n: 1 } });
      await requestToken('t', { endpoint: server.url, headers: { 'content-type': 'application/json' }, data: { grant_type: 'client_credentials' } });
      expect(server.bodies()).toEqual(['grant_type=client_credentials&n=1', '{"grant_type":"client_credentials"}']);
    } finally {
      await server.stop();
    }
  });

  it('uses token_field and ttl_field', async () => {
    // lifetime differs from expires_in, so the ttl can only be 77 if ttl_field is honoured.
    const server = await startTokenServer({ expiresIn: 3600, extraFields: { lifetime: 77 } });
    try {
      const r = await requestToken('t', { endpoint: server.url, token_field: 'token_type', ttl_field: 'lifetime' });
      expect(r.ttlSeconds).toBe(77);
      expect(r.tokenData).toEqual({ access_token: expect.stringMatching(/^token-1-[0-9a-f]{16}$/), token_type: 'Bearer', expires_in: 3600, lifetime: 77 });
      expect((await requestToken('t', { endpoint: server.url })).ttlSeconds).toBe(3600);
      await expect(requestToken('t', { endpoint: server.url, token_field: 'id_token' })).rejects.toThrow(/has no 'id_token' field/);
    } finally {
      await server.stop();
    }
  });
});

describe('one renewal per expiry for everyone', () => {
  it(`sends exactly one token request for 40 concurrent readers (${testBackend()})`, async () => {
    const server = await startTokenServer({ delayMs: 150 });
    const clock = fakeClock();
    // On PostgreSQL every reader gets its own connection; the embedded backend has one.
    const store = await testStore({ clock, poolSize: 45 });
    const keys = testKeys();
    try {
      const catalogId = await registerTestPlaybook(store);
      const ref = { scope: 'global' as const, catalogId };
      await setKeychainEntry(store, keys, {
        name: 'storm',
        ref,
        data: OLD,
        ttlSeconds: 60,
        autoRenew: true,
        renewConfig: { endpoint: server.url, data: { grant_type: 'client_credentials' } },
      });
      clock.advance(61_000);
      const results = await Promise.all(Array.from({ length: 40 }, () => getKeychainEntry(store, keys, 'storm', ref)));
      expect(server.requests()).toBe(1);
      const tokens = new Set(results.map((r) => (r.response as KeychainSuccess).token_data.access_token));
      expect([...tokens]).toEqual([expect.stringMatching(/^token-1-/)]);
      expect(results.every((r) => r.response.status === 'success')).toBe(true);
      expect(results.filter((r) => (r.response as KeychainSuccess).renewed).length).toBe(1);
      const { rows } = await store.query<{ access_count: number }>('SELECT access_count FROM keychain');
      expect(Number(rows[0].access_count)).toBe(40);
    } finally {
      await store.close();
      await server.stop();
    }
  });
});
