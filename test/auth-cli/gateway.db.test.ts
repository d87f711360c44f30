import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { runAuthLogin } from '../../src/cli/auth/login.js';
import { buildGateway } from '../../src/gateway/app.js';
import { IssuerSet } from '../../src/gateway/issuers.js';
import { NoetlServer } from '../../src/gateway/noetl-server.js';
import { GatewayService } from '../../src/gateway/service.js';
import { runCli } from '../helpers/cli.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { memIO } from '../helpers/memio.js';
import { startDeviceServer, type DeviceServer } from './device-server.js';
import { EXECUTION_ID, startNoetlStandIn, type NoetlStandIn } from './noetl-stand-in.js';

const AUDIENCE = 'https://noetl.example.com/api';

/**
 * The CLI against the real `noetl gateway` (buildGateway, in process on 127.0.0.1:0) over a real
 * database: a device-flow login whose Auth0 token the gateway verifies against the fake issuer's
 * JWKS, `run --wait` through GraphQL to a stand-in NoETL server, access checks, logout.
 */
describe('noetl auth / run / access against noetl gateway', () => {
  let t: TestClient;
  let issuer: DeviceServer;
  let noetl: NoetlStandIn;
  let app: FastifyInstance;
  let gateway: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [t, noetl] = await Promise.all([testClient(), startNoetlStandIn()]);
    issuer = await startDeviceServer({ polls: ['authorization_pending'], interval: 5, sign: { audience: AUDIENCE, claims: { sub: 'auth0|ada', email: 'ada@example.com', name: 'Ada Lovelace' } } });
    app = buildGateway({
      service: new GatewayService(t.store),
      issuers: new IssuerSet({ domains: [issuer.url], audience: AUDIENCE, jwksUrl: `${issuer.url}/.well-known/jwks.json` }, () => t.store.now()),
      noetlServer: new NoetlServer(noetl.url),
      client: t.client,
      tokens: localTokenAuthority({ store: t.store }),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    gateway = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const home = mkdtempSync(join(tmpdir(), 'noetl-gw-cli-'));
    env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), NO_COLOR: '1', NOETL_KEYRING: 'off' };
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([issuer?.close(), noetl?.close()]);
    await t?.close();
  });

  it('logs in with the device flow, is refused a playbook its role may not execute, runs it --wait once granted, logs out', async () => {
    const mem = memIO();
    let now = Date.now();
    await runAuthLogin(
      { gateway, auth0Domain: issuer.url, clientId: 'cli-app', audience: AUDIENCE, sessionHours: 2, output: 'table' },
      { io: mem.io, env, info: (m) => mem.io.stderr.write(`${m}\n`), warn: (m) => mem.io.stderr.write(`warning: ${m}\n`), now: () => new Date(now), sleep: async (ms) => void (now += ms) },
    );
    expect(mem.stderr()).toContain('! First copy your one-time code: WDJB-MJHT');
    expect(mem.stderr()).toContain(`Logged in as ada@example.com (viewer) at ${gateway}`);

    const status = await runCli(['-o', 'json', 'auth', 'status'], { env });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ context: 'default', gateway, valid: true, user: { email: 'ada@example.com', roles: ['viewer'] } });

    // viewer may view everything and execute nothing.
    expect((await runCli(['access', 'check', 'regression_test/hello_world', '--permission', 'view'], { env })).code).toBe(0);
    const mine = await runCli(['access', 'check', 'regression_test/hello_world'], { env });
    expect(mine.code).toBe(1);
    expect(mine.stdout).toMatch(/decision\s+denied/);
    const refused = await runCli(['run', 'regression_test/hello_world', '--wait'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: the gateway refused it: .*regression_test\/hello_world/);
    expect(noetl.executed).toHaveLength(0);

    await t.client.access!.grant({ role: 'viewer', pattern: 'regression_test/*', execute: true, view: true });
    const run = await runCli(['-o', 'json', 'run', 'regression_test/hello_world', '--var', 'who=world', '--wait'], { env });
    expect(run.stderr).toContain(`execution ${EXECUTION_ID} completed`);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: EXECUTION_ID, status: 'completed', result: { greeting: 'hello' } });
    expect(noetl.executed).toEqual([expect.objectContaining({ path: 'regression_test/hello_world', workload: { who: 'world' } })]);

    noetl.status = { completed: false, failed: true, current_step: 'boom' };
    const failed = await runCli(['execution', 'status', EXECUTION_ID], { env });
    expect(failed.stdout).toMatch(/status\s+failed/);

    expect((await runCli(['auth', 'logout'], { env })).code).toBe(0);
    const after = await runCli(['run', 'regression_test/hello_world'], { env: { ...env, NOETL_GATEWAY_URL: gateway } });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('not logged in');
  });

  it('a token from another issuer is refused at login (exit 1), and nothing is stored', async () => {
    const other = await startDeviceServer({ polls: [], sign: { audience: AUDIENCE, claims: { sub: 'auth0|eve', email: 'eve@example.com' } } });
    try {
      const home = mkdtempSync(join(tmpdir(), 'noetl-gw-cli-'));
      const fresh = { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
      const mem = memIO();
      const err = await runAuthLogin(
        { gateway, auth0Domain: other.url, clientId: 'cli-app', audience: AUDIENCE, output: 'table' },
        { io: mem.io, env: fresh, info: () => {}, warn: () => {}, now: () => new Date(), sleep: async () => {} },
      ).catch((e: unknown) => e);
      expect((err as { code: string }).code).toBe('unauthenticated');
      expect((await runCli(['auth', 'status'], { env: fresh })).code).toBe(1);
    } finally {
      await other.close();
    }
  });
});
