// The keychain read of `noetl serve` checks the caller's token in the statement that reads the
// entry (getForToken): what that must keep of the ordinary route. Every read is counted once,
// a removed token stops at once, a token that is not valid gets 401 before any parameter is
// judged and counts nothing, a reveal is audited with its caller. On this run's backend.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { buildServer } from '../../src/server/app.js';
import { testClient, type TestClient } from '../helpers/client.js';

let t: TestClient;
let app: FastifyInstance;
let catalogId: string;

beforeAll(async () => {
  t = await testClient();
  app = buildServer({ client: t.client, tokens: localTokenAuthority({ store: t.store }) });
  catalogId = (await t.client.catalog.register({ content: 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  path: server/keychain-read\n' })).catalog_id;
  await t.client.keychain.set({ name: 'api', catalog_id: catalogId, data: { access_token: 'tok-9f8e7d6c5b4a' }, ttl_seconds: 3600 });
});

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const read = (token: string, query = '') => app.inject({ url: `/api/keychain/${catalogId}/api${query}`, headers: { authorization: `Bearer ${token}` } });
const accesses = async () => (await t.client.keychain.list({ catalog_id: catalogId })).find((e) => e.keychain_name === 'api')?.access_count;

describe('GET /api/keychain/{catalog_id}/{name} with the token checked in the read', () => {
  it('counts every read once, concurrent ones too, each answer its own count', async () => {
    const { token } = await t.client.tokens.create({ name: 'kr-reader', role: 'reader', ttl_seconds: null });
    const before = (await accesses()) ?? 0;
    const answers = await Promise.all(Array.from({ length: 12 }, () => read(token)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(12).fill(200));
    const counts = answers.map((a) => (a.json() as { access_count: number }).access_count).sort((x, y) => x - y);
    expect(counts).toEqual(Array.from({ length: 12 }, (_, i) => before + 1 + i));
    expect(await accesses()).toBe(before + 12);
    expect(JSON.stringify(answers.map((a) => a.json()))).not.toContain('tok-9f8e7d6c5b4a');
  });

  it('a token that is not valid, or removed, gets 401 and counts nothing; 401 comes before a bad parameter', async () => {
    const { token } = await t.client.tokens.create({ name: 'kr-gone', role: 'revealer', ttl_seconds: null });
    expect((await read(token)).statusCode).toBe(200);
    await t.client.tokens.remove('kr-gone');
    const before = await accesses();
    const removed = await read(token);
    expect(removed.statusCode).toBe(401);
    expect(removed.headers['www-authenticate']).toBe('Bearer');
    expect((await read('noetl_' + 'x'.repeat(43))).statusCode).toBe(401);
    expect((await read(token, '?scope_type=nope')).statusCode).toBe(401);
    expect(await accesses()).toBe(before);
    const { token: valid } = await t.client.tokens.create({ name: 'kr-valid', role: 'reader', ttl_seconds: null });
    expect((await read(valid, '?scope_type=nope')).statusCode).toBe(400);
  });

  it('concurrent readers with valid and removed tokens: each answered for its own token, only the valid ones counted', async () => {
    const { token: valid } = await t.client.tokens.create({ name: 'kr-mixed', role: 'reader', ttl_seconds: null });
    const { token: removed } = await t.client.tokens.create({ name: 'kr-mixed-gone', role: 'reader', ttl_seconds: null });
    await t.client.tokens.remove('kr-mixed-gone');
    const before = (await accesses()) ?? 0;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => read(i % 2 ? removed : valid)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 ? 401 : 200)));
    const counts = answers.filter((a) => a.statusCode === 200).map((a) => (a.json() as { access_count: number }).access_count).sort((x, y) => x - y);
    expect(counts).toEqual([1, 2, 3, 4, 5].map((n) => before + n));
    expect(await accesses()).toBe(before + 5);
  });

  it('a revealer gets the data in clear, audited with its name; reveal=false is masked and not audited', async () => {
    const { token } = await t.client.tokens.create({ name: 'kr-revealer', role: 'revealer', ttl_seconds: null });
    const clear = await read(token);
    expect(clear.json()).toMatchObject({ status: 'success', token_data: { access_token: 'tok-9f8e7d6c5b4a' } });
    const masked = await read(token, '?reveal=false');
    expect(JSON.stringify(masked.json())).not.toContain('tok-9f8e7d6c5b4a');
    const audit = (await t.client.tokens.audit()).filter((a) => a.actor === 'kr-revealer');
    expect(audit).toEqual([expect.objectContaining({ action: 'reveal GET /api/keychain/:catalog_id/:keychain_name', target: `api:${catalogId}:global`, outcome: 'ok' })]);
  });

  it('a hit is one statement: the token checked and the access counted where the entry is read', async () => {
    const { token } = await t.client.tokens.create({ name: 'kr-one', role: 'reader', ttl_seconds: null });
    expect((await read(token)).statusCode).toBe(200);
    const statements: string[] = [];
    const query = t.store.query.bind(t.store);
    t.store.query = ((text: string, ...rest: unknown[]) => {
      statements.push(text);
      return (query as (...a: unknown[]) => unknown)(text, ...rest);
    }) as typeof t.store.query;
    try {
      expect((await read(token)).statusCode).toBe(200);
    } finally {
      t.store.query = query;
    }
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/service_token/);
  });

  it('concurrent reveals are each audited once, with the caller, in one or more batched writes', async () => {
    const { token } = await t.client.tokens.create({ name: 'kr-many', role: 'revealer', ttl_seconds: null });
    const answers = await Promise.all(Array.from({ length: 20 }, () => read(token)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(200));
    expect(answers.map((a) => (a.json() as { token_data?: { access_token?: string } }).token_data?.access_token)).toEqual(Array(20).fill('tok-9f8e7d6c5b4a'));
    // The audit is written once the answer is sent (onResponse): wait for the last ones.
    const manyAudited = async () => (await t.client.tokens.audit()).filter((a) => a.actor === 'kr-many');
    await expect.poll(async () => (await manyAudited()).length, { timeout: 10_000 }).toBe(20);
    const audit = await manyAudited();
    expect(new Set(audit.map((a) => `${a.action} ${a.target} ${a.outcome}`))).toEqual(new Set([`reveal GET /api/keychain/:catalog_id/:keychain_name api:${catalogId}:global ok`]));
  });

  it('an entry of an unknown catalog id, or missing, is not_found as before', async () => {
    const { token } = await t.client.tokens.create({ name: 'kr-miss', role: 'reader', ttl_seconds: null });
    expect((await app.inject({ url: '/api/keychain/12345/api', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(404);
    const missing = await app.inject({ url: `/api/keychain/${catalogId}/other`, headers: { authorization: `Bearer ${token}` } });
    expect(missing.json()).toMatchObject({ status: 'not_found' });
  });
});
