// Scale-out: two `serve` replicas (two Fastify apps, each with its own local client and pool)
// on one PostgreSQL database, listening on 127.0.0.1. An expired auto-renew OAuth2 keychain
// entry read by 32 concurrent readers spread over both replicas causes exactly one request at
// a real token endpoint (a node:http server this test starts): renewal is single-flight across
// replicas through the PostgreSQL advisory lock. PostgreSQL only (the embedded database has
// one connection and one process).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/backends/local/index.js';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { openStore } from '../../src/backends/sql/connect.js';
import type { Store } from '../../src/backends/sql/store.js';
import { buildServer } from '../../src/server/app.js';
import { testBackend, testDatabaseUrl } from '../helpers/backend.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { fakeClock } from '../helpers/store.js';

const CLIENT_SECRET = 'client-secret-5e4d3c2b1a09';
const READERS = 32;

describe.skipIf(testBackend() === 'embedded')('two replicas on one PostgreSQL database', () => {
  const clock = fakeClock(new Date('2026-03-01T00:00:00Z'));
  let t: TestClient;
  let second: Store;
  let tokenEndpoint: Server;
  let tokenRequests = 0;
  const apps: FastifyInstance[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    // The token endpoint answers after a moment, so that every reader arrives while the renewal is in flight.
    tokenEndpoint = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        tokenRequests++;
        const ok = request.method === 'POST' && new URLSearchParams(body).get('client_secret') === CLIENT_SECRET;
        setTimeout(() => {
          response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          response.end(JSON.stringify(ok ? { access_token: `fresh-${tokenRequests}`, token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' }));
        }, 150);
      });
    });
    await new Promise<void>((resolve) => tokenEndpoint.listen(0, '127.0.0.1', resolve));

    t = await testClient({ clock, poolSize: 8 });
    second = await openStore({ backend: 'postgres', connectionString: testDatabaseUrl(), schema: t.store.info.schema, source: 'test' }, { clock, poolSize: 8 });
    const clients = [t.client, createLocalClient({ store: second, keys: async () => t.keys })];
    const stores = [t.store, second];
    for (const [i, client] of clients.entries()) {
      const app = buildServer({ client, tokens: localTokenAuthority({ store: stores[i] }) });
      await app.listen({ host: '127.0.0.1', port: 0 });
      apps.push(app);
      urls.push(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await second?.close();
    await t?.close();
    await new Promise((resolve) => tokenEndpoint?.close(resolve));
  });

  it('32 concurrent readers of an expired auto-renew entry cause exactly one token request, and all get the fresh token', async () => {
    const { token } = await t.client.tokens.create({ name: 'worker', role: 'revealer', ttl_seconds: null });
    const catalogId = (await t.client.catalog.register({ content: 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  path: server/replicas\n' })).catalog_id;
    const endpoint = `http://127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}/oauth/token`;
    await t.client.keychain.set({
      name: 'api',
      catalog_id: catalogId,
      data: { access_token: 'stale' },
      credential_type: 'oauth2',
      cache_type: 'token',
      ttl_seconds: 600,
      auto_renew: true,
      renew_config: { endpoint, method: 'POST', data: { grant_type: 'client_credentials', client_id: 'noetl', client_secret: CLIENT_SECRET } },
    });
    clock.advance(3600_000);

    const answers = await Promise.all(
      Array.from({ length: READERS }, async (_, i) => {
        const response = await fetch(`${urls[i % 2]}/api/keychain/${catalogId}/api`, { headers: { authorization: `Bearer ${token}` } });
        return { status: response.status, text: await response.text() };
      }),
    );
    expect(tokenRequests).toBe(1);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.text);
      expect(body).toMatchObject({ status: 'success', keychain_name: 'api', expired: false, token_data: { access_token: 'fresh-1' } });
      expect(answer.text).not.toContain(CLIENT_SECRET);
    }
    // Exactly one replica renewed, once; the metrics of both say so.
    const metrics = await Promise.all(urls.map(async (url) => (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text()));
    const sum = (pattern: RegExp) => metrics.reduce((total, text) => total + Number(pattern.exec(text)?.[1] ?? 0), 0);
    expect(sum(/noetl_keychain_renewals_total\{outcome="renewed"\} (\d+)/)).toBe(1);
    expect(sum(/noetl_token_requests_total\{outcome="ok"\} (\d+)/)).toBe(1);
    for (const text of metrics) expect(text).toContain('noetl_db_pool_connections{state="max"} 8');

    // ?renew=false on an expired entry: upstream's expired answer, renew_config for revealers only.
    clock.advance(7200_000);
    const expired = await (await fetch(`${urls[1]}/api/keychain/${catalogId}/api?renew=false`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(expired).toMatchObject({ status: 'expired', expired: true, auto_renew: true, renew_config: { endpoint } });
    const { token: readerToken } = await t.client.tokens.create({ name: 'reader', role: 'reader', ttl_seconds: null });
    const forReader = await (await fetch(`${urls[0]}/api/keychain/${catalogId}/api?renew=false`, { headers: { authorization: `Bearer ${readerToken}` } })).text();
    expect(JSON.parse(forReader)).toMatchObject({ status: 'expired', expired: true });
    expect(JSON.parse(forReader).renew_config).toBeUndefined();
    expect(forReader).not.toContain(CLIENT_SECRET);
    expect(tokenRequests).toBe(1);
  });
});
