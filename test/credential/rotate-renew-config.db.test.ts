import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyStored, type KeySet } from '../../src/core/envelope.js';
import type { KeychainSuccess } from '../../src/api/keychain.js';
import { getKeychainEntry, openRenewConfig, setKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import { selectKeychainRow, type KeychainRow } from '../../src/backends/sql/keychain.js';
import { sealRenewConfig } from '../../src/core/keychain-entry.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import { isOnKey, keyStatus, rotateMasterKey } from '../../src/backends/local/key-rotation.js';
import { RENEW_CONFIG } from '../../src/backends/sql/rotate.js';
import type { Store } from '../../src/backends/sql/store.js';
import { fakeClock, testStore } from '../helpers/store.js';
import { CLIENT_SECRET, registerTestPlaybook, renewConfig, startOAuthServer } from '../keychain/fixtures.js';

const oldKey = masterKey(randomBytes(32), 'env:NOETL_ENCRYPTION_KEY');
const newKey = masterKey(randomBytes(32), 'file:key-file');
const oldKeys: KeySet = { current: oldKey, previous: [] };
/** After the rotation the old key is gone (no NOETL_ENCRYPTION_KEY_PREVIOUS). */
const newKeysOnly: KeySet = { current: newKey, previous: [] };
const OLD_TOKEN = { access_token: 'old-token', token_type: 'Bearer', expires_in: 600 };

const asText = (column: unknown) => (typeof column === 'string' ? column : JSON.stringify(column));

describe("master-key rotation covers the keychain's renew_config", () => {
  let oauth: Awaited<ReturnType<typeof startOAuthServer>>;
  let store: Store;
  let clock: ReturnType<typeof fakeClock>;
  let catalogId: string;
  const ref = () => ({ scope: 'global' as const, catalogId });
  const row = async (name: string) => (await selectKeychainRow(store, `${name}:${catalogId}:global`)) as KeychainRow;

  beforeAll(async () => {
    oauth = await startOAuthServer(120);
  });
  afterAll(async () => {
    await oauth.stop();
  });
  beforeEach(async () => {
    clock = fakeClock();
    store = await testStore({ clock });
    catalogId = await registerTestPlaybook(store);
    // Sealed by this tool, under the old key.
    await setKeychainEntry(store, oldKeys, { name: 'sealed_token', ref: ref(), data: OLD_TOKEN, ttlSeconds: 600, autoRenew: true, renewConfig: renewConfig(oauth.tokenUrl) });
    // Written by the server with a plain renew_config: the client secret in the clear.
    await setKeychainEntry(store, oldKeys, { name: 'plain_token', ref: ref(), data: OLD_TOKEN, ttlSeconds: 600, autoRenew: true, renewConfig: renewConfig(oauth.tokenUrl) });
    await store.query(`UPDATE keychain SET renew_config = $1::jsonb WHERE keychain_name = 'plain_token'`, [JSON.stringify(renewConfig(oauth.tokenUrl))]);
    // No renew_config at all.
    await setKeychainEntry(store, oldKeys, { name: 'static_secret', ref: ref(), data: { api_key: 'k' }, ttlSeconds: 600 });
  });
  afterEach(async () => {
    await store.close();
  });

  it('re-wraps a sealed renew_config (ct unchanged) and seals a plain one; renewal works with the new key alone', async () => {
    expect(await keyStatus(store)).toEqual(
      expect.arrayContaining([
        { table: 'keychain', provider: 'local', kid: oldKey.kid, kv: oldKey.kv, records: 3 },
        { table: RENEW_CONFIG, provider: 'local', kid: oldKey.kid, kv: oldKey.kv, records: 1 },
        { table: RENEW_CONFIG, provider: 'legacy', kid: null, kv: null, records: 1 },
      ]),
    );
    const sealedBefore = classifyStored(asText((await row('sealed_token')).renew_config));

    const result = await rotateMasterKey(store, oldKeys, newKey, { batchSize: 1 });
    expect(result.failures).toEqual([]);
    expect(result.tables.keychain).toEqual({ total: 3, rewrapped: 3, sealed: 0, skipped: 0, failed: 0 });
    expect(result.tables[RENEW_CONFIG]).toEqual({ total: 2, rewrapped: 1, sealed: 1, skipped: 0, failed: 0 });

    const sealedAfter = classifyStored(asText((await row('sealed_token')).renew_config));
    expect(sealedBefore.kind === 'envelope' && sealedAfter.kind === 'envelope').toBe(true);
    if (sealedBefore.kind === 'envelope' && sealedAfter.kind === 'envelope') {
      expect(sealedAfter.envelope.ct).toBe(sealedBefore.envelope.ct);
      expect(sealedAfter.envelope.dek.ct).not.toBe(sealedBefore.envelope.dek.ct);
    }
    const plain = await row('plain_token');
    expect(isOnKey(asText(plain.renew_config), newKey)).toBe(true);
    expect(asText(plain.renew_config)).not.toContain(CLIENT_SECRET);
    expect((await row('static_secret')).renew_config).toBeNull();
    for (const name of ['sealed_token', 'plain_token']) {
      const rotated = await row(name);
      expect(openRenewConfig(rotated, newKeysOnly)).toEqual(renewConfig(oauth.tokenUrl));
      expect(() => openRenewConfig(rotated, oldKeys)).toThrow(/could not be decrypted/);
    }
    expect(await keyStatus(store)).toEqual([
      { table: 'keychain', provider: 'local', kid: newKey.kid, kv: newKey.kv, records: 3 },
      { table: RENEW_CONFIG, provider: 'local', kid: newKey.kid, kv: newKey.kv, records: 2 },
    ]);

    // The old key is dropped: both entries expire and renew against the real token endpoint.
    clock.advance(601_000);
    for (const name of ['sealed_token', 'plain_token']) {
      const before = oauth.requests();
      const { response } = await getKeychainEntry(store, newKeysOnly, name, ref());
      expect(oauth.requests() - before).toBe(1);
      const success = response as KeychainSuccess;
      expect(success.status).toBe('success');
      expect(success.renewed).toBe(true);
      expect(String(success.token_data.access_token)).toMatch(/^eyJ/);
    }

    const again = await rotateMasterKey(store, newKeysOnly, newKey, { batchSize: 2 });
    expect(again.tables[RENEW_CONFIG]).toEqual({ total: 2, rewrapped: 0, sealed: 0, skipped: 2, failed: 0 });
    expect(again.tables.keychain).toEqual({ total: 3, rewrapped: 0, sealed: 0, skipped: 3, failed: 0 });
  });

  it('an interrupted rotation moves data and renew_config of a row together; a rerun finishes it', async () => {
    for (let i = 0; i < 4; i++) {
      await setKeychainEntry(store, oldKeys, { name: `more_${i}`, ref: ref(), data: OLD_TOKEN, ttlSeconds: 600, autoRenew: true, renewConfig: renewConfig(oauth.tokenUrl) });
    }
    const crash = new Error('simulated crash');
    await expect(
      rotateMasterKey(store, oldKeys, newKey, {
        batchSize: 2,
        onBatch: (p) => {
          if (p.table === 'keychain' && p.batch === 2) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const { rows } = await store.query<KeychainRow>('SELECT * FROM keychain ORDER BY cache_key');
    const onNew = rows.filter((r) => isOnKey(r.data_encrypted, newKey));
    expect(onNew).toHaveLength(4);
    for (const r of rows) {
      const key = isOnKey(r.data_encrypted, newKey) ? newKey : oldKey;
      // Same transaction: the renew_config is on the same key as the row's data (a plain one is sealed with it).
      if (r.renew_config !== null) {
        if (key === newKey) expect(isOnKey(asText(r.renew_config), newKey)).toBe(true);
        else expect(isOnKey(asText(r.renew_config), newKey)).toBe(false);
        expect(openRenewConfig(r, { current: key, previous: [] })).toEqual(renewConfig(oauth.tokenUrl));
      }
    }
    const rest = await rotateMasterKey(store, oldKeys, newKey, { batchSize: 2 });
    expect(rest.tables.keychain.skipped).toBe(4);
    expect(rest.tables[RENEW_CONFIG].total).toBe(6);
    expect(rest.tables[RENEW_CONFIG].skipped).toBe(onNew.filter((r) => r.renew_config !== null).length);
    const after = (await store.query<KeychainRow>('SELECT * FROM keychain')).rows;
    expect(after.every((r) => isOnKey(r.data_encrypted, newKey) && (r.renew_config === null || isOnKey(asText(r.renew_config), newKey)))).toBe(true);
  });

  it('leaves a renew_config that opens with no key as it is and reports it', async () => {
    const foreign = masterKey(randomBytes(32), 'elsewhere');
    const sealedElsewhere = sealRenewConfig(renewConfig(oauth.tokenUrl), { current: foreign, previous: [] });
    await store.query(`UPDATE keychain SET renew_config = $1::jsonb WHERE keychain_name = 'sealed_token'`, [JSON.stringify(sealedElsewhere)]);
    const result = await rotateMasterKey(store, oldKeys, newKey);
    expect(result.failures).toEqual([{ table: RENEW_CONFIG, row: `sealed_token:${catalogId}:global`, reason: 'wrong master key or tampered data' }]);
    expect(result.tables[RENEW_CONFIG]).toMatchObject({ total: 2, sealed: 1, failed: 1 });
    // The row's data still moved.
    expect(isOnKey((await row('sealed_token')).data_encrypted, newKey)).toBe(true);
    expect((await row('sealed_token')).renew_config).toEqual(sealedElsewhere);
  });
});
