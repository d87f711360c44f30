/** Rotation opens what it re-wraps: a record whose ciphertext was tampered with is a failure, left as it is, never "re-wrapped". */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seal, type KeySet } from '../../src/core/envelope.js';
import { addCredential } from '../../src/backends/local/credentials.js';
import { setKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import { rotateMasterKey } from '../../src/backends/local/key-rotation.js';
import type { Store } from '../../src/backends/sql/store.js';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { testStore } from '../helpers/store.js';
import { registerTestPlaybook } from '../keychain/fixtures.js';
import { newKeyFile, withCliStore } from './cli-store.js';

const oldKey = masterKey(randomBytes(32), 'env:NOETL_ENCRYPTION_KEY');
const newKey = masterKey(randomBytes(32), 'file:key-file');
const oldKeys: KeySet = { current: oldKey, previous: [] };

/** The stored envelope with the last byte of its ct (the GCM tag) flipped: the wrapped data key is intact. */
function tamper(stored: string): string {
  const envelope = JSON.parse(stored);
  const ct = Buffer.from(envelope.ct, 'base64');
  ct[ct.length - 1] ^= 1;
  return JSON.stringify({ ...envelope, ct: ct.toString('base64') });
}

describe('rotate-key and tampered ciphertexts', () => {
  let store: Store;
  beforeEach(async () => {
    store = await testStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('counts a tampered data or renew_config as failed, leaves it as it is, and re-wraps the rest', async () => {
    await addCredential(store, oldKeys, { name: 'sound', type: 'secret', data: { secret: 's' } });
    await addCredential(store, oldKeys, { name: 'tampered', type: 'secret', data: { secret: 't' } });
    const { rows } = await store.query<{ data_encrypted: string }>(`SELECT data_encrypted FROM credential WHERE name = 'tampered'`);
    const tampered = tamper(rows[0].data_encrypted);
    await store.query(`UPDATE credential SET data_encrypted = $1 WHERE name = 'tampered'`, [tampered]);

    const catalogId = await registerTestPlaybook(store);
    await setKeychainEntry(store, oldKeys, {
      name: 'svc',
      ref: { scope: 'global', catalogId },
      data: { access_token: 'a' },
      autoRenew: true,
      renewConfig: { endpoint: 'https://auth.example.com/token', data: { client_secret: 'c' } },
    });
    const tamperedConfig = tamper(seal({ endpoint: 'https://auth.example.com/token' }, oldKey));
    await store.query('UPDATE keychain SET renew_config = $1::jsonb', [tamperedConfig]);

    const result = await rotateMasterKey(store, oldKeys, newKey);
    expect(result.tables.credential).toEqual({ total: 2, rewrapped: 1, sealed: 0, skipped: 0, failed: 1 });
    expect(result.tables.keychain).toEqual({ total: 1, rewrapped: 1, sealed: 0, skipped: 0, failed: 0 });
    expect(result.tables['keychain.renew_config']).toEqual({ total: 1, rewrapped: 0, sealed: 0, skipped: 0, failed: 1 });
    expect(result.failures).toEqual([
      { table: 'credential', row: 'tampered', reason: 'wrong master key or tampered data' },
      { table: 'keychain.renew_config', row: `svc:${catalogId}:global`, reason: 'wrong master key or tampered data' },
    ]);
    const after = await store.query<{ data_encrypted: string }>(`SELECT data_encrypted FROM credential WHERE name = 'tampered'`);
    expect(after.rows[0].data_encrypted).toBe(tampered);
  });
});

describe('noetl credential rotate-key and a tampered row (built CLI)', () => {
  it('reports the tampered row as not re-wrapped and exits 1; the sound rows move to the new key', async () => {
    const env: NodeJS.ProcessEnv = { ...(await testCliEnv()), NOETL_KEYRING: 'off' };
    for (const name of ['sound', 'tampered']) {
      expect((await runCli(['credential', 'add', name, '--type', 'api_key', '--data', '-'], { env, input: '{"api_key":"k"}' })).code).toBe(0);
    }
    await withCliStore(env, async (store) => {
      const { rows } = await store.query<{ data_encrypted: string }>(`SELECT data_encrypted FROM credential WHERE name = 'tampered'`);
      await store.query(`UPDATE credential SET data_encrypted = $1 WHERE name = 'tampered'`, [tamper(rows[0].data_encrypted)]);
    });
    const rotate = await runCli(['-o', 'json', 'credential', 'rotate-key', '--new-key-file', newKeyFile().path], { env });
    expect(rotate.code).toBe(1);
    expect(JSON.parse(rotate.stdout).tables[0]).toEqual({ table: 'credential', total: 2, rewrapped: 1, sealed: 0, skipped: 0, failed: 1 });
    expect(rotate.stderr).toContain("credential 'tampered' could not be re-wrapped: wrong master key or tampered data\n");
    expect(rotate.stderr).toMatch(/error: 1 row\(s\) open with none of the keys and were left as they are; every other row is on key \w+\n$/);
  });
});
