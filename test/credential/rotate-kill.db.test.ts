import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeMasterKey, open, seal } from '../../src/core/envelope.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import { sealRenewConfig } from '../../src/core/keychain-entry.js';
import { openRenewConfig } from '../../src/backends/local/keychain-entries.js';
import type { KeychainRow } from '../../src/backends/sql/keychain.js';
import { isOnKey } from '../../src/backends/local/key-rotation.js';
import { noetlBin, repoRoot, runCli, testCliEnv } from '../helpers/cli.js';
import { newKeyFile, withCliStore } from './cli-store.js';
import { registerTestPlaybook, renewConfig, startOAuthServer } from '../keychain/fixtures.js';

const ROWS = 2000;
const KEYCHAIN_ROWS = 1000;

/** Starts `noetl --verbose credential rotate-key …` and SIGKILLs it as soon as the first batch of `table` is reported. */
function rotateAndKill(env: NodeJS.ProcessEnv, keyFile: string, table = 'credential'): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const firstBatch = new RegExp(`^${table}: \\d+/\\d+ \\(batch \\d+`, 'm');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [noetlBin, '--verbose', 'credential', 'rotate-key', '--new-key-file', keyFile, '--batch-size', '2'], {
      env,
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (firstBatch.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ signal, stderr }));
  });
}

