import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/backends/sql/connect.js';
import { testDatabaseUrl } from '../helpers/backend.js';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { loginUser } from './users.js';

/** Users as their first gateway logins make them, in the database of `env` (no command creates users). */
async function seedUsers(env: NodeJS.ProcessEnv, emails: string[]): Promise<void> {
  const store = env.NOETL_DATA_DIR
    ? await openStore({ backend: 'embedded', dataDir: env.NOETL_DATA_DIR, schema: 'noetl', source: 'test' })
    : await openStore({ backend: 'postgres', connectionString: testDatabaseUrl(), schema: env.NOETL_SCHEMA!, source: 'test' });
  try {
    for (const email of emails) await loginUser(store, email);
  } finally {
    await store.close();
  }
}

/** The built CLI's wiring of the verbs: flags, exit codes, streams (what they do: commands.db.test.ts). */
describe('noetl access / user / role over a direct database', () => {
  let env: NodeJS.ProcessEnv;
  const noetl = (...args: string[]) => runCli(args, { env });
  beforeAll(async () => {
    env = await testCliEnv();
    await seedUsers(env, ['ada@example.com']);
  });

  it('check exits 1 denied and 0 allowed; grant and user role add wire their flags', async () => {
    const denied = await noetl('access', 'check', 'api_integration/amadeus_ai_api', '--permission', 'execute', '--user', 'ada@example.com');
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/decision\s+denied/);
    expect((await noetl('user', 'role', 'add', 'ada@example.com', 'analyst')).code).toBe(0);
    const grant = await noetl('access', 'grant', 'analyst', 'api_integration/*', '--execute', '--view', '--deny', 'api_integration/internal_*');
    expect(grant).toMatchObject({ code: 0, stdout: '', stderr: 'granted analyst: execute, view on api_integration/* (except api_integration/internal_*)\n' });
    const allowed = await noetl('-o', 'json', 'access', 'check', 'api_integration/amadeus_ai_api', '--user', 'ada@example.com');
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ allowed: true, permission_type: 'execute', user: { email: 'ada@example.com', roles: ['analyst', 'viewer'] } });
  });

  it('exit 2 for bad input and a missing --yes, 3 for an unknown role', async () => {
    const bad = await noetl('access', 'grant', 'analyst', 'API/*', '--execute');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("pattern 'API/*' is not valid");
    const offTty = await noetl('user', 'disable', 'ada@example.com');
    expect(offTty.code).toBe(2);
    expect(offTty.stderr).toContain('add --yes');
    const unknown = await noetl('access', 'ls', '--role', 'wizard');
    expect(unknown).toMatchObject({ code: 3, stderr: "error: role 'wizard' not found: run `noetl role ls` to see the roles\n" });
  });
});
