import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findCatalogEntry,
  getCatalogById,
  listCatalog,
  parsePlaybookRef,
  registerPlaybook,
  resolvePlaybookSelector,
} from '../../src/backends/sql/catalog.js';
import type { Store } from '../../src/backends/sql/store.js';
import { fakeClock, testStore } from '../helpers/store.js';

const playbook = (path: string, extra = '') => `apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: x\n  path: ${path}\n${extra}`;

describe('catalog', () => {
  let store: Store;
  beforeEach(async () => {
    store = await testStore({ clock: fakeClock() });
  });
  afterEach(async () => {
    await store.close();
  });

  it('registers a playbook under metadata.path with a 64-bit id kept exact', async () => {
    const entry = await registerPlaybook(store, playbook('integrations/travel_booking'));
    expect(entry.path).toBe('integrations/travel_booking');
    expect(entry.version).toBe(1);
    expect(entry.kind).toBe('Playbook');
    expect(entry.catalog_id).toMatch(/^[0-9]{16,19}$/);
    expect(BigInt(entry.catalog_id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    const back = await getCatalogById(store, entry.catalog_id);
    expect(back?.catalog_id).toBe(entry.catalog_id);
    expect(back?.content).toContain('travel_booking');
  });

  it('increments the version per path, concurrently too', async () => {
    const first = await registerPlaybook(store, playbook('a/one'));
    const others = await Promise.all([1, 2, 3, 4].map((i) => registerPlaybook(store, playbook('a/one', `# ${i}\n`))));
    const other = await registerPlaybook(store, playbook('b/two'));
    expect(first.version).toBe(1);
    expect(others.map((e) => e.version).sort()).toEqual([2, 3, 4, 5]);
    expect(other.version).toBe(1);
    expect(new Set([first, ...others, other].map((e) => e.catalog_id)).size).toBe(6);
    const all = await listCatalog(store);
    expect(all.map((e) => `${e.path}@${e.version}`)).toEqual(['a/one@1', 'a/one@2', 'a/one@3', 'a/one@4', 'a/one@5', 'b/two@1']);
    const latest = await listCatalog(store, { latest: true });
    expect(latest.map((e) => `${e.path}@${e.version}`)).toEqual(['a/one@5', 'b/two@1']);
  });

  it('registering the content of the latest version again returns that version and writes nothing', async () => {
    const first = await registerPlaybook(store, playbook('a/one'));
    const again = await registerPlaybook(store, playbook('a/one'));
    expect(again).toEqual({ ...first, unchanged: true });
    const changed = await registerPlaybook(store, playbook('a/one', '# changed\n'));
    expect([changed.version, changed.unchanged]).toEqual([2, false]);
    // Back to the first content: the latest differs, so it is a new version.
    expect((await registerPlaybook(store, playbook('a/one'))).version).toBe(3);
    expect(await listCatalog(store)).toHaveLength(3);
  });

  it('refuses a playbook without metadata.path, or not YAML', async () => {
    await expect(registerPlaybook(store, 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: x}\n')).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('metadata.path'),
    });
    await expect(registerPlaybook(store, 'a: [unclosed')).rejects.toMatchObject({ code: 'invalid' });
    expect(await listCatalog(store)).toEqual([]);
  });

  it('shows by id, by path (latest) and by PATH@VERSION', async () => {
    const v1 = await registerPlaybook(store, playbook('p/q'));
    const v2 = await registerPlaybook(store, playbook('p/q', '# v2\n'));
    expect((await findCatalogEntry(store, v1.catalog_id)).version).toBe(1);
    expect((await findCatalogEntry(store, 'p/q')).catalog_id).toBe(v2.catalog_id);
    expect((await findCatalogEntry(store, 'p/q@1')).catalog_id).toBe(v1.catalog_id);
    await expect(findCatalogEntry(store, 'p/q@3')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('latest is 2') });
    await expect(findCatalogEntry(store, 'p/x')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('did you mean p/q') });
    await expect(findCatalogEntry(store, '123')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('resolves --playbook PATH[@VERSION] and --catalog-id for the keychain commands', async () => {
    const v1 = await registerPlaybook(store, playbook('p/q'));
    const v2 = await registerPlaybook(store, playbook('p/q', '# v2\n'));
    expect((await resolvePlaybookSelector(store, { playbook: 'p/q' })).catalog_id).toBe(v2.catalog_id);
    expect((await resolvePlaybookSelector(store, { playbook: 'p/q@1' })).catalog_id).toBe(v1.catalog_id);
    expect((await resolvePlaybookSelector(store, { catalogId: v1.catalog_id })).version).toBe(1);
    await expect(resolvePlaybookSelector(store, {})).rejects.toMatchObject({ code: 'invalid' });
    await expect(resolvePlaybookSelector(store, { playbook: 'p/q', catalogId: v1.catalog_id })).rejects.toMatchObject({ code: 'invalid' });
    await expect(resolvePlaybookSelector(store, { catalogId: 'abc' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(resolvePlaybookSelector(store, { catalogId: '99999999999999999999' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(resolvePlaybookSelector(store, { catalogId: '9223372036854775807' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(resolvePlaybookSelector(store, { playbook: 'p/q@x' })).rejects.toMatchObject({ code: 'invalid' });
  });

});

it('parses PATH@VERSION', () => {
  expect(parsePlaybookRef('a/b')).toEqual({ path: 'a/b' });
  expect(parsePlaybookRef('a/b@12')).toEqual({ path: 'a/b', version: 12 });
  expect(() => parsePlaybookRef('a/b@0')).toThrow(/positive integer/);
});
