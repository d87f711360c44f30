// The noun routes (credentials, keychain, vars) over app.inject() on this run's backend: API.md
// shapes, both upstream request dialects, roles (reader masked, writer writes, revealer clear),
// 64-bit ids exact, bad ids 400, and the audit rows of writes and reveals.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenRole } from '../../src/api/tokens.js';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { buildServer } from '../../src/server/app.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { fakeClock } from '../helpers/store.js';

const SECRET = 'pw-7c1e2d3f4a5b6c7d8e9f';
const TOKEN_SECRET = 'tok-9f8e7d6c5b4a39281706';
const VAR_SECRET = 'bearer-0a9b8c7d6e5f4a3b';
const EXEC = '518508477736551392';
const PLAYBOOK = 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  path: server/routes\n';

const clock = fakeClock(new Date('2026-01-01T00:00:00Z'));
let t: TestClient;
let app: FastifyInstance;
let catalogId: string;
const tokens = {} as Record<TokenRole, string>;

beforeAll(async () => {
  t = await testClient({ clock });
  app = buildServer({ client: t.client, tokens: localTokenAuthority({ store: t.store }) });
  for (const role of ['reader', 'writer', 'revealer', 'admin'] as TokenRole[]) tokens[role] = (await t.client.tokens.create({ name: `${role}-tok`, role, ttl_seconds: null })).token;
  catalogId = (await t.client.catalog.register({ content: PLAYBOOK })).catalog_id;
});

afterAll(async () => {
  await app?.close();
  await t?.close();
});

function call(role: TokenRole | undefined, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
  const headers: Record<string, string> = role ? { authorization: `Bearer ${tokens[role]}` } : {};
  if (typeof payload === 'string') headers['content-type'] = 'application/json';
  return app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as string }) });
}

/** The audit rows written by the server (not the CLI's token creations), oldest first. */
async function auditRows() {
  // onResponse hooks write after the answer: let them finish.
  await new Promise((r) => setTimeout(r, 30));
  return (await t.client.tokens.audit({ limit: 1000 })).filter((r) => r.source !== 'cli').reverse();
}