describe('rotate-key killed midway (a real SIGKILL)', () => {
  it('leaves every row readable with the old or the new key, and running it again finishes the job', { timeout: 300_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...(await testCliEnv()), NOETL_KEYRING: 'off' };
    const oldKey = masterKey(decodeMasterKey(env.NOETL_ENCRYPTION_KEY!, 'test'), 'env:NOETL_ENCRYPTION_KEY');
    const { bytes: newBytes, key: newKey, path: keyFile } = newKeyFile();

    await withCliStore(env, async (store) => {
      const names = Array.from({ length: ROWS }, (_, i) => `cred_${String(i).padStart(5, '0')}`);
      await store.query(
        `INSERT INTO credential (id, name, type, data_encrypted)
         SELECT 1000 + n, name, 'secret', sealed FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(name, sealed, n)`,
        [names, names.map((n) => seal({ secret: `value-of-${n}` }, oldKey))],
      );
    });

    const killed = await rotateAndKill(env, keyFile);
    expect(killed.signal).toBe('SIGKILL');

    const rows = await withCliStore(env, async (store) => (await store.query<{ name: string; data_encrypted: string }>('SELECT name, data_encrypted FROM credential')).rows);
    expect(rows).toHaveLength(ROWS);
    const onNew = rows.filter((r) => isOnKey(r.data_encrypted, newKey)).length;
    // Killed in the middle: some rows moved, most did not.
    expect(onNew).toBeGreaterThan(0);
    expect(onNew).toBeLessThan(ROWS);
    for (const row of rows) {
      const key = isOnKey(row.data_encrypted, newKey) ? newKey : oldKey;
      expect(open(row.data_encrypted, { current: key, previous: [] }).value).toEqual({ secret: `value-of-${row.name}` });
    }

    const again = await runCli(['credential', 'rotate-key', '--new-key-file', keyFile, '--batch-size', '500', '-o', 'json'], { env });
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as { tables: { table: string; skipped: number; rewrapped: number }[] };
    const credential = report.tables.find((t) => t.table === 'credential')!;
    expect(credential.skipped).toBe(onNew);
    expect(credential.rewrapped).toBe(ROWS - onNew);

    const after = await withCliStore(env, async (store) => (await store.query<{ data_encrypted: string }>('SELECT data_encrypted FROM credential')).rows);
    expect(after.every((r) => isOnKey(r.data_encrypted, newKey))).toBe(true);
    const got = await runCli(['credential', 'get', 'cred_01999', '--field', 'secret', '--reveal'], { env: { ...env, NOETL_ENCRYPTION_KEY: newBytes.toString('base64') } });
    expect(got.stdout).toBe('value-of-cred_01999');
  });

  it("moves a keychain row's data and renew_config together, and renewal works with the new key alone", { timeout: 300_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...(await testCliEnv()), NOETL_KEYRING: 'off' };
    const oldKey = masterKey(decodeMasterKey(env.NOETL_ENCRYPTION_KEY!, 'test'), 'env:NOETL_ENCRYPTION_KEY');
    const { bytes: newBytes, key: newKey, path: keyFile } = newKeyFile();
    const oauth = await startOAuthServer(120);
    try {
      const config = renewConfig(oauth.tokenUrl);
      const catalogId = await withCliStore(env, async (store) => {
        const id = await registerTestPlaybook(store);
        const names = Array.from({ length: KEYCHAIN_ROWS }, (_, i) => `tok_${String(i).padStart(5, '0')}`);
        // Expired auto-renew entries: the next read renews them from their renew_config.
        await store.query(
          `INSERT INTO keychain (cache_key, keychain_name, catalog_id, credential_type, cache_type, scope_type, data_encrypted,
                                 expires_at, created_at, auto_renew, renew_config)
           SELECT name || ':' || $1 || ':global', name, $1::bigint, 'oauth2', 'token', 'global', sealed,
                  now() - interval '1 minute', now() - interval '1 hour', true, config::jsonb
           FROM unnest($2::text[], $3::text[], $4::text[]) AS t(name, sealed, config)`,
          [id, names, names.map((n) => seal({ access_token: `old-${n}` }, oldKey)), names.map(() => JSON.stringify(sealRenewConfig(config, { current: oldKey, previous: [] })))],
        );
        return id;
      });

      const killed = await rotateAndKill(env, keyFile, 'keychain');
      expect(killed.signal).toBe('SIGKILL');

      const rows = await withCliStore(env, async (store) => (await store.query<KeychainRow>('SELECT * FROM keychain')).rows);
      expect(rows).toHaveLength(KEYCHAIN_ROWS);
      const onNew = rows.filter((r) => isOnKey(r.data_encrypted, newKey)).length;
      expect(onNew).toBeGreaterThan(0);
      expect(onNew).toBeLessThan(KEYCHAIN_ROWS);
      for (const row of rows) {
        // One transaction per batch: a row's renew_config is on the same key as its data.
        const key = isOnKey(row.data_encrypted, newKey) ? newKey : oldKey;
        expect(isOnKey(JSON.stringify(row.renew_config), newKey)).toBe(key === newKey);
        expect(open(row.data_encrypted, { current: key, previous: [] }).value).toEqual({ access_token: `old-${row.keychain_name}` });
        expect(openRenewConfig(row, { current: key, previous: [] })).toEqual(config);
      }

      const again = await runCli(['credential', 'rotate-key', '--new-key-file', keyFile, '--batch-size', '500', '-o', 'json'], { env });
      expect(again.code, again.stderr).toBe(0);
      const report = JSON.parse(again.stdout) as { tables: { table: string; skipped: number; rewrapped: number }[] };
      expect(report.tables.find((t) => t.table === 'keychain.renew_config')).toMatchObject({ skipped: onNew, rewrapped: KEYCHAIN_ROWS - onNew });

      // The old key is dropped (no NOETL_ENCRYPTION_KEY_PREVIOUS): the renew_config opens and renewal works.
      const newEnv = { ...env, NOETL_ENCRYPTION_KEY: newBytes.toString('base64') };
      const status = await runCli(['credential', 'key-status', '-o', 'json'], { env: newEnv });
      expect(JSON.parse(status.stdout)).toContainEqual({ table: 'keychain.renew_config', provider: 'local', kid: 'file:key-file', kv: newKey.kv, records: KEYCHAIN_ROWS, current: true });
      const before = oauth.requests();
      const got = await runCli(['keychain', 'get', 'tok_00000', '--catalog-id', catalogId, '--field', 'access_token', '--reveal'], { env: newEnv });
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout).toMatch(/^eyJ/);
      expect(oauth.requests() - before).toBe(1);
    } finally {
      await oauth.stop();
    }
  });
});
