import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoetlClient } from '../../src/api/index.js';
import { createHttpClient } from '../../src/backends/http/index.js';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { runAccessCheck } from '../../src/cli/access/check.js';
import { runAccessGrant } from '../../src/cli/access/grant.js';
import { runAccessLs } from '../../src/cli/access/ls.js';
import { runAccessRevoke } from '../../src/cli/access/revoke.js';
import { runRoleLs } from '../../src/cli/role/ls.js';
import { runUserSetActive } from '../../src/cli/user/disable.js';
import { runUserRoleAdd } from '../../src/cli/user/role/add.js';
import { runUserRoleRm } from '../../src/cli/user/role/rm.js';
import { runUserShow } from '../../src/cli/user/show.js';
import { NoetlError } from '../../src/core/errors.js';
import { buildGateway } from '../../src/gateway/app.js';
import { IssuerSet } from '../../src/gateway/issuers.js';
import { GatewayService } from '../../src/gateway/service.js';
import { runCli } from '../helpers/cli.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { memIO } from '../helpers/memio.js';
import { loginUser } from './users.js';

/** The access verbs over a remote `noetl gateway` (its admin routes, an admin service token): the http backend's access group. */
describe('access, user and role verbs over noetl gateway', () => {
  let t: TestClient;
  let app: FastifyInstance;
  let remote: NoetlClient;
  let url: string;
  function deps() {
    const mem = memIO();
    let exit = 0;
    return { mem, exit: () => exit, deps: { io: mem.io, client: remote, info: () => {}, now: () => new Date(), setExitCode: (code: number) => void (exit = code) } };
  }
  beforeAll(async () => {
    t = await testClient();
    await loginUser(t.store, 'ada@example.com');
    app = buildGateway({
      service: new GatewayService(t.store),
      issuers: new IssuerSet({ domains: ['tenant.example.com'], audience: 'https://noetl/api' }, () => t.store.now()),
      client: t.client,
      tokens: localTokenAuthority({ store: t.store }),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const { token } = await t.client.tokens.create({ name: 'ops', role: 'admin', ttl_seconds: 3600 });
    remote = createHttpClient({ serverUrl: url, token });
  });
  afterAll(async () => {
    await remote?.close();
    await app?.close();
    await t?.close();
  });

  it('grants, checks (exit 1 denied), lists and revokes; manages users and roles', async () => {
    const denied = deps();
    await runAccessCheck({ playbook: 'api_integration/amadeus_ai_api', permission: 'execute', user: 'ada@example.com', output: 'json' }, denied.deps);
    expect(denied.exit()).toBe(1);
    expect(JSON.parse(denied.mem.stdout())).toMatchObject({ allowed: false, user: { email: 'ada@example.com' } });

    await runUserRoleAdd({ user: 'ada@example.com', role: 'analyst', output: 'table' }, deps().deps);
    const grant = deps();
    await runAccessGrant({ role: 'analyst', pattern: 'api_integration/*', execute: true, deny: 'api_integration/internal_*', output: 'json' }, grant.deps);
    expect(JSON.parse(grant.mem.stdout())).toMatchObject({ created: true, permission: { role_name: 'analyst', playbook_path: 'api_integration/*', can_execute: true } });
    const allowed = deps();
    await runAccessCheck({ playbook: 'api_integration/amadeus_ai_api', permission: 'execute', user: 'ada@example.com', output: 'table' }, allowed.deps);
    expect(allowed.exit()).toBe(0);
    const vetoed = deps();
    await runAccessCheck({ playbook: 'api_integration/internal_x', permission: 'execute', user: 'ada@example.com', output: 'table' }, vetoed.deps);
    expect(vetoed.exit()).toBe(1);

    const ls = deps();
    await runAccessLs({ role: 'analyst', output: 'table' }, ls.deps);
    expect(ls.mem.stdout()).toContain('analyst\tapi_integration/*\tyes\tno\tno\tapi\\_integration/internal\\_%');
    await runAccessRevoke({ role: 'analyst', pattern: 'api_integration/*', yes: true, output: 'table' }, deps().deps);
    const again = await runAccessRevoke({ role: 'analyst', pattern: 'api_integration/*', yes: true, output: 'table' }, deps().deps).catch((e: unknown) => e);
    expect((again as NoetlError).code).toBe('not_found');

    await runUserSetActive({ user: 'ada@example.com', active: false, yes: true, output: 'table' }, deps().deps);
    const show = deps();
    await runUserShow({ user: 'ada@example.com', output: 'table' }, show.deps);
    expect(show.mem.stdout()).toContain('active\tno');
    await runUserSetActive({ user: 'ada@example.com', active: true, yes: true, output: 'table' }, deps().deps);
    await runUserRoleRm({ user: 'ada@example.com', role: 'analyst', yes: true, output: 'table' }, deps().deps);
    const roles = deps();
    await runRoleLs({ output: 'json' }, roles.deps);
    expect(JSON.parse(roles.mem.stdout()).map((r: { role_name: string; user_count: number }) => `${r.role_name}:${r.user_count}`)).toEqual(['admin:0', 'developer:0', 'analyst:0', 'viewer:1']);
  });

  it('the built CLI with --server and an admin token (NOETL_TOKEN) runs them against the gateway', async () => {
    const { token } = await t.client.tokens.create({ name: 'cli-ops', role: 'admin', ttl_seconds: 3600 });
    const env = { PATH: process.env.PATH, HOME: tmpdir(), XDG_CONFIG_HOME: join(tmpdir(), 'noetl-remote-none'), NO_COLOR: '1', NOETL_TOKEN: token };
    const grant = await runCli(['--server', url, 'access', 'grant', 'developer', 'reports/*', '--view'], { env });
    expect(grant).toMatchObject({ code: 0, stderr: 'granted developer: view on reports/*\n' });
    const check = await runCli(['--server', url, 'access', 'check', 'reports/q1', '--permission', 'execute', '--user', 'ada@example.com'], { env });
    expect(check.code).toBe(1);
    const roles = await runCli(['--server', url, 'role', 'ls'], { env });
    expect(roles.code).toBe(0);
    expect(roles.stdout).toMatch(/^ROLE\tDESCRIPTION\tSYSTEM\tUSERS\nadmin\t/);
  });

  it('a token below admin is refused (exit 1 forbidden)', async () => {
    const { token } = await t.client.tokens.create({ name: 'reader', role: 'reader', ttl_seconds: 3600 });
    const reader = createHttpClient({ serverUrl: url, token });
    try {
      const err = await reader.access!.roles().catch((e: unknown) => e);
      expect((err as NoetlError).code).toBe('forbidden');
    } finally {
      await reader.close();
    }
  });
});