describe('credentials', () => {
  it('upserts, lists with type and q, gets by name and by id, and deletes', async () => {
    const body = { name: 'pg_prod', credential_type: 'postgres', data: { user: 'u', password: SECRET }, tags: 'a,b', description: 'Production DB' };
    const created = await call('writer', 'POST', '/api/credentials', body);
    expect(created.statusCode).toBe(200);
    const c = created.json();
    expect(c).toMatchObject({ name: 'pg_prod', type: 'postgres', tags: ['a', 'b'], description: 'Production DB', replaced: false });
    expect(c.id).toMatch(/^[0-9]+$/);
    expect(created.body).not.toContain(SECRET);
    const again = await call('writer', 'POST', '/api/credentials', { ...body, description: 'changed' });
    expect(again.json()).toMatchObject({ id: c.id, replaced: true, description: 'changed' });
    const refused = await call('writer', 'POST', '/api/credentials?replace=false', body);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ status: 409, code: 'conflict' });

    const list = await call('reader', 'GET', '/api/credentials?type=postgres&q=CHANGED');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ items: [expect.objectContaining({ id: c.id, name: 'pg_prod' })], filter: { type: 'postgres', q: 'CHANGED' } });
    expect((await call('reader', 'GET', '/api/credentials?q=nothing-like-it')).json().items).toEqual([]);
    expect(list.body).not.toContain(SECRET);

    const byId = await call('reader', 'GET', `/api/credentials/${c.id}`);
    expect(byId.json()).toMatchObject({ id: c.id, name: 'pg_prod' });
    expect(byId.json().data).toBeUndefined();
    const masked = await call('reader', 'GET', '/api/credentials/pg_prod?include_data=true');
    expect(masked.json()).toMatchObject({ revealed: false });
    expect(Object.keys(masked.json().data)).toEqual(['user', 'password']);
    expect(masked.body).not.toContain(SECRET);
    const clear = await call('revealer', 'GET', '/api/credentials/pg_prod?include_data=true');
    expect(clear.json()).toMatchObject({ revealed: true, data: { user: 'u', password: SECRET } });
    expect((await call('admin', 'GET', '/api/credentials/pg_prod?include_data=true&reveal=false')).body).not.toContain(SECRET);

    const seed = await call('revealer', 'GET', '/api/credential/pg_prod');
    expect(seed.json()).toEqual({ credential_id: c.id, credential_key: 'pg_prod', credential_type: 'postgres', data: { user: 'u', password: SECRET }, created_at: expect.any(String), updated_at: expect.any(String) });
    expect((await call('reader', 'GET', '/api/credential/pg_prod')).body).not.toContain(SECRET);

    expect((await call('reader', 'DELETE', '/api/credentials/pg_prod')).statusCode).toBe(403);
    const deleted = await call('writer', 'DELETE', `/api/credentials/${c.id}`);
    expect(deleted.json()).toEqual({ message: 'Credential deleted successfully', id: c.id, name: 'pg_prod', deleted: true });
    const gone = await call('reader', 'GET', '/api/credentials/pg_prod');
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('refuses unknown fields, wrong types and a missing name with 400; readers cannot write (403); no token is 401', async () => {
    expect((await call('writer', 'POST', '/api/credentials', { name: 'x', data: {}, extra: 1 })).statusCode).toBe(400);
    expect((await call('writer', 'POST', '/api/credentials', { name: 5, data: {} })).statusCode).toBe(400);
    expect((await call('writer', 'POST', '/api/credentials', { data: {} })).statusCode).toBe(400);
    expect((await call('writer', 'POST', '/api/credentials', { name: 'x', data: 'nope' })).statusCode).toBe(400);
    expect((await call('writer', 'GET', '/api/credentials?unknown=1')).statusCode).toBe(400);
    expect((await call('reader', 'POST', '/api/credentials', { name: 'x', data: {} })).statusCode).toBe(403);
    expect((await call(undefined, 'GET', '/api/credentials')).statusCode).toBe(401);
    expect((await t.client.credentials.list()).some((c) => c.name === 'x')).toBe(false);
  });
});

