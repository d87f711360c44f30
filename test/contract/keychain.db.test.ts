/**
 * The keychain group of NoetlClient, operation by operation, on this run's backend (embedded
 * and PostgreSQL): seeds' response shapes, masking by `reveal`, error codes, 64-bit ids exact.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NoetlClient } from '../../src/api/index.js';
import { testClient } from '../helpers/client.js';
import { fails } from '../helpers/errors.js';
import { fakeClock } from '../helpers/store.js';

const SECRET = 'tok-9f8e7d6c5b4a39281706';
const CLIENT_SECRET = 'client-secret-0a1b2c3d4e5f';
const EXEC = '518508477736551392';
const CHILD = '518508477736551999';
const PLAYBOOK = 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  path: contract/keychain\n';
const PATH = 'contract/keychain';

/** Every key of a wire value, recursively, except inside the opaque maps named. */
function keysOf(value: unknown, skip = new Set(['token_data', 'renew_config', 'data', 'by_scope']), into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) keysOf(v, skip, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.push(k);
      if (!skip.has(k)) keysOf(v, skip, into);
    }
  }
  return into;
}

describe('contract: keychain', () => {
  let client: NoetlClient;
  let close: () => Promise<void>;
  let catalogId: string;
  const clock = fakeClock();

  beforeEach(async () => {
    clock.set(new Date('2026-01-01T00:00:00Z'));
    ({ client, close } = await testClient({ clock }));
    catalogId = (await client.catalog.register({ content: PLAYBOOK })).catalog_id;
  });
  afterEach(async () => close());

  it('set then get: the seeds shape, masked unless reveal (no character of the secret), ids exact', async () => {
    const set = await client.keychain.set({ playbook: PATH, name: 'api_token', data: { access_token: SECRET, token_type: 'Bearer' }, ttl_seconds: 1800 });
    expect(set).toEqual({
      status: 'success',
      message: 'Keychain entry cached successfully with 1800s TTL',
      keychain_name: 'api_token',
      catalog_id: catalogId,
      cache_key: `api_token:${catalogId}:global`,
      scope_type: 'global',
      expires_at: '2026-01-01T00:30:00.000Z',
      ttl_seconds: 1800,
      auto_renew: false,
      warnings: [],
    });
    expect(catalogId).toMatch(/^\d{15,19}$/);

    const masked = await client.keychain.get('api_token', { catalog_id: catalogId });
    expect(masked).toMatchObject({ status: 'success', catalog_id: catalogId, access_count: 1, warnings: [] });
    const text = JSON.stringify(masked);
    for (const piece of [SECRET, SECRET.slice(0, 4), SECRET.slice(-4), 'Bearer']) expect(text).not.toContain(piece);
    expect(masked.status === 'success' && masked.token_data.access_token).toMatch(/^\*{4}#[0-9a-f]{8}$/);

    const clear = await client.keychain.get('api_token', { playbook: `${PATH}@1` }, { reveal: true });
    expect(clear).toMatchObject({ status: 'success', token_data: { access_token: SECRET, token_type: 'Bearer' }, access_count: 2 });
    expect(keysOf(clear).every((k) => /^[a-z0-9_]+$/.test(k))).toBe(true);
  });

  it('get: not_found says where the name does exist (another scope, another version)', async () => {
    await client.keychain.set({ catalog_id: catalogId, name: 'session', scope: 'local', execution_id: EXEC, data: { a: 1 } });
    const other = await client.keychain.get('session', { catalog_id: catalogId });
    expect(other).toEqual({
      status: 'not_found',
      keychain_name: 'session',
      catalog_id: catalogId,
      cache_key: `session:${catalogId}:global`,
      elsewhere: [{ scope_type: 'local', execution_id: EXEC, root_execution_id: null }],
      other_versions: [],
      warnings: [],
    });

    await client.keychain.set({ catalog_id: catalogId, name: 'svc', data: { a: 1 } });
    const v2 = (await client.catalog.register({ content: `${PLAYBOOK}workload: {x: 1}\n` })).catalog_id;
    const moved = await client.keychain.get('svc', { playbook: PATH });
    expect(moved).toMatchObject({
      status: 'not_found',
      catalog_id: v2,
      elsewhere: [],
      other_versions: [{ catalog_id: catalogId, path: PATH, version: 1, scope_type: 'global' }],
      version: 2,
    });
  });

  it('get: expired is a result, its renew_config masked unless reveal', async () => {
    const renewConfig = { endpoint: 'https://auth.example.com/token', data: { client_secret: CLIENT_SECRET } };
    await client.keychain.set({ catalog_id: catalogId, name: 'oauth', data: { access_token: SECRET }, ttl_seconds: 60, auto_renew: true, renew_config: renewConfig });
    clock.advance(120_000);
    const expired = await client.keychain.get('oauth', { catalog_id: catalogId }, { renew: false });
    expect(expired).toMatchObject({ status: 'expired', expired: true, auto_renew: true, expires_at: '2026-01-01T00:01:00.000Z' });
    expect(JSON.stringify(expired)).not.toContain(CLIENT_SECRET);
    expect(JSON.stringify(expired)).not.toContain('auth.example.com');
    const revealed = await client.keychain.get('oauth', { catalog_id: catalogId }, { renew: false, reveal: true });
    expect(revealed).toMatchObject({ status: 'expired', renew_config: renewConfig });
  });

  it('errors: invalid input, unknown playbook, bad renew_config', async () => {
    expect((await fails(client.keychain.set({ catalog_id: catalogId, name: 'a:b', data: {} }))).code).toBe('invalid');
    expect((await fails(client.keychain.get('a b', { catalog_id: catalogId }))).code).toBe('invalid');
    expect((await fails(client.keychain.set({ catalog_id: catalogId, name: 't', data: {}, scope: 'local' }))).code).toBe('invalid');
    expect((await fails(client.keychain.set({ playbook: 'no/such', name: 't', data: {} }))).code).toBe('not_found');
    expect((await fails(client.keychain.get('t', { catalog_id: '9223372036854775807' }))).code).toBe('not_found');
    const schema = { required: ['client_id'] };
    const bad = await fails(client.keychain.set({ catalog_id: catalogId, name: 't', data: { other: 1 }, schema }));
    expect(bad).toMatchObject({ code: 'invalid', message: expect.stringContaining('Missing required field: client_id') });
    const insecure = await fails(client.keychain.set({ catalog_id: catalogId, name: 't', data: {}, auto_renew: true, renew_config: { endpoint: 'http://auth.example.com/t' } }));
    expect(insecure.code).toBe('invalid');
    expect((await fails(client.keychain.get('t', { catalog_id: catalogId }, { timeout_seconds: 601 }))).code).toBe('invalid');
    expect(await client.keychain.list()).toEqual([]);
  });

  it('list: filters, never data, 64-bit execution ids exact', async () => {
    await client.keychain.set({ catalog_id: catalogId, name: 'g', data: { access_token: SECRET }, ttl_seconds: 60 });
    await client.keychain.set({ catalog_id: catalogId, name: 'shared_ctx', scope: 'shared', execution_id: CHILD, root_execution_id: EXEC, data: { v: 1 } });
    clock.advance(120_000);
    const all = await client.keychain.list({ playbook: PATH });
    expect(all.map((e) => e.keychain_name)).toEqual(['g', 'shared_ctx']);
    expect(all[1]).toMatchObject({ scope_type: 'shared', execution_id: CHILD, parent_execution_id: EXEC, cache_key: `shared_ctx:${catalogId}:shared:${EXEC}` });
    expect(JSON.stringify(all)).not.toContain(SECRET);
    expect(keysOf(all).every((k) => /^[a-z0-9_]+$/.test(k))).toBe(true);
    expect((await client.keychain.list({ expired: true })).map((e) => e.keychain_name)).toEqual(['g']);
    expect((await client.keychain.list({ execution_id: EXEC })).map((e) => e.keychain_name)).toEqual(['shared_ctx']);
    expect((await client.keychain.list({ scope: 'global', name: 'g' })).length).toBe(1);
  });

  it('remove: per name, not_found with the other versions; a bad name deletes nothing', async () => {
    await client.keychain.set({ catalog_id: catalogId, name: 'a', data: {} });
    await client.keychain.set({ catalog_id: catalogId, name: 'b', data: {} });
    expect((await fails(client.keychain.remove(['a', 'bad name'], { catalog_id: catalogId }))).code).toBe('invalid');
    expect((await client.keychain.list()).length).toBe(2);
    const removed = await client.keychain.remove(['a', 'zzz'], { catalog_id: catalogId });
    expect(removed).toEqual([
      { status: 'success', message: 'Keychain entry deleted successfully', keychain_name: 'a', catalog_id: catalogId, cache_key: `a:${catalogId}:global` },
      { status: 'not_found', message: "Keychain entry 'zzz' not found", keychain_name: 'zzz', catalog_id: catalogId, cache_key: `zzz:${catalogId}:global`, other_versions: [] },
    ]);
    const v2 = (await client.catalog.register({ content: `${PLAYBOOK}workload: {x: 2}\n` })).catalog_id;
    const [gone] = await client.keychain.remove(['b'], { catalog_id: v2 });
    expect(gone).toMatchObject({ status: 'not_found', other_versions: [{ catalog_id: catalogId, version: 1 }], version: 2 });
  });

  it('renew: each name reported with a code; not auto-renew and not found do not throw', async () => {
    await client.keychain.set({ catalog_id: catalogId, name: 'plain', data: {} });
    const { results, warnings } = await client.keychain.renew(['plain', 'missing'], { catalog_id: catalogId });
    expect(warnings).toEqual([]);
    expect(results).toMatchObject([
      { keychain_name: 'plain', status: 'failed', code: 'unavailable' },
      { keychain_name: 'missing', status: 'not_found', code: 'not_found', cache_key: `missing:${catalogId}:global` },
    ]);
    expect((await fails(client.keychain.renew([], { catalog_id: catalogId }))).code).toBe('invalid');
  });

  it('stats and purgeExpired', async () => {
    await client.keychain.set({ catalog_id: catalogId, name: 'old', data: {}, ttl_seconds: 60 });
    await client.keychain.set({ catalog_id: catalogId, name: 'r', data: {}, ttl_seconds: 60, auto_renew: true, renew_config: { endpoint: 'https://a.example.com/t' } });
    await client.keychain.set({ catalog_id: catalogId, name: 'fresh', scope: 'local', execution_id: EXEC, data: {} });
    clock.advance(600_000);
    const stats = await client.keychain.stats();
    expect(stats).toMatchObject({ total: 3, expired: 2, auto_renew: 1, catalogs: 1, by_scope: { global: 2, catalog: 0, local: 1, shared: 0 } });
    expect(keysOf(stats).every((k) => /^[a-z0-9_]+$/.test(k))).toBe(true);
    expect(await client.keychain.purgeExpired({ older_than_seconds: 3600 })).toEqual({ deleted: 0, batches: 0, kept_auto_renew: 0 });
    const progress: number[] = [];
    expect(await client.keychain.purgeExpired({}, (n) => progress.push(n))).toEqual({ deleted: 1, batches: 1, kept_auto_renew: 1 });
    expect(progress).toEqual([1]);
    expect(await client.keychain.purgeExpired({ include_auto_renew: true })).toEqual({ deleted: 1, batches: 1, kept_auto_renew: 0 });
    expect((await client.keychain.list()).map((e) => e.keychain_name)).toEqual(['fresh']);
  });
});
