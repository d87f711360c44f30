import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeySet } from '../../src/core/envelope.js';
import type { NoetlClient } from '../../src/api/index.js';
import { getKeychainEntry, setKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import { listKeychainEntries as listRows, purgeExpiredKeychain } from '../../src/backends/sql/keychain.js';
import type { Store } from '../../src/backends/sql/store.js';
import type { fakeClock } from '../helpers/store.js';
import { keychainTestbed, registerTestPlaybook, testKeys } from './fixtures.js';

const TOKEN = { access_token: 'eyJhbGciOiJSUzI1NiJ9.secret-payload.sig', token_type: 'Bearer', expires_in: 1799 };
const ROOT = '518508477736551392';
const CHILD = '518508477736551999';
const SIBLING = '518508477736552000';

describe('keychain library', () => {
  let store: Store;
  let keys: KeySet;
  let clock: ReturnType<typeof fakeClock>;
  let catalogId: string;
  let client: NoetlClient;
  const listKeychainEntries = (filter: Parameters<typeof listRows>[1] = {}) => listRows(store, filter, store.now());

  beforeEach(async () => {
    ({ clock, store, keys, catalogId, client } = await keychainTestbed());
  });
  afterEach(async () => {
    await store.close();
  });

  it('stores sealed data and returns it with the seeds response fields', async () => {
    const set = await setKeychainEntry(store, keys, { name: 'amadeus_token', ref: { scope: 'global', catalogId }, data: TOKEN, ttlSeconds: 1800 });
    expect(set).toMatchObject({
      status: 'success',
      message: 'Keychain entry cached successfully with 1800s TTL',
      keychain_name: 'amadeus_token',
      catalog_id: catalogId,
      cache_key: `amadeus_token:${catalogId}:global`,
      expires_at: '2026-01-01T00:30:00.000Z',
      ttl_seconds: 1800,
      auto_renew: false,
    });
    const { rows } = await store.query<{ data_encrypted: string; catalog_id: string }>('SELECT data_encrypted, catalog_id::text FROM keychain');
    expect(rows[0].data_encrypted).not.toContain('secret-payload');
    expect(JSON.parse(rows[0].data_encrypted)).toMatchObject({ v: 1, alg: 'AES-256-GCM' });
    expect(rows[0].catalog_id).toBe(catalogId);

    clock.advance(600_000);
    const { response, warnings } = await getKeychainEntry(store, keys, 'amadeus_token', { scope: 'global', catalogId });
    expect(warnings).toEqual([]);
    expect(response).toMatchObject({
      status: 'success',
      keychain_name: 'amadeus_token',
      catalog_id: catalogId,
      cache_key: `amadeus_token:${catalogId}:global`,
      token_data: TOKEN,
      credential_type: 'static',
      cache_type: 'token',
      scope_type: 'global',
      expires_at: '2026-01-01T00:30:00.000Z',
      ttl_seconds: 1200,
      accessed_at: '2026-01-01T00:10:00.000Z',
      access_count: 1,
      auto_renew: false,
      expired: false,
    });
  });

  it('bumps access_count and accessed_at on every successful read, and only then', async () => {
    await setKeychainEntry(store, keys, { name: 't', ref: { scope: 'global', catalogId }, data: TOKEN, ttlSeconds: 100 });
    for (let i = 1; i <= 3; i++) {
      clock.advance(1000);
      const { response } = await getKeychainEntry(store, keys, 't', { scope: 'global', catalogId });
      expect(response).toMatchObject({ status: 'success', access_count: i, accessed_at: new Date(clock().getTime()).toISOString() });
    }
    clock.advance(200_000);
    const expired = await getKeychainEntry(store, keys, 't', { scope: 'global', catalogId });
    expect(expired.response.status).toBe('expired');
    const [entry] = await listKeychainEntries({ catalogId });
    expect(entry.access_count).toBe(3);
    expect(entry.accessed_at).toBe('2026-01-01T00:00:03.000Z');
  });

  it('reports expired at the exact expiry instant, never serving the data', async () => {
    await setKeychainEntry(store, keys, { name: 't', ref: { scope: 'local', catalogId, executionId: ROOT }, data: TOKEN });
    clock.advance(3599_000); // local default TTL: 3600 s
    expect((await getKeychainEntry(store, keys, 't', { scope: 'local', catalogId, executionId: ROOT })).response.status).toBe('success');
    clock.advance(1000);
    const { response } = await getKeychainEntry(store, keys, 't', { scope: 'local', catalogId, executionId: ROOT });
    expect(response).toEqual({
      status: 'expired',
      keychain_name: 't',
      catalog_id: catalogId,
      cache_key: `t:${catalogId}:${ROOT}`,
      expires_at: '2026-01-01T01:00:00.000Z',
      auto_renew: false,
      expired: true,
    });
    expect(JSON.stringify(response)).not.toContain('secret-payload');
  });

  it('defaults the TTL to 86400 s for global, catalog and shared', async () => {
    for (const scope of ['global', 'catalog', 'shared'] as const) {
      const ref = scope === 'shared' ? { scope, catalogId, executionId: ROOT } : { scope, catalogId };
      const set = await setKeychainEntry(store, keys, { name: `n_${scope}`, ref, data: TOKEN });
      expect(set.ttl_seconds).toBe(86400);
    }
  });

  it('returns not_found with the seeds fields', async () => {
    const { response } = await getKeychainEntry(store, keys, 'nonexistent_token', { scope: 'global', catalogId });
    expect(response).toEqual({
      status: 'not_found',
      keychain_name: 'nonexistent_token',
      catalog_id: catalogId,
      cache_key: `nonexistent_token:${catalogId}:global`,
    });
  });

  it('isolates scopes: local per execution, shared per tree, global and catalog per playbook', async () => {
    const otherCatalog = await registerTestPlaybook(store, 'kind: Playbook\nmetadata:\n  path: other/playbook\n');
    await setKeychainEntry(store, keys, { name: 'sess', ref: { scope: 'local', catalogId, executionId: ROOT }, data: { v: 'local' } });
    await setKeychainEntry(store, keys, { name: 'ctx', ref: { scope: 'shared', catalogId, executionId: ROOT }, data: { v: 'shared' } });
    await setKeychainEntry(store, keys, { name: 'svc', ref: { scope: 'global', catalogId }, data: { v: 'global' } });
    await setKeychainEntry(store, keys, { name: 'cat', ref: { scope: 'catalog', catalogId }, data: { v: 'catalog' } });
    const status = async (name: string, ref: Parameters<typeof getKeychainEntry>[3]) => (await getKeychainEntry(store, keys, name, ref)).response.status;

    // local: its own execution only
    expect(await status('sess', { scope: 'local', catalogId, executionId: ROOT })).toBe('success');
    expect(await status('sess', { scope: 'local', catalogId, executionId: CHILD, rootExecutionId: ROOT })).toBe('not_found');
    expect(await status('sess', { scope: 'local', catalogId, executionId: SIBLING })).toBe('not_found');
    // shared: the root and every descendant; not another tree
    expect(await status('ctx', { scope: 'shared', catalogId, executionId: ROOT })).toBe('success');
    expect(await status('ctx', { scope: 'shared', catalogId, executionId: CHILD, rootExecutionId: ROOT })).toBe('success');
    expect(await status('ctx', { scope: 'shared', catalogId, executionId: SIBLING })).toBe('not_found');
    // global and catalog: every execution of that catalog entry, no other playbook
    expect(await status('svc', { scope: 'global', catalogId })).toBe('success');
    expect(await status('cat', { scope: 'catalog', catalogId })).toBe('success');
    expect(await status('svc', { scope: 'global', catalogId: otherCatalog })).toBe('not_found');
    expect(await status('cat', { scope: 'catalog', catalogId: otherCatalog })).toBe('not_found');
    // A scope is not another: a global read does not see the catalog entry.
    expect(await status('cat', { scope: 'global', catalogId })).toBe('not_found');

    const forRoot = await listKeychainEntries({ executionId: ROOT });
    expect(forRoot.map((e) => e.keychain_name).sort()).toEqual(['ctx', 'sess']);
  });

  it('validates data against the schema on set (nothing written) and warns on get', async () => {
    const schema = { fields: ['client_id', 'client_secret'], required: ['client_id', 'client_secret'], types: { client_id: 'string' } };
    await expect(
      setKeychainEntry(store, keys, { name: 'creds', ref: { scope: 'global', catalogId }, data: { client_id: 'abc' }, schema }),
    ).rejects.toMatchObject({ code: 'invalid', message: expect.stringContaining('Missing required field: client_secret') });
    expect(await listKeychainEntries()).toEqual([]);

    await setKeychainEntry(store, keys, { name: 'creds', ref: { scope: 'global', catalogId }, data: { client_id: 'abc', client_secret: 'zzz-secret' }, schema });
    // The schema evolves under the stored data: a read still serves it, with a warning.
    await store.query(`UPDATE keychain SET schema = $1`, [JSON.stringify({ required: ['client_id', 'token_url'] })]);
    const { response, warnings } = await getKeychainEntry(store, keys, 'creds', { scope: 'global', catalogId });
    expect(response.status).toBe('success');
    expect(warnings).toEqual([expect.stringContaining("KEYCHAIN: Entry 'creds' failed schema validation: Missing required field: token_url")]);
    expect(warnings.join()).not.toContain('zzz-secret');
  });

  it('refuses a wrong master key with a message naming the entry', async () => {
    await setKeychainEntry(store, keys, { name: 't', ref: { scope: 'global', catalogId }, data: TOKEN });
    await expect(getKeychainEntry(store, testKeys(), 't', { scope: 'global', catalogId })).rejects.toThrow(
      /keychain entry 't' could not be decrypted: wrong master key or tampered data/,
    );
  });

  it('reads legacy plaintext rows with a warning', async () => {
    await setKeychainEntry(store, keys, { name: 't', ref: { scope: 'global', catalogId }, data: TOKEN });
    await store.query('UPDATE keychain SET data_encrypted = $1', [JSON.stringify({ access_token: 'legacy' })]);
    const { response, warnings } = await getKeychainEntry(store, keys, 't', { scope: 'global', catalogId });
    expect(response).toMatchObject({ status: 'success', token_data: { access_token: 'legacy' } });
    expect(warnings[0]).toMatch(/plaintext \(legacy\)/);
  });

  it('replaces an entry on set, keeping its access count', async () => {
    await setKeychainEntry(store, keys, { name: 't', ref: { scope: 'global', catalogId }, data: { a: 1 } });
    await getKeychainEntry(store, keys, 't', { scope: 'global', catalogId });
    await setKeychainEntry(store, keys, { name: 't', ref: { scope: 'global', catalogId }, data: { a: 2 }, ttlSeconds: 60 });
    const { response } = await getKeychainEntry(store, keys, 't', { scope: 'global', catalogId });
    expect(response).toMatchObject({ status: 'success', token_data: { a: 2 }, access_count: 2, ttl_seconds: 60 });
  });

  it('refuses bad names and auto-renew without a renew_config', async () => {
    await expect(setKeychainEntry(store, keys, { name: 'a:b', ref: { scope: 'global', catalogId }, data: {} })).rejects.toMatchObject({ code: 'invalid' });
    await expect(
      setKeychainEntry(store, keys, { name: 't', ref: { scope: 'global', catalogId }, data: {}, autoRenew: true }),
    ).rejects.toMatchObject({ code: 'invalid', message: expect.stringContaining('renew_config') });
  });

  it('deletes, lists by catalog, and counts', async () => {
    await setKeychainEntry(store, keys, { name: 'a', ref: { scope: 'global', catalogId }, data: TOKEN, ttlSeconds: 60 });
    await setKeychainEntry(store, keys, { name: 'b', ref: { scope: 'global', catalogId }, data: TOKEN, ttlSeconds: 7200 });
    await setKeychainEntry(store, keys, { name: 'c', ref: { scope: 'local', catalogId, executionId: ROOT }, data: TOKEN });
    clock.advance(120_000);
    const listed = await client.keychain.list({ catalog_id: catalogId });
    expect(listed.length).toBe(3);
    expect(listed[0]).toMatchObject({
      keychain_name: 'a',
      cache_key: `a:${catalogId}:global`,
      scope_type: 'global',
      credential_type: 'static',
      expires_at: '2026-01-01T00:01:00.000Z',
      auto_renew: false,
      access_count: 0,
    });
    expect(JSON.stringify(listed)).not.toContain('secret-payload');
    expect((await listKeychainEntries({ expired: true })).map((e) => e.keychain_name)).toEqual(['a']);
    expect((await listKeychainEntries({ scope: 'local' })).map((e) => e.keychain_name)).toEqual(['c']);
    expect((await listKeychainEntries({ name: 'b' })).length).toBe(1);

    const stats = await client.keychain.stats();
    expect(stats).toMatchObject({ total: 3, expired: 1, auto_renew: 0, catalogs: 1, by_scope: { global: 2, local: 1, shared: 0, catalog: 0 } });

    expect((await client.keychain.remove(['b'], { catalog_id: catalogId }))[0]).toMatchObject({
      status: 'success',
      message: 'Keychain entry deleted successfully',
      keychain_name: 'b',
      catalog_id: catalogId,
    });
    expect((await client.keychain.remove(['b'], { catalog_id: catalogId }))[0].status).toBe('not_found');
  });

  it('purges expired entries in batches, honouring --older-than and keeping auto-renew entries', async () => {
    for (let i = 0; i < 7; i++) {
      await setKeychainEntry(store, keys, { name: `old_${i}`, ref: { scope: 'global', catalogId }, data: { i }, ttlSeconds: 60 });
    }
    await setKeychainEntry(store, keys, {
      name: 'renewable',
      ref: { scope: 'global', catalogId },
      data: TOKEN,
      ttlSeconds: 60,
      autoRenew: true,
      renewConfig: { endpoint: 'https://auth.example.com/token' },
    });
    clock.advance(10 * 86400_000);
    await setKeychainEntry(store, keys, { name: 'recent', ref: { scope: 'global', catalogId }, data: {}, ttlSeconds: 60 });
    await setKeychainEntry(store, keys, { name: 'fresh', ref: { scope: 'global', catalogId }, data: {}, ttlSeconds: 86400 });
    clock.advance(3600_000);

    const progress: number[] = [];
    const cutoff = new Date(store.now().getTime() - 7 * 86400_000);
    const result = await purgeExpiredKeychain(store, { cutoff, includeAutoRenew: false, batchSize: 3, onProgress: (n) => progress.push(n) });
    expect(result).toEqual({ deleted: 7, batches: 3, kept_auto_renew: 1 });
    expect(progress).toEqual([3, 6, 7]);
    expect((await listKeychainEntries()).map((e) => e.keychain_name)).toEqual(['fresh', 'recent', 'renewable']);

    const all = await client.keychain.purgeExpired({ include_auto_renew: true });
    expect(all).toMatchObject({ deleted: 2, kept_auto_renew: 0 });
    expect((await listKeychainEntries()).map((e) => e.keychain_name)).toEqual(['fresh']);
  });
});