describe('credential import and validation', () => {
  it('validates without storing, imports all or none, and with continue_on_error every valid one', async () => {
    const good = { file: 'a.yaml', input: { name: 'imp_a', type: 'generic', data: { k: SECRET } }, ignored: [] };
    const bad = { file: 'b.yaml', input: { name: 'imp_b', type: 'generic', data: 'not an object' }, ignored: [] };
    const validated = await call('reader', 'POST', '/api/credentials/validate', { registrations: [good, bad] });
    expect(validated.json()).toMatchObject({ outcome: 'invalid', entries: [{ file: 'a.yaml', status: 'valid' }, { file: 'b.yaml', status: 'invalid' }] });
    const allOrNone = await call('writer', 'POST', '/api/credentials/import', { registrations: [good, bad] });
    expect(allOrNone.json()).toMatchObject({ rolled_back: true, outcome: 'invalid' });
    expect(await t.client.credentials.exists('imp_a')).toBe(false);
    const partial = await call('writer', 'POST', '/api/credentials/import', { registrations: [good, bad], continue_on_error: true });
    expect(partial.json()).toMatchObject({ rolled_back: false, entries: [{ status: 'added' }, { status: 'invalid' }] });
    expect(partial.body).not.toContain(SECRET);
    expect(await t.client.credentials.exists('imp_a')).toBe(true);
    expect((await call('reader', 'POST', '/api/credentials/import', { registrations: [good] })).statusCode).toBe(403);
    await t.client.credentials.remove('imp_a');
  });

  it('every noun route is in /openapi.json with the role it needs', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/api/credentials'].post['x-noetl-role']).toBe('writer');
    expect(doc.paths['/api/credentials/{identifier}'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['identifier', 'include_data', 'reveal']);
    expect(doc.paths['/api/keychain/{catalog_id}/{keychain_name}'].get['x-noetl-role']).toBe('reader');
    expect(doc.paths['/api/auth-cache/{cache_key}'].post['x-noetl-role']).toBe('writer');
    expect(doc.paths['/api/tokens'].post['x-noetl-role']).toBe('admin');
    for (const path of ['/api/credential/{credential_key}', '/api/keychain/catalog/{catalog_id}', '/api/vars/{execution_id}/{var_name}', '/api/catalog', '/api/templates/render', '/api/keychain/resolve', '/api/audit']) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});

describe('keychain', () => {
  it('sets, reads (masked for readers, clear for revealers), lists and deletes, in seed 003 shapes', async () => {
    const set = await call('writer', 'POST', `/api/keychain/${catalogId}/api_token`, {
      token_data: { access_token: TOKEN_SECRET },
      credential_type: 'oauth2',
      cache_type: 'token',
      scope_type: 'global',
      ttl_seconds: 600,
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ status: 'success', keychain_name: 'api_token', catalog_id: catalogId, cache_key: `api_token:${catalogId}:global`, ttl_seconds: 600, auto_renew: false });

    const read = await call('reader', 'GET', `/api/keychain/${catalogId}/api_token`);
    expect(read.json()).toMatchObject({ status: 'success', keychain_name: 'api_token', catalog_id: catalogId, credential_type: 'oauth2', scope_type: 'global', expired: false });
    expect(read.body).not.toContain(TOKEN_SECRET);
    const clear = await call('revealer', 'GET', `/api/keychain/${catalogId}/api_token`);
    expect(clear.json().token_data).toEqual({ access_token: TOKEN_SECRET });
    expect(clear.json().access_count).toBe(2);

    const list = await call('reader', 'GET', `/api/keychain/catalog/${catalogId}`);
    expect(list.json()).toMatchObject({ status: 'success', catalog_id: catalogId, count: 1, entries: [expect.objectContaining({ keychain_name: 'api_token', cache_key: `api_token:${catalogId}:global` })] });
    expect(list.body).not.toContain(TOKEN_SECRET);

    const absent = await call('reader', 'GET', `/api/keychain/${catalogId}/nothing`);
    expect(absent.json()).toMatchObject({ status: 'not_found', keychain_name: 'nothing', catalog_id: catalogId, cache_key: `nothing:${catalogId}:global` });

    expect((await call('reader', 'DELETE', `/api/keychain/${catalogId}/api_token`)).statusCode).toBe(403);
    const removed = await call('writer', 'DELETE', `/api/keychain/${catalogId}/api_token`);
    expect(removed.json()).toMatchObject({ status: 'success', keychain_name: 'api_token', catalog_id: catalogId });
    const again = await call('writer', 'DELETE', `/api/keychain/${catalogId}/api_token`);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ status: 'not_found', code: 'not_found', keychain_name: 'api_token' });
  });

  it('accepts catalog and execution ids as JSON numbers beyond 2^53 or strings, and refuses ids that are not 64-bit (400)', async () => {
    const body = `{"data": {"k": "${TOKEN_SECRET}"}, "scope_type": "local", "execution_id": ${EXEC}, "credential_type": "generic", "cache_type": "secret"}`;
    const set = await call('writer', 'POST', `/api/keychain/${catalogId}/local_one`, body);
    expect(set.statusCode).toBe(200);
    expect(set.json().cache_key).toBe(`local_one:${catalogId}:${EXEC}`);
    expect(set.json().ttl_seconds).toBe(3600);
    const read = await call('reader', 'GET', `/api/keychain/${catalogId}/local_one?scope_type=local&execution_id=${EXEC}`);
    expect(read.json()).toMatchObject({ status: 'success', cache_key: `local_one:${catalogId}:${EXEC}` });
    for (const bad of ['12ab', '99999999999999999999', '-1']) {
      const res = await call('reader', 'GET', `/api/keychain/${bad}/local_one`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().code).toBe('invalid');
    }
    const badBody = await call('writer', 'POST', `/api/keychain/${catalogId}/x`, '{"data": {}, "scope_type": "local", "execution_id": 99999999999999999999}');
    expect(badBody.statusCode).toBe(400);
    const noExecution = await call('writer', 'POST', `/api/keychain/${catalogId}/x`, { data: {}, scope_type: 'local' });
    expect(noExecution.statusCode).toBe(400);
  });
});

