// Faults on the noun routes: bad bodies (malformed JSON, wrong types, unknown fields, too large),
// clients that hang up mid-request, and (PostgreSQL) a database that goes away mid-run: 503 with
// one clear message, and answers again once it is back. The database is cut off through a TCP
// proxy this test runs in front of PostgreSQL, and its connections are killed with
// pg_terminate_backend; the server keeps serving and nothing is half-written.
import { createServer, type Server, type Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/backends/local/index.js';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { openStore } from '../../src/backends/sql/connect.js';
import { buildServer } from '../../src/server/app.js';
import { testBackend, testDatabaseUrl } from '../helpers/backend.js';
import { testClient, testKeys, type TestClient } from '../helpers/client.js';

const SECRET = 'pw-1f2e3d4c5b6a7988';
const closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

let shared: Promise<TestClient> | undefined;
afterAll(async () => {
  await (await shared)?.close();
});

async function served(t: TestClient) {
  const app = buildServer({ client: t.client, tokens: localTokenAuthority({ store: t.store }), bodyLimit: 64 * 1024 });
  closers.push(() => app.close());
  const writer = (await t.client.tokens.create({ name: `writer-${Math.random().toString(36).slice(2)}`, role: 'writer', ttl_seconds: null })).token;
  return { app, headers: { authorization: `Bearer ${writer}` } };
}

describe('bad requests to the noun routes', () => {
  it('malformed JSON, wrong types, unknown fields and bodies over the limit: 400/413 in the error shape, nothing written', async () => {
    const t = await (shared ??= testClient());
    const { app, headers } = await served(t);
    const json = { ...headers, 'content-type': 'application/json' };
    const cases = [
      { url: '/api/credentials', payload: `{"name": "bad", "data": {"password": "${SECRET}"`, status: 400, reason: 'syntax' },
      { url: '/api/credentials', payload: JSON.stringify({ name: 'bad', data: { password: SECRET }, type: 7 }), status: 400, reason: 'validation' },
      { url: '/api/credentials', payload: JSON.stringify({ name: 'bad', data: { password: SECRET }, secret_field: 1 }), status: 400, reason: 'validation' },
      { url: '/api/vars/518508477736551392', payload: JSON.stringify({ variables: { bad: 'x'.repeat(70 * 1024) } }), status: 413 },
      { url: '/api/keychain/1/bad', payload: JSON.stringify({ token_data: { a: 1 }, ttl_seconds: '60' }), status: 400, reason: 'validation' },
      { url: '/api/keychain/1/bad', payload: JSON.stringify({ token_data: { a: 1 }, execution_id: 1.5, scope_type: 'local' }), status: 400, reason: 'validation' },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: 'POST', url: c.url, payload: c.payload, headers: json });
      expect(res.statusCode, c.payload.slice(0, 60)).toBe(c.status);
      expect(res.json()).toMatchObject({ status: c.status, code: 'invalid', ...(c.reason ? { reason: c.reason } : {}) });
      expect(res.body).not.toContain(SECRET);
    }
    expect(await t.client.credentials.exists('bad')).toBe(false);
    expect(await t.client.vars.list('518508477736551392')).toEqual([]);
  });

  it('a client that hangs up halfway through its body writes nothing, and the server keeps serving', async () => {
    const t = await (shared ??= testClient());
    const { app, headers } = await served(t);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const body = JSON.stringify({ name: 'half_written', data: { password: SECRET } });
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST /api/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: ${headers.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`);
        socket.destroy();
        resolve();
      });
      socket.on('error', reject);
    });
    const res = await fetch(`http://127.0.0.1:${port}/api/credentials`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'whole', data: { a: 'b' } }) });
    expect(res.status).toBe(200);
    expect(await t.client.credentials.exists('half_written')).toBe(false);
    expect(await t.client.credentials.exists('whole')).toBe(true);
  });
});

/** A TCP proxy in front of PostgreSQL that can cut every connection and refuse new ones, then let them through again. */
async function cuttableProxy(target: URL) {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe.skipIf(testBackend() === 'embedded')('a database that goes away mid-run (PostgreSQL)', () => {
  it('answers 503 with one clear message while the database is away, and serves again when it is back', async () => {
    const t = await (shared ??= testClient());
    const target = new URL(testDatabaseUrl());
    const proxy = await cuttableProxy(target);
    closers.push(proxy.close);
    const viaProxy = new URL(target);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const store = await openStore({ backend: 'postgres', connectionString: viaProxy.toString(), schema: t.store.info.schema, source: 'test' }, { poolSize: 4 });
    closers.push(() => store.close());
    const keys = testKeys();
    const client = createLocalClient({ store, keys: async () => keys });
    const app = buildServer({ client, tokens: localTokenAuthority({ store }) });
    closers.push(() => app.close());
    const { token } = await client.tokens.create({ name: 'fault-writer', role: 'writer', ttl_seconds: null });
    const headers = { authorization: `Bearer ${token}` };

    expect((await app.inject({ method: 'GET', url: '/api/credentials', headers })).statusCode).toBe(200);
    proxy.cut();
    for (const request of [
      { method: 'GET' as const, url: '/api/credentials' },
      { method: 'POST' as const, url: '/api/vars/518508477736551392', payload: { variables: { during_outage: 1 } } },
      { method: 'GET' as const, url: '/ready' },
    ]) {
      const res = await app.inject({ ...request, headers });
      expect(res.statusCode, request.url).toBe(503);
      const body = res.json();
      expect(body).toMatchObject({ status: 503, code: 'unavailable' });
      expect(body.error).not.toContain('\n');
      expect(body.error).not.toContain(token);
    }
    proxy.restore();
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    const after = await app.inject({ method: 'POST', url: '/api/vars/518508477736551392', payload: { variables: { after_outage: 1 } }, headers });
    expect(after.statusCode).toBe(200);
    expect((await client.vars.list('518508477736551392')).map((v) => v.name)).toEqual(['after_outage']);
    await client.vars.removeAll('518508477736551392');
  });

  it("connections killed by pg_terminate_backend: no 500, the next request is served on a new connection", async () => {
    const t = await (shared ??= testClient());
    const url = new URL(testDatabaseUrl());
    const appName = `noetl-fault-${Math.random().toString(36).slice(2)}`;
    url.searchParams.set('application_name', appName);
    const store = await openStore({ backend: 'postgres', connectionString: url.toString(), schema: t.store.info.schema, source: 'test' }, { poolSize: 4 });
    closers.push(() => store.close());
    const keys = testKeys();
    const client = createLocalClient({ store, keys: async () => keys });
    const app = buildServer({ client, tokens: localTokenAuthority({ store }) });
    closers.push(() => app.close());
    const { token } = await client.tokens.create({ name: 'fault-reader', role: 'reader', ttl_seconds: null });
    const headers = { authorization: `Bearer ${token}` };
    // Several connections in the pool, all then killed by the database's administrator.
    await Promise.all(Array.from({ length: 4 }, () => app.inject({ method: 'GET', url: '/api/credentials', headers })));
    const killed = await t.store.query<{ n: string }>('SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity WHERE application_name = $1', [appName]);
    expect(Number(killed.rows[0].n)).toBeGreaterThan(0);
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await app.inject({ method: 'GET', url: '/api/credentials', headers })).statusCode);
    // A request that raced the kill may get 503 (retry); never a 500, and the server recovers.
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.at(-1)).toBe(200);
  });
});
