import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdminApi } from '../../src/api/admin.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import { loadMigrations } from '../../src/backends/sql/migrate.js';
import { isOnKey } from '../../src/backends/local/key-rotation.js';
import { fails } from '../helpers/errors.js';
import { overHttp, testBackend } from '../helpers/backend.js';
import { testClient, type TestClient } from '../helpers/client.js';

const SECRET = 'adm1n-s3cret';

function keyFile(bytes: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'noetl-admin-key-')), 'new.key');
  writeFileSync(path, bytes.toString('base64'), { mode: 0o600 });
  return path;
}

// Over HTTP there is no admin by nature: migrations and key rotation need the database itself.
describe.skipIf(overHttp())(`admin contract (${testBackend()}; skipped over HTTP: admin needs a direct database)`, () => {
  let t: TestClient;
  let admin: AdminApi;
  beforeEach(async () => {
    t = await testClient();
    admin = t.client.admin!;
  });
  afterEach(async () => {
    await t.close();
  });

  it('a local client has the admin group', () => {
    expect(t.client.admin).toBeDefined();
  });

  it('migrate on a current schema applies nothing; status and info agree, in snake_case', async () => {
    const latest = loadMigrations().at(-1)!.version;
    expect(await admin.migrate()).toEqual({ schema: t.store.info.schema, version: latest, applied: [] });
    const status = await admin.migrationStatus();
    expect(status.map((s) => s.status)).toEqual(loadMigrations().map(() => 'applied'));
    expect(Object.keys(status[0]).sort()).toEqual(['applied_at', 'name', 'sha256', 'status', 'version']);
    expect(status[0].applied_at).toMatch(/Z$/);
    const info = await admin.databaseInfo();
    expect(info).toMatchObject({ backend: testBackend(), schema: t.store.info.schema, schema_version: latest, pending_migrations: 0 });
    expect(info.server_version).toMatch(/^\d+/);
  });

  it('key status counts records per key and marks the current one', async () => {
    await t.client.credentials.add({ name: 'a', type: 'secret', data: { secret: SECRET } });
    await t.store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ('7', 'old', 'basic', '{"password":"p"}')`);
    expect(await admin.keyStatus()).toEqual([
      { table: 'credential', provider: 'legacy', kid: null, kv: null, records: 1, current: false },
      { table: 'credential', provider: 'local', kid: 'test-key', kv: t.keys.current.kv, records: 1, current: true },
    ]);
  });

  it('rotateKey moves every record onto a new key, sealing legacy rows; the old key no longer reads them', async () => {
    await t.client.credentials.add({ name: 'a', type: 'secret', data: { secret: SECRET } });
    await t.store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ('7', 'old', 'basic', '{"password":"${SECRET}"}')`);
    const bytes = randomBytes(32);
    const progress: string[] = [];
    const result = await admin.rotateKey({ newKeyFile: keyFile(bytes), batchSize: 1, onBatch: (p) => progress.push(`${p.table}:${p.batch}`) });
    const to = masterKey(bytes, 'file:key-file');
    expect(result.key).toEqual({ kid: 'file:key-file', kv: to.kv });
    expect(result.failures).toEqual([]);
    expect(result.tables.find((r) => r.table === 'credential')).toEqual({ table: 'credential', total: 2, rewrapped: 1, sealed: 1, skipped: 0, failed: 0 });
    expect(progress).toContain('credential:2');
    expect(result).toMatchObject({ previous_key_source: null, replaced_default_key: null, warnings: [] });
    const rows = (await t.store.query<{ data_encrypted: string }>('SELECT data_encrypted FROM credential')).rows;
    for (const row of rows) expect(isOnKey(row.data_encrypted, to)).toBe(true);
  });

  it('rotateKey refuses the current key as the new one (invalid), changing nothing', async () => {
    await t.client.credentials.add({ name: 'a', type: 'secret', data: { secret: SECRET } });
    const err = await fails(admin.rotateKey({ newKeyFile: keyFile(t.keys.current.key) }));
    expect(err.code).toBe('invalid');
    expect(err.reason).toBe('same-key');
  });

  it('rotateKey reports a row no key opens as a failure and leaves it as it is', async () => {
    await t.store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ('8', 'alien', 'secret', $1)`, [
      JSON.stringify({ v: 1, alg: 'AES-256-GCM', dek: { p: 'local', kid: 'x', kv: 'ffffffffffff', iv: 'AAAAAAAAAAAAAAAA', ct: 'AAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' }, iv: 'AAAAAAAAAAAAAAAA', ct: 'AAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' }),
    ]);
    const result = await admin.rotateKey({ newKeyFile: keyFile(randomBytes(32)) });
    expect(result.failures).toEqual([expect.objectContaining({ table: 'credential', row: 'alien' })]);
  });
});