describe('vars', () => {
  it('sets with the Python map and the Rust array, reads masked for readers and clear for revealers, deletes', async () => {
    const python = await call('writer', 'POST', `/api/vars/${EXEC}`, { variables: { token: VAR_SECRET, count: 3 }, var_type: 'user_defined', source_step: 'login' });
    expect(python.statusCode).toBe(200);
    expect(python.json()).toMatchObject({ execution_id: EXEC, variables_set: 2, var_names: ['token', 'count'] });
    expect(python.body).not.toContain(VAR_SECRET);
    const rust = await call('writer', 'POST', `/api/vars/${EXEC}`, { variables: [{ var_name: 'auth', var_value: VAR_SECRET, var_type: 'bearer_token' }] });
    expect(rust.json()).toMatchObject({ variables_set: 1, var_names: ['auth'] });

    const all = await call('reader', 'GET', `/api/vars/${EXEC}`);
    expect(all.json()).toMatchObject({ execution_id: EXEC, count: 3, variables: { count: { value: 3, type: 'user_defined', source_step: 'login' }, auth: { type: 'bearer_token' } } });
    expect(all.body).not.toContain(VAR_SECRET);
    const clear = await call('revealer', 'GET', `/api/vars/${EXEC}/auth`);
    expect(clear.json()).toMatchObject({ execution_id: EXEC, var_name: 'auth', value: VAR_SECRET, type: 'bearer_token' });
    expect((await call('reader', 'GET', `/api/vars/${EXEC}/auth`)).body).not.toContain(VAR_SECRET);

    // A bad name anywhere in the request writes nothing.
    const bad = await call('writer', 'POST', `/api/vars/${EXEC}`, { variables: { fine: 1, 'not a name': 2 } });
    expect(bad.statusCode).toBe(400);
    expect((await call('reader', 'GET', `/api/vars/${EXEC}/fine`)).statusCode).toBe(404);
    expect((await call('writer', 'POST', `/api/vars/${EXEC}`, { variables: [{ var_name: 'x' }] })).statusCode).toBe(400);
    expect((await call('reader', 'POST', `/api/vars/${EXEC}`, { variables: { y: 1 } })).statusCode).toBe(403);

    expect((await call('writer', 'DELETE', `/api/vars/${EXEC}/count`)).json()).toEqual({ execution_id: EXEC, var_name: 'count', deleted: true });
    expect((await call('writer', 'DELETE', `/api/vars/${EXEC}/count`)).statusCode).toBe(404);
    expect((await call('writer', 'DELETE', `/api/vars/${EXEC}`)).json()).toEqual({ execution_id: EXEC, deleted_count: 2 });
    expect((await call('reader', 'GET', `/api/vars/${EXEC}`)).json()).toEqual({ execution_id: EXEC, count: 0, variables: {} });
  });
});

