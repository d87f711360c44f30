/**
 * The other direction: a schema noetl created takes the INSERTs of upstream NoETL's servers
 * (no id: snowflake_id() gives one; `kind` lower-case; no version), and noetl reads those rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflakeParts } from '../../src/core/ids.js';
import { testBackend } from '../helpers/backend.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { UPSTREAM_INSERTS } from './fixture.js';

describe(`noetl's own schema and upstream's servers (${testBackend()})`, () => {
  let t: TestClient;
  beforeAll(async () => {
    t = await testClient();
  }, 120_000);
  afterAll(async () => t?.close());

  it('is named as our layout, with every migration applied', async () => {
    expect(await t.client.admin!.schemaLayout()).toEqual({ kind: 'ours', adopted: false, description: 'noetl layout' });
    expect((await t.client.admin!.migrationStatus()).map((s) => [s.name, s.status])).toContainEqual(['upstream_ids', 'applied']);
  });

  it("takes upstream's catalog and credential INSERTs; ids come from snowflake_id() in upstream's range", async () => {
    const before = Date.now();
    const cat = await t.store.query<{ catalog_id: string }>(UPSTREAM_INSERTS.catalog, ['up/flow', 1, 'kind: Playbook\nmetadata: {path: up/flow}\n', '{"kind": "Playbook"}']);
    const cred = await t.store.query<{ id: string }>(UPSTREAM_INSERTS.credential, ['up_cred', 'postgres', '{"db_password": "plain"}', ['a']]);
    for (const id of [cat.rows[0].catalog_id, cred.rows[0].id]) {
      const parts = snowflakeParts(id);
      expect(parts.shard).toBe(1);
      expect(parts.sequence).toBeLessThan(1024);
      expect(Math.abs(parts.time.getTime() - before)).toBeLessThan(600_000);
    }
    // SMALLSERIAL upstream: an INSERT that leaves version out gets one.
    await t.store.query(`INSERT INTO catalog (path, kind, content) VALUES ('up/other', 'playbook', NULL)`);

    expect(await t.client.catalog.show('up/flow')).toMatchObject({ catalog_id: cat.rows[0].catalog_id, version: 1, kind: 'playbook' });
    expect(await t.client.catalog.show('up/other')).toMatchObject({ kind: 'playbook', content: '' });
    expect(await t.client.credentials.get('up_cred', { reveal: true })).toMatchObject({ id: cred.rows[0].id, data: { db_password: 'plain' } });
    // And the next version we register of upstream's path follows its version.
    expect(await t.client.catalog.register({ content: 'kind: Playbook\nmetadata: {path: up/flow}\nworkload: {}\n' })).toMatchObject({ version: 2, kind: 'Playbook' });
  });

  it("keeps the seeds' catalog scope on our layout", async () => {
    await t.client.catalog.register({ content: 'kind: Playbook\nmetadata: {path: ours/flow}\n' });
    expect(await t.client.keychain.set({ name: 'k', playbook: 'ours/flow', scope: 'catalog', data: { v: 1 } })).toMatchObject({ scope_type: 'catalog' });
  });
});
