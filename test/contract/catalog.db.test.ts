import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogApi } from '../../src/api/catalog.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { fails } from '../helpers/errors.js';
import { fakeClock } from '../helpers/store.js';

const playbook = (path: string, extra = '') => `apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: x\n  path: ${path}\n${extra}`;

/** Every CatalogApi operation through a NoetlClient, on this run's backend. */
describe('contract: catalog', () => {
  let t: TestClient;
  let catalog: CatalogApi;
  const register = (content: string) => catalog.register({ content });
  beforeEach(async () => {
    t = await testClient({ clock: fakeClock() });
    catalog = t.client.catalog;
  });
  afterEach(async () => {
    await t.close();
  });

  it('registers a playbook under metadata.path with a 64-bit id kept exact', async () => {
    const entry = await register(playbook('integrations/travel_booking'));
    expect(entry.path).toBe('integrations/travel_booking');
    expect(entry.version).toBe(1);
    expect(entry.kind).toBe('Playbook');
    expect(entry.catalog_id).toMatch(/^[0-9]{16,19}$/);
    expect(BigInt(entry.catalog_id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    const back = await catalog.show(entry.catalog_id);
    expect(back.catalog_id).toBe(entry.catalog_id);
    expect(back.content).toContain('travel_booking');
    expect(back.created_at).toBe('2026-01-01T00:00:00.000Z');
    expect(Object.keys(back).sort()).toEqual(['catalog_id', 'content', 'created_at', 'kind', 'path', 'version']);
  });

  it('increments the version per path, concurrently too', async () => {
    const first = await register(playbook('a/one'));
    const others = await Promise.all([1, 2, 3, 4].map((i) => register(playbook('a/one', `# ${i}\n`))));
    const other = await register(playbook('b/two'));
    expect(first.version).toBe(1);
    expect(others.map((e) => e.version).sort()).toEqual([2, 3, 4, 5]);
    expect(other.version).toBe(1);
    expect(new Set([first, ...others, other].map((e) => e.catalog_id)).size).toBe(6);
    const all = await catalog.list();
    expect(all.map((e) => `${e.path}@${e.version}`)).toEqual(['a/one@1', 'a/one@2', 'a/one@3', 'a/one@4', 'a/one@5', 'b/two@1']);
    const latest = await catalog.list({ latest: true });
    expect(latest.map((e) => `${e.path}@${e.version}`)).toEqual(['a/one@5', 'b/two@1']);
  });

  it('registering the content of the latest version again returns that version and writes nothing', async () => {
    const first = await register(playbook('a/one'));
    const again = await register(playbook('a/one'));
    expect(again).toEqual({ ...first, unchanged: true });
    const changed = await register(playbook('a/one', '# changed\n'));
    expect([changed.version, changed.unchanged]).toEqual([2, false]);
    // Back to the first content: the latest differs, so it is a new version.
    expect((await register(playbook('a/one'))).version).toBe(3);
    expect(await catalog.list()).toHaveLength(3);
  });

  it('refuses a playbook without metadata.path, or not YAML', async () => {
    await expect(register('apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: x}\n')).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('metadata.path'),
    });
    await expect(register('a: [unclosed')).rejects.toMatchObject({ code: 'invalid' });
    expect(await catalog.list()).toEqual([]);
  });

  it('shows by id, by path (latest) and by PATH@VERSION', async () => {
    const v1 = await register(playbook('p/q'));
    const v2 = await register(playbook('p/q', '# v2\n'));
    expect((await catalog.show(v1.catalog_id)).version).toBe(1);
    expect((await catalog.show('p/q')).catalog_id).toBe(v2.catalog_id);
    expect((await catalog.show('p/q@1')).catalog_id).toBe(v1.catalog_id);
    await expect(catalog.show('p/q@3')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('latest is 2') });
    await expect(catalog.show('p/x')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('did you mean p/q') });
    await expect(catalog.show('123')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('resolves a selector (PATH[@VERSION] or catalog id) to an entry without content', async () => {
    const v1 = await register(playbook('p/q'));
    const v2 = await register(playbook('p/q', '# v2\n'));
    expect((await catalog.resolve({ playbook: 'p/q' })).catalog_id).toBe(v2.catalog_id);
    expect((await catalog.resolve({ playbook: 'p/q@1' })).catalog_id).toBe(v1.catalog_id);
    const byId = await catalog.resolve({ catalog_id: v1.catalog_id });
    expect(byId).toEqual({ catalog_id: v1.catalog_id, path: 'p/q', version: 1, kind: 'Playbook', created_at: v1.created_at });
    await expect(catalog.resolve({})).rejects.toMatchObject({ code: 'invalid' });
    await expect(catalog.resolve({ playbook: 'p/q', catalog_id: v1.catalog_id })).rejects.toMatchObject({ code: 'invalid' });
    await expect(catalog.resolve({ catalog_id: 'abc' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(catalog.resolve({ catalog_id: '99999999999999999999' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(catalog.resolve({ catalog_id: '9223372036854775807' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(catalog.resolve({ playbook: 'p/q@x' })).rejects.toMatchObject({ code: 'invalid' });
  });

  it('says what to do as data, never naming a flag', async () => {
    const v1 = await register(playbook('p/q'));
    const missingVersion = await fails(catalog.show('p/q@9'));
    expect(missingVersion).toMatchObject({ code: 'not_found', hint: { command: 'catalog ls' } });
    const missingPath = await fails(catalog.resolve({ playbook: 'nope/x' }));
    expect(missingPath.hint).toEqual({ command: 'catalog register FILE', text: 'to register it' });
    const both = await fails(catalog.resolve({ playbook: 'p/q', catalog_id: v1.catalog_id }));
    for (const err of [missingVersion, missingPath, both, await fails(catalog.resolve({})), await fails(catalog.resolve({ catalog_id: 'x' }))]) {
      expect(err.message).not.toMatch(/--/);
    }
  });
});