describe('credential cache (the upstream worker client)', () => {
  it('POST then GET /api/auth-cache/{key} for execution and global keys; a miss is 404; readers see it masked', async () => {
    const execKey = `pg_prod:${EXEC}`;
    const post = await call('writer', 'POST', `/api/auth-cache/${execKey}`, `{"token_data": {"password": "${SECRET}"}, "credential_type": "postgres", "cache_type": "secret", "scope_type": "local", "ttl_seconds": 3600, "execution_id": ${EXEC}}`);
    expect(post.statusCode).toBe(200);
    expect(post.json()).toMatchObject({ status: 'success', cache_key: execKey });
    const hit = await call('revealer', 'GET', `/api/auth-cache/${execKey}`);
    expect(hit.statusCode).toBe(200);
    expect(hit.json()).toMatchObject({ data: { password: SECRET }, credential_type: 'postgres', cache_type: 'secret', expires_at: '2026-01-01T01:00:00.000Z' });
    expect((await call('reader', 'GET', `/api/auth-cache/${execKey}`)).body).not.toContain(SECRET);
    const listed = await t.client.cache.list({ execution_id: EXEC });
    expect(listed).toEqual([expect.objectContaining({ cache_key: execKey, credential_name: 'pg_prod', scope_type: 'execution', execution_id: EXEC })]);

    // The worker's global token: expires_at given, ttl_seconds null.
    const globalKey = 'amadeus:global:oauth2';
    const token = await call('writer', 'POST', `/api/auth-cache/${globalKey}`, { token_data: { access_token: TOKEN_SECRET }, credential_type: 'oauth2', cache_type: 'token', scope_type: 'global', ttl_seconds: null, expires_at: '2026-01-01T00:30:00+00:00' });
    expect(token.statusCode).toBe(200);
    expect((await call('revealer', 'GET', `/api/auth-cache/${globalKey}`)).json()).toMatchObject({ data: { access_token: TOKEN_SECRET }, cache_type: 'token', expires_at: '2026-01-01T00:30:00.000Z' });
    expect((await t.client.cache.getToken('amadeus', 'oauth2', { reveal: true }))?.data).toEqual({ access_token: TOKEN_SECRET });

    const miss = await call('revealer', 'GET', '/api/auth-cache/nothing:global');
    expect(miss.statusCode).toBe(404);
    clock.advance(3601_000);
    expect((await call('revealer', 'GET', `/api/auth-cache/${execKey}`)).statusCode).toBe(404);
    clock.set(new Date('2026-01-01T00:00:00Z'));
    expect((await call('reader', 'POST', `/api/auth-cache/${globalKey}`, { token_data: {}, credential_type: 'x' })).statusCode).toBe(403);
    expect((await call('writer', 'POST', `/api/auth-cache/${globalKey}`, { token_data: {}, credential_type: 'x', scope_type: 'local' })).statusCode).toBe(400);
  });
});

describe('catalog and templates', () => {
  it('registers, lists, shows and resolves playbooks; renders templates for an execution', async () => {
    const content = 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  path: server/render\nworkflow:\n  - step: start\n    url: "https://x/{{ token }}"\n';
    const reg = await call('writer', 'POST', '/api/catalog/register', { content });
    expect(reg.statusCode).toBe(200);
    expect(reg.json()).toMatchObject({ path: 'server/render', version: 1, unchanged: false });
    expect((await call('reader', 'POST', '/api/catalog/register', { content })).statusCode).toBe(403);
    const list = await call('reader', 'GET', '/api/catalog?path=server/render');
    expect(list.json().items).toEqual([expect.objectContaining({ catalog_id: reg.json().catalog_id, version: 1 })]);
    expect((await call('reader', 'GET', '/api/catalog/entry?ref=server/render@1')).json()).toMatchObject({ content });
    expect((await call('reader', 'GET', `/api/catalog/resolve?catalog_id=${reg.json().catalog_id}`)).json()).toMatchObject({ path: 'server/render' });
    expect((await call('reader', 'GET', '/api/catalog/resolve?playbook=nope')).statusCode).toBe(404);

    await t.client.vars.set({ execution_id: EXEC, name: 'token', value: VAR_SECRET, type: 'bearer_token' });
    const masked = await call('reader', 'POST', '/api/templates/render', { content, execution_id: EXEC, reveal: true });
    expect(masked.statusCode).toBe(200);
    expect(masked.json().steps[0].step).toBe('start');
    expect(masked.body).not.toContain(VAR_SECRET);
    const clear = await call('revealer', 'POST', '/api/templates/render', { content, execution_id: EXEC, reveal: true });
    expect(clear.body).toContain(VAR_SECRET);
    await t.client.vars.removeAll(EXEC);
  });
});

