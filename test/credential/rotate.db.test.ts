import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyStored, open, seal, type KeySet } from '../../src/core/envelope.js';
import { addCredential, getCredential } from '../../src/backends/local/credentials.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import { isOnKey, keyStatus, rotateMasterKey } from '../../src/backends/local/key-rotation.js';
import type { Store } from '../../src/backends/sql/store.js';
import { testStore } from '../helpers/store.js';

const oldKey = masterKey(randomBytes(32), 'env:NOETL_ENCRYPTION_KEY');
const newKey = masterKey(randomBytes(32), 'file:key-file');
const oldKeys: KeySet = { current: oldKey, previous: [] };

async function allRows(store: Store): Promise<{ table: string; id: string; data_encrypted: string }[]> {
  const q = `SELECT 'credential' AS table, id::text AS id, data_encrypted FROM credential
             UNION ALL SELECT 'keychain', cache_key, data_encrypted FROM keychain
             UNION ALL SELECT 'credential_cache', cache_key, data_encrypted FROM credential_cache ORDER BY 1, 2`;
  return (await store.query<{ table: string; id: string; data_encrypted: string }>(q)).rows;
}

async function seed(store: Store): Promise<void> {
  for (let i = 0; i < 7; i++) await addCredential(store, oldKeys, { name: `c${i}`, type: 'secret', data: { secret: `s${i}` } });
  await store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ('42', 'legacy', 'basic', '{"username":"u","password":"p"}')`);
  await store.query(`INSERT INTO catalog (catalog_id, path, version, kind, content) VALUES ('507431238966182398', 'p', 1, 'Playbook', 'x')`);
  for (let i = 0; i < 3; i++) {
    await store.query(
      `INSERT INTO keychain (cache_key, keychain_name, catalog_id, credential_type, cache_type, scope_type, data_encrypted, expires_at)
       VALUES ($1, 'tok', '507431238966182398', 'oauth2', 'token', 'global', $2, now() + interval '1 hour')`,
      [`tok:507431238966182398:k${i}`, seal({ access_token: `t${i}` }, oldKey)],
    );
    await store.query(
      `INSERT INTO credential_cache (cache_key, credential_name, credential_type, cache_type, scope_type, data_encrypted, expires_at)
       VALUES ($1, 'c0', 'secret', 'secret', 'global', $2, now() + interval '1 hour')`,
      [`c0:global:t${i}`, seal({ v: i }, oldKey)],
    );
  }
}

describe('master-key rotation', () => {
  let store: Store;
  beforeAll(async () => {
    store = await testStore();
  });
  beforeEach(async () => {
    await store.query('DELETE FROM keychain; DELETE FROM credential_cache; DELETE FROM credential; DELETE FROM catalog');
    await seed(store);
  });
  afterAll(async () => {
    await store.close();
  });

  it('re-wraps every row in every table, keeps ct byte-identical, seals legacy rows, and skips them on a second run', async () => {
    const before = await allRows(store);
    const result = await rotateMasterKey(store, oldKeys, newKey, { batchSize: 2 });
    expect(result.tables.credential).toEqual({ total: 8, rewrapped: 7, sealed: 1, skipped: 0, failed: 0 });
    expect(result.tables.keychain).toEqual({ total: 3, rewrapped: 3, sealed: 0, skipped: 0, failed: 0 });
    expect(result.tables.credential_cache).toEqual({ total: 3, rewrapped: 3, sealed: 0, skipped: 0, failed: 0 });
    const after = await allRows(store);
    for (const [i, row] of after.entries()) {
      expect(isOnKey(row.data_encrypted, newKey)).toBe(true);
      const was = classifyStored(before[i].data_encrypted);
      const now = classifyStored(row.data_encrypted);
      if (was.kind === 'envelope' && now.kind === 'envelope') {
        expect(now.envelope.ct).toBe(was.envelope.ct);
        expect(now.envelope.dek.ct).not.toBe(was.envelope.dek.ct);
        expect(now.envelope.dek.kv).toBe(newKey.kv);
      }
      // Opens with the new key alone.
      expect(() => open(row.data_encrypted, { current: newKey, previous: [] })).not.toThrow();
    }
    expect((await getCredential(store, { current: newKey, previous: [] }, 'legacy')).legacy).toBe(false);

    const again = await rotateMasterKey(store, { current: newKey, previous: [oldKey] }, newKey, { batchSize: 2 });
    expect(again.tables.credential).toEqual({ total: 8, rewrapped: 0, sealed: 0, skipped: 8, failed: 0 });
    expect(await allRows(store)).toEqual(after);
  });

  it('an interrupted rotation leaves every row readable with the old or the new key, and a rerun finishes it', async () => {
    let batches = 0;
    const crash = new Error('simulated crash');
    await expect(
      rotateMasterKey(store, oldKeys, newKey, {
        batchSize: 3,
        onBatch: () => {
          if (++batches === 2) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const rows = await allRows(store);
    const onNew = rows.filter((r) => isOnKey(r.data_encrypted, newKey)).length;
    expect(onNew).toBe(6);
    for (const row of rows) {
      const opensWithOld = (() => {
        try {
          open(row.data_encrypted, oldKeys);
          return true;
        } catch {
          return false;
        }
      })();
      const opensWithNew = (() => {
        try {
          open(row.data_encrypted, { current: newKey, previous: [] });
          return true;
        } catch {
          return false;
        }
      })();
      expect(opensWithOld || opensWithNew).toBe(true);
    }
    const rest = await rotateMasterKey(store, oldKeys, newKey, { batchSize: 3 });
    expect(rest.tables.credential.skipped).toBe(6);
    expect((await allRows(store)).every((r) => isOnKey(r.data_encrypted, newKey))).toBe(true);
  });

  it('leaves a row that opens with no key as it is, reports it, and rotates the rest', async () => {
    const tampered = seal({ x: 1 }, masterKey(randomBytes(32), 'elsewhere'));
    await store.query(`UPDATE credential SET data_encrypted = $1 WHERE name = 'c3'`, [tampered]);
    const result = await rotateMasterKey(store, oldKeys, newKey);
    expect(result.failures).toEqual([{ table: 'credential', row: 'c3', reason: 'wrong master key or tampered data' }]);
    expect(result.tables.credential.failed).toBe(1);
    const c3 = (await store.query<{ data_encrypted: string }>(`SELECT data_encrypted FROM credential WHERE name = 'c3'`)).rows[0];
    expect(c3.data_encrypted).toBe(tampered);
  });

  it('counts records per key id/version and legacy rows', async () => {
    const status = await keyStatus(store, 3);
    expect(status).toEqual([
      { table: 'credential', provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv: oldKey.kv, records: 7 },
      { table: 'credential', provider: 'legacy', kid: null, kv: null, records: 1 },
      { table: 'keychain', provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv: oldKey.kv, records: 3 },
      { table: 'credential_cache', provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv: oldKey.kv, records: 3 },
    ]);
  });
});
