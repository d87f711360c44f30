import { NoetlError } from '../../src/core/errors.js';
/**
 * Rows someone planted in the tables (with write access to the database, without the key):
 * plaintext renew_config is used with a warning every time, strict mode refuses every
 * unsealed row, data that is not an object of fields is an error, and decrypted content is
 * never quoted in an error.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seal, type KeySet } from '../../src/core/envelope.js';
import { fetchCredentialWithCache } from '../../src/backends/local/cache.js';
import { addCredential, getCredential } from '../../src/backends/local/credentials.js';
import type { KeychainSuccess } from '../../src/api/keychain.js';
import { getKeychainEntry, setKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import { renewKeychainEntry } from '../../src/backends/local/renew/renew.js';
import type { Store } from '../../src/backends/sql/store.js';
import type { fakeClock } from '../helpers/store.js';
import { keychainTestbed, renewConfig, sealText, startOAuthServer } from './fixtures.js';

const EXEC = '507431238966182398';
const OLD = { access_token: 'old-token', token_type: 'Bearer', expires_in: 600 };

describe('planted rows', () => {
  let oauth: Awaited<ReturnType<typeof startOAuthServer>>;
  let store: Store;
  let keys: KeySet;
  let strict: KeySet;
  let clock: ReturnType<typeof fakeClock>;
  let catalogId: string;
  const ref = () => ({ scope: 'global' as const, catalogId });

  beforeAll(async () => {
    oauth = await startOAuthServer(120);
  });
  afterAll(async () => {
    await oauth.stop();
  });
  beforeEach(async () => {
    ({ clock, store, keys, catalogId } = await keychainTestbed());
    strict = { ...keys, requireSealed: true };
  });
  afterEach(async () => {
    await store.close();
  });

  /** An auto-renew entry whose renew_config was then replaced by a plaintext one (as an attacker, or NoETL's Python server, would write it). */
  async function plantPlaintextRenewConfig(): Promise<void> {
    await setKeychainEntry(store, keys, { name: 'svc', ref: ref(), data: OLD, ttlSeconds: 600, autoRenew: true, renewConfig: renewConfig(oauth.tokenUrl) });
    await store.query(`UPDATE keychain SET renew_config = $1::jsonb`, [JSON.stringify(renewConfig(oauth.tokenUrl))]);
  }

  it('uses a plaintext renew_config with a warning every time; strict mode refuses it and sends nothing', async () => {
    await plantPlaintextRenewConfig();
    const plaintextWarning = /keychain entry 'svc' has a plaintext renew_config \(not sealed\): whoever can write the keychain table can send its renewal, and client secret, anywhere/;
    const before = oauth.requests();
    for (let round = 1; round <= 2; round++) {
      clock.advance(601_000);
      const { response, warnings } = await getKeychainEntry(store, keys, 'svc', ref());
      expect((response as KeychainSuccess).renewed).toBe(true);
      expect(warnings.filter((w) => plaintextWarning.test(w))).toHaveLength(1);
      expect(oauth.requests()).toBe(before + round);
    }
    const forced = await renewKeychainEntry(store, keys, `svc:${catalogId}:global`, { force: true });
    expect(forced.warnings).toEqual([expect.stringMatching(plaintextWarning)]);
    // Not due, but the expired answer (renewal off) still hands it out: warned too.
    clock.advance(10_000_000);
    expect((await getKeychainEntry(store, keys, 'svc', ref(), { renew: false })).warnings).toEqual([expect.stringMatching(plaintextWarning)]);

    const sent = oauth.requests();
    await expect(getKeychainEntry(store, strict, 'svc', ref())).rejects.toMatchObject({
      code: 'unavailable',
      message:
        "renew_config of keychain entry 'svc' is stored as plaintext, not sealed, and unsealed rows are refused (strict mode, require_sealed)",
      hint: { command: 'credential rotate-key', text: 'to seal legacy rows' },
    });
    await expect(renewKeychainEntry(store, strict, `svc:${catalogId}:global`, { force: true })).rejects.toMatchObject({ code: 'unavailable' });
    expect(oauth.requests()).toBe(sent);
  });

  it('strict mode refuses every unsealed row: credential, keychain data, credential cache', async () => {
    await store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ('42', 'planted', 'basic', '{"username":"u","password":"p"}')`);
    expect((await getCredential(store, keys, 'planted')).warnings).toEqual([expect.stringContaining("credential 'planted' is stored as legacy plaintext")]);
    await expect(getCredential(store, strict, 'planted')).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^credential 'planted' is stored as plaintext, not sealed, and unsealed rows are refused/) });

    await setKeychainEntry(store, keys, { name: 't', ref: ref(), data: OLD });
    await store.query('UPDATE keychain SET data_encrypted = $1', [JSON.stringify({ access_token: 'planted' })]);
    expect((await getKeychainEntry(store, keys, 't', ref())).warnings).toEqual([
      "keychain entry 't' is stored as plaintext (legacy): a master key rotation (credential rotate-key) seals legacy rows",
    ]);
    await expect(getKeychainEntry(store, strict, 't', ref())).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^keychain entry 't' is stored as plaintext, not sealed/) });

    const load = async () => ({ type: 'secret', data: { v: 1 } });
    await fetchCredentialWithCache(store, keys, { credentialName: 'c', executionId: EXEC }, load);
    await store.query('UPDATE credential_cache SET data_encrypted = $1', [JSON.stringify({ v: 'planted' })]);
    expect((await fetchCredentialWithCache(store, keys, { credentialName: 'c', executionId: EXEC }, load))?.legacy).toBe(true);
    const refused = await fetchCredentialWithCache(store, strict, { credentialName: 'c', executionId: EXEC }, load).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NoetlError);
    expect(refused).toMatchObject({ reason: 'unsealed', message: expect.stringMatching(/^cache entry 'c:507431238966182398' is stored as plaintext, not sealed/) });

    // Sealed rows read as ever under strict mode.
    await addCredential(store, keys, { name: 'sealed', type: 'basic', data: { password: 'p' } });
    expect((await getCredential(store, strict, 'sealed')).data).toEqual({ password: 'p' });
  });

  it('keychain data that decrypts to an array, a string or null is an error, without the value', async () => {
    await setKeychainEntry(store, keys, { name: 't', ref: ref(), data: OLD });
    for (const [value, kind] of [
      [['sk_live_ARRAY_SECRET'], 'an array'],
      ['sk_live_STRING_SECRET', 'a string'],
      [null, 'null'],
    ] as const) {
      await store.query('UPDATE keychain SET data_encrypted = $1', [seal(value, keys.current)]);
      const err = (await getKeychainEntry(store, keys, 't', ref()).catch((e: unknown) => e)) as Error & { code?: string };
      expect(err.message).toBe(`keychain entry 't' holds ${kind}, not an object of fields`);
      expect(err).toMatchObject({ hint: { command: 'keychain set' } });
      expect(err.code).toBe('unavailable');
    }
  });

  it('a sealed renew_config that is not a usable one is an error naming the entry, not a request', async () => {
    await setKeychainEntry(store, keys, { name: 'svc', ref: ref(), data: OLD, ttlSeconds: 600, autoRenew: true, renewConfig: renewConfig(oauth.tokenUrl) });
    await store.query(`UPDATE keychain SET renew_config = $1::jsonb`, [seal(['https://attacker.example/token'], keys.current)]);
    clock.advance(601_000);
    await expect(getKeychainEntry(store, keys, 'svc', ref())).rejects.toMatchObject({
      code: 'unavailable',
      message: "renew_config of keychain entry 'svc' is not usable: must be a JSON object with at least an endpoint, not an array",
      hint: { command: 'keychain set svc --auto-renew --renew-config @FILE' },
    });
  });

  it('never quotes decrypted content that is not JSON in an error', async () => {
    await addCredential(store, keys, { name: 'stripe', type: 'api_key', data: { api_key: 'x' } });
    // A sound envelope whose plaintext is not JSON: it opens, the parse fails.
    await store.query(`UPDATE credential SET data_encrypted = $1 WHERE name = 'stripe'`, [sealText('sk_live_LEAKED_1234567890', keys.current)]);
    const err = (await getCredential(store, keys, 'stripe').catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.message).toBe("credential 'stripe' could not be decrypted: the decrypted data is not JSON");
    expect(err.code).toBe('unavailable');
  });
});