describe('token administration', () => {
  it('an admin creates, lists and removes tokens remotely; one audit row each, with the caller; others get 403', async () => {
    const created = await call('admin', 'POST', '/api/tokens', { name: 'remote-made', role: 'reader', ttl_seconds: 3600 });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({ name: 'remote-made', role: 'reader', token: expect.stringMatching(/^noetl_/) });
    const made = created.json().token as string;
    expect((await app.inject({ method: 'GET', url: '/api/credentials', headers: { authorization: `Bearer ${made}` } })).statusCode).toBe(200);
    const list = await call('admin', 'GET', '/api/tokens');
    expect(list.json().items.map((x: { name: string }) => x.name)).toContain('remote-made');
    expect(list.body).not.toContain(made.slice(6));
    expect((await call('revealer', 'POST', '/api/tokens', { name: 'nope', role: 'admin' })).statusCode).toBe(403);
    expect((await call('admin', 'POST', '/api/tokens', { name: 'remote-made', role: 'reader' })).statusCode).toBe(409);
    expect((await call('admin', 'POST', '/api/tokens', { name: 'x', role: 'root' })).statusCode).toBe(400);
    expect((await call('admin', 'DELETE', '/api/tokens/remote-made')).json()).toEqual({ name: 'remote-made', deleted: true });
    expect((await app.inject({ method: 'GET', url: '/api/credentials', headers: { authorization: `Bearer ${made}` } })).statusCode).toBe(401);
    expect((await call('admin', 'DELETE', '/api/tokens/remote-made')).statusCode).toBe(404);

    const rows = (await auditRows()).filter((r) => r.target === 'remote-made' || r.action.includes('/api/tokens'));
    expect(rows.map(({ actor, action, target, source, outcome }) => ({ actor, action, target, source, outcome }))).toEqual([
      { actor: 'admin-tok', action: 'token.create', target: 'remote-made', source: '127.0.0.1', outcome: 'ok' },
      { actor: 'revealer-tok', action: 'POST /api/tokens', target: null, source: '127.0.0.1', outcome: '403' },
      { actor: 'admin-tok', action: 'POST /api/tokens', target: null, source: '127.0.0.1', outcome: '409' },
      { actor: 'admin-tok', action: 'POST /api/tokens', target: null, source: '127.0.0.1', outcome: '400' },
      { actor: 'admin-tok', action: 'token.remove', target: 'remote-made', source: '127.0.0.1', outcome: 'ok' },
      { actor: 'admin-tok', action: 'DELETE /api/tokens/:name', target: null, source: '127.0.0.1', outcome: '404' },
    ]);
    const audit = await call('admin', 'GET', '/api/audit?limit=5');
    expect(audit.json().items).toHaveLength(5);
    expect((await call('reader', 'GET', '/api/audit')).statusCode).toBe(403);
  });
});

describe('audit', () => {
  it('every write and every reveal has a row: who, what, from where; never the value', async () => {
    const rows = await auditRows();
    const text = JSON.stringify(rows);
    for (const secret of [SECRET, TOKEN_SECRET, VAR_SECRET]) expect(text).not.toContain(secret);
    const has = (actor: string, action: string, outcome = 'ok') => rows.some((r) => r.actor === actor && r.action === action && r.outcome === outcome && r.source === '127.0.0.1');
    expect(has('writer-tok', 'POST /api/credentials')).toBe(true);
    expect(has('writer-tok', 'POST /api/credentials', '409')).toBe(true);
    expect(has('reader-tok', 'DELETE /api/credentials/:identifier', '403')).toBe(true);
    expect(has('revealer-tok', 'reveal GET /api/credentials/:identifier')).toBe(true);
    expect(has('revealer-tok', 'reveal GET /api/keychain/:catalog_id/:keychain_name')).toBe(true);
    expect(has('revealer-tok', 'reveal GET /api/vars/:execution_id/:var_name')).toBe(true);
    expect(has('writer-tok', 'POST /api/vars/:execution_id')).toBe(true);
    // Readers reveal nothing, so no reveal rows of theirs.
    expect(rows.some((r) => r.actor === 'reader-tok' && r.action.startsWith('reveal'))).toBe(false);
  });
});
