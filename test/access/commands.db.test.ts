import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAccessCheck } from '../../src/cli/access/check.js';
import { runAccessGrant } from '../../src/cli/access/grant.js';
import { runAccessLs } from '../../src/cli/access/ls.js';
import { runAccessRevoke } from '../../src/cli/access/revoke.js';
import { runRoleLs } from '../../src/cli/role/ls.js';
import { runUserSetActive } from '../../src/cli/user/disable.js';
import { runUserLs } from '../../src/cli/user/ls.js';
import { runUserRoleAdd } from '../../src/cli/user/role/add.js';
import { runUserRoleRm } from '../../src/cli/user/role/rm.js';
import { runUserShow } from '../../src/cli/user/show.js';
import { NoetlError } from '../../src/core/errors.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { memIO } from '../helpers/memio.js';
import { loginUser } from './users.js';

/** The verbs' run functions in process, over one local client (the CLI wiring is in cli.db.test.ts). */
describe('access, user and role verbs', () => {
  let t: TestClient;
  // The store keeps the real clock: the commands' clock is pinned near it.
  const pinned = new Date(Math.floor(Date.now() / 1000) * 1000);
  const now = () => new Date(pinned);
  function deps(options: { confirm?: boolean } = {}) {
    const mem = memIO();
    const infos: string[] = [];
    let exit = 0;
    return {
      mem,
      infos,
      exit: () => exit,
      deps: {
        io: mem.io,
        client: t.client,
        info: (m: string) => void infos.push(m),
        now,
        setExitCode: (code: number) => void (exit = code),
        confirm: options.confirm === undefined ? undefined : async () => options.confirm!,
      },
    };
  }
  beforeAll(async () => {
    t = await testClient();
    await loginUser(t.store, 'ada@example.com');
    await loginUser(t.store, 'mallory@example.com');
  });
  afterAll(() => t.close());

  it('grant / ls / check / revoke, asking before a revoke on a terminal', async () => {
    const denied = deps();
    await runAccessCheck({ playbook: 'api_integration/amadeus_ai_api', permission: 'execute', user: 'ada@example.com', output: 'table' }, denied.deps);
    expect(denied.exit()).toBe(1);
    expect(denied.mem.stdout()).toMatch(/^FIELD\tVALUE\ndecision\tdenied\nuser\tada@example.com\nroles\tviewer\n/);

    await runUserRoleAdd({ user: 'ada@example.com', role: 'analyst', ttlSeconds: 86_400, output: 'table' }, deps().deps);
    const grant = deps();
    await runAccessGrant({ role: 'analyst', pattern: 'api_integration/*', execute: true, view: true, output: 'json' }, grant.deps);
    expect(JSON.parse(grant.mem.stdout())).toMatchObject({ created: true, permission: { role_name: 'analyst', playbook_path: 'api_integration/*' } });
    expect(grant.infos).toEqual(['granted analyst: execute, view on api_integration/*']);

    const allowed = deps();
    await runAccessCheck({ playbook: 'api_integration/amadeus_ai_api', permission: 'execute', user: 'ada@example.com', output: 'table' }, allowed.deps);
    expect(allowed.exit()).toBe(0);
    expect(allowed.mem.stdout()).toContain('decision\tallowed');

    const ls = deps();
    await runAccessLs({ role: 'analyst', output: 'table' }, ls.deps);
    expect(ls.mem.stdout()).toBe('ROLE\tPATTERN\tEXECUTE\tVIEW\tMODIFY\tDENY\nanalyst\tapi_integration/*\tyes\tyes\tno\t\nanalyst\tdata/*\tyes\tyes\tno\t\n');

    const tty = { ...deps({ confirm: false }) };
    Object.assign(tty.mem.io, { stdinIsTTY: true, stderrIsTTY: true });
    const declined = await runAccessRevoke({ role: 'analyst', pattern: 'api_integration/*', yes: false, output: 'table' }, tty.deps).catch((e: unknown) => e);
    expect((declined as NoetlError).message).toBe("analyst's grant on 'api_integration/*' kept: not confirmed");
    const missing = await runAccessRevoke({ role: 'analyst', pattern: 'nothing/*', yes: false, output: 'table' }, tty.deps).catch((e: unknown) => e);
    expect((missing as NoetlError).code).toBe('not_found');
    const revoked = deps();
    await runAccessRevoke({ role: 'analyst', pattern: 'api_integration/*', yes: true, output: 'table' }, revoked.deps);
    expect(revoked.infos).toEqual(["revoked analyst's grant on 'api_integration/*'"]);
  });

  it('user ls / show / disable / enable, role add with --ttl and rm, role ls', async () => {
    const ls = deps();
    await runUserLs({ output: 'table' }, ls.deps);
    expect(ls.mem.stdout()).toMatch(/^ID\tEMAIL\tNAME\tROLES\tACTIVE\tLAST LOGIN\n\d+\tada@example\.com\tada\tanalyst,viewer\tyes\t/);

    const added = deps();
    await runUserRoleAdd({ user: 'mallory@example.com', role: 'developer', ttlSeconds: 3600, output: 'json' }, added.deps);
    expect(JSON.parse(added.mem.stdout())).toMatchObject({ role: 'developer', expires_at: new Date(pinned.getTime() + 3_600_000).toISOString() });

    const disabled = deps();
    await runUserSetActive({ user: 'mallory@example.com', active: false, yes: true, output: 'table' }, disabled.deps);
    expect(disabled.infos).toEqual(['disabled user mallory@example.com']);
    const show = deps();
    await runUserShow({ user: 'mallory@example.com', output: 'table' }, show.deps);
    expect(show.mem.stdout()).toContain('active\tno');
    await runUserSetActive({ user: 'mallory@example.com', active: true, yes: false, output: 'table' }, deps().deps);

    const rm = deps();
    await runUserRoleRm({ user: 'mallory@example.com', role: 'developer', yes: true, output: 'json' }, rm.deps);
    expect(JSON.parse(rm.mem.stdout())).toMatchObject({ email: 'mallory@example.com', role: 'developer', removed: true });

    const roles = deps();
    await runRoleLs({ output: 'table' }, roles.deps);
    expect(roles.mem.stdout().split('\n').map((line) => line.split('\t').filter((_, i) => i !== 1).join(' '))).toEqual([
      'ROLE SYSTEM USERS',
      'admin yes 0',
      'developer yes 0',
      'analyst yes 1',
      'viewer yes 2',
      '',
    ]);
  });
});
