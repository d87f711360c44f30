import { beforeAll, describe, expect, it } from 'vitest';
import { decodeMasterKey, type KeySet } from '../../src/core/envelope.js';
import { fetchCredentialWithCache, storeTokenInCache } from '../../src/backends/local/cache.js';
import { openStore } from '../../src/backends/sql/connect.js';
import { runCli, testCliEnv } from '../helpers/cli.js';

const PARENT = '507431238966182300';
const EXEC = '507431238966182398';

/** Fills the CLI's database through the library, as a worker would, then lets the CLI read it. */
async function seedCache(env: NodeJS.ProcessEnv): Promise<void> {
  const store = env.NOETL_DATA_DIR
    ? await openStore({ backend: 'embedded', dataDir: env.NOETL_DATA_DIR, schema: 'noetl', source: 'test' })
    : await openStore({ backend: 'postgres', connectionString: env.NOETL_DATABASE_URL, schema: env.NOETL_SCHEMA!, source: 'test' });
  const keys: KeySet = { current: { provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv: 'v1', key: decodeMasterKey(env.NOETL_ENCRYPTION_KEY!, 'key') }, previous: [] };
  const load = async () => ({ type: 'httpBearerAuth', data: { api_key: 'sk-live-0123456789abcdef' } });
  try {
    await fetchCredentialWithCache(store, keys, { credentialName: 'openai', executionId: PARENT }, load);
    await fetchCredentialWithCache(store, keys, { credentialName: 'openai', executionId: EXEC, parentExecutionId: PARENT }, load);
    await fetchCredentialWithCache(store, keys, { credentialName: 'openai', executionId: EXEC }, load);
    await storeTokenInCache(store, keys, { credentialName: 'amadeus', tokenData: { access_token: 'tok', expires_in: 60 }, tokenType: 'oauth' });
  } finally {
    await store.close();
  }
}

describe('noetl cache (built CLI)', () => {
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    env = await testCliEnv({ agent: true });
    await seedCache(env);
  });

  it('ls and stats show entries, never data; ids exact', async () => {
    let r = await runCli(['cache', 'ls'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`openai:${EXEC}\topenai\tsecret\texecution\t${EXEC}\t${PARENT}\t`);
    expect(r.stdout).not.toContain('sk-live');
    r = await runCli(['cache', 'ls', '--scope', 'global', '-o', 'json'], { env });
    expect(JSON.parse(r.stdout).map((e: { cache_key: string }) => e.cache_key)).toEqual(['amadeus:global:oauth']);
    r = await runCli(['cache', 'stats', '-o', 'json'], { env });
    const stats = JSON.parse(r.stdout);
    expect(stats.by_credential[0]).toMatchObject({ credential_name: 'openai', entries: 2, total_accesses: 1 });
    expect(stats.executions).toContainEqual({ execution_id: EXEC, parent_execution_id: PARENT, cached_credentials: 1 });
    expect(stats.expired_entries).toBe(0);
  });

  it('purge --expired uses the clock (NOETL_NOW); cleanup removes children', { timeout: 120_000 }, async () => {
    const later = { ...env, NOETL_NOW: new Date(Date.now() + 120_000).toISOString() };
    let r = await runCli(['cache', 'ls', '--expired', '-o', 'json'], { env: later });
    expect(JSON.parse(r.stdout).map((e: { cache_key: string }) => e.cache_key)).toEqual(['amadeus:global:oauth']);
    r = await runCli(['cache', 'purge'], { env: later });
    expect(r.code, r.stderr).toBe(2);
    // Destructive: off a terminal they need --yes (CONTRIBUTING.md, "Conventions"), and remove nothing without it.
    r = await runCli(['cache', 'purge', '--expired'], { env: later });
    expect([r.code, r.stderr]).toEqual([2, 'error: purging expired cache entries needs confirmation: add --yes (stdin is not a terminal)\n']);
    r = await runCli(['cache', 'cleanup', '--execution', PARENT], { env });
    expect([r.code, r.stderr]).toEqual([2, `error: deleting the cache entries of execution ${PARENT} needs confirmation: add --yes (stdin is not a terminal)\n`]);
    r = await runCli(['cache', 'purge', '--expired', '--yes', '-o', 'json'], { env: later });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ removed: 1 });
    // --execution-id is a hidden alias of --execution.
    r = await runCli(['cache', 'cleanup', '--execution-id', PARENT, '-y'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('removed 2 cache entries');
    r = await runCli(['cache', 'ls', '-o', 'json'], { env });
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('a non-numeric execution id exits 2', async () => {
    for (const args of [['cache', 'cleanup', '--execution', 'abc', '--yes'], ['cache', 'ls', '--execution', '1.5']]) {
      const r = await runCli(args, { env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: --execution '.*' is not a 64-bit number/);
    }
  });
});
