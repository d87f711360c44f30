import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuthLogin } from '../../src/cli/auth/login.js';
import { NoetlError } from '../../src/core/errors.js';
import { runCli } from '../helpers/cli.js';
import { memIO } from '../helpers/memio.js';
import { startDeviceServer } from './device-server.js';
import { startStandInGateway, type StandInGateway } from './stand-in-gateway.js';

/** A fresh HOME and config folder; no OS keyring, so the session goes to the 0600 file. */
function freshEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'noetl-auth-'));
  return { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), NO_COLOR: '1', NOETL_KEYRING: 'off', ...extra };
}

function tokenFile(token: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'noetl-auth0-')), 'auth0.token');
  writeFileSync(path, `${token}\n`);
  return path;
}

describe('noetl auth login/status/token/logout with --auth0-token', () => {
  let gw: StandInGateway;
  beforeAll(async () => {
    gw = await startStandInGateway();
  });
  afterAll(() => gw.close());

  it('logs in, keeps the session for the context (0600 file, said once), and run uses it; logout ends it on the gateway too', async () => {
    const env = freshEnv();
    const login = await runCli(['auth', 'login', '--gateway', gw.url, '--auth0-token', `@${tokenFile('auth0-good')}`], { env });
    expect(login.stderr).toContain(`Logged in as ada@example.com (developer) at ${gw.url}`);
    expect(login.code).toBe(0);
    expect(login.stdout).toBe('');
    expect(login.stderr.match(/warning: the OS keyring is off \(NOETL_KEYRING\): the session of context 'default' is stored in \S+ \(mode 0600\)/g)).toHaveLength(1);
    const secrets = join(env.XDG_CONFIG_HOME!, 'noetl', 'secrets', 'session');
    expect(readdirSync(secrets)).toEqual(['default']);
    expect(statSync(join(secrets, 'default')).mode & 0o777).toBe(0o600);
    const token = [...gw.sessions].at(-1)!;
    expect(login.stderr).not.toContain(token);

    const status = await runCli(['auth', 'status'], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/user\s+ada@example.com/);
    expect(status.stdout).toMatch(/roles\s+developer/);
    expect(status.stdout).toMatch(/expires\s+2099-01-01T08:00:00Z/);
    expect(status.stdout).not.toContain(token);

    const hidden = await runCli(['auth', 'token'], { env });
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toBe('error: the session token is a secret: use --reveal to print it\n');
    const shown = await runCli(['auth', 'token', '--reveal'], { env });
    expect(shown).toMatchObject({ code: 0, stdout: `${token}\n` });

    const run = await runCli(['run', 'regression_test/hello_world'], { env });
    expect(run.code).toBe(0);
    expect(gw.executed.at(-1)).toMatchObject({ name: 'regression_test/hello_world', token });

    const logout = await runCli(['-o', 'json', 'auth', 'logout'], { env });
    expect(logout.code).toBe(0);
    expect(JSON.parse(logout.stdout)).toEqual({ context: 'default', gateway: gw.url, ended_on_gateway: true, forgotten: true });
    expect(gw.sessions.has(token)).toBe(false);
    expect(readdirSync(secrets)).toEqual([]);
    const after = await runCli(['auth', 'status'], { env });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/not logged in to a gateway \(context 'default'\): run `noetl auth login --gateway URL`/);
  });

  it('status is exit 1 when the gateway no longer knows the session; logins are per context', async () => {
    const env = freshEnv();
    expect((await runCli(['--context', 'prod', 'auth', 'login', '--gateway', gw.url, '--auth0-token', '-'], { env, input: 'auth0-good\n' })).code).toBe(0);
    expect((await runCli(['auth', 'status'], { env })).code).toBe(1);
    expect((await runCli(['--context', 'prod', 'auth', 'status'], { env })).code).toBe(0);
    gw.sessions.clear();
    const ended = await runCli(['--context', 'prod', 'auth', 'status'], { env });
    expect(ended.code).toBe(1);
    expect(ended.stderr).toMatch(/the session of context 'prod' is no longer valid .*: run `noetl auth login`/);
  });

  it('refuses an inline token (exit 2), a token the gateway rejects (exit 1), and nothing to log in with (exit 2)', async () => {
    const env = freshEnv();
    const inline = await runCli(['auth', 'login', '--gateway', gw.url, '--auth0-token', 'eyJhbGciOi'], { env });
    expect(inline.code).toBe(2);
    expect(inline.stderr).toContain('refusing --auth0-token given inline');
    const bad = await runCli(['auth', 'login', '--gateway', gw.url, '--auth0-token', `@${tokenFile('auth0-forged')}`], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: gateway login failed (HTTP 401): invalid Auth0 token\n');
    const nothing = await runCli(['auth', 'login', '--gateway', gw.url], { env });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('--auth0-domain and --client-id');
  });
});

describe('noetl auth login: the device authorization flow (RFC 8628)', () => {
  function clocked() {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const slept: number[] = [];
    return { slept, now: () => new Date(now), sleep: async (ms: number) => void (slept.push(ms), (now += ms)) };
  }

  it('shows the code, polls at the interval (5 s more after slow_down) and logs in with the token it gets', async () => {
    const gw = await startStandInGateway({ auth0Token: 'auth0-from-device' });
    const issuer = await startDeviceServer({ polls: ['authorization_pending', 'slow_down', 'authorization_pending'], accessToken: 'auth0-from-device', interval: 2 });
    try {
      const env = freshEnv();
      const mem = memIO();
      const clock = clocked();
      await runAuthLogin(
        { gateway: gw.url, auth0Domain: issuer.url, clientId: 'cli-app', audience: 'https://noetl/api', output: 'table' },
        { io: mem.io, env, info: (m) => mem.io.stderr.write(`${m}\n`), warn: () => {}, ...clock },
      );
      expect(mem.stderr()).toContain('! First copy your one-time code: WDJB-MJHT');
      expect(mem.stderr()).toContain(`Then open ${issuer.url}/activate?user_code=WDJB-MJHT in a browser`);
      expect(mem.stderr()).toContain('Logged in as ada@example.com');
      expect(clock.slept).toEqual([2000, 2000, 7000, 7000]);
      expect(issuer.requests[0]).toEqual({ path: '/oauth/device/code', form: { client_id: 'cli-app', scope: 'openid profile email', audience: 'https://noetl/api' } });
      expect(issuer.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(4);
      expect(gw.sessions.size).toBe(1);
    } finally {
      await Promise.all([gw.close(), issuer.close()]);
    }
  });

  it('an expired_token answer, or the code running out on the clock, is exit 5; a denial is exit 1', async () => {
    const gw = await startStandInGateway();
    const servers = await Promise.all([
      startDeviceServer({ polls: ['authorization_pending', 'expired_token'], accessToken: 'x', interval: 1 }),
      startDeviceServer({ polls: Array(100).fill('authorization_pending'), accessToken: 'x', interval: 5, expiresIn: 12 }),
      startDeviceServer({ polls: ['access_denied'], accessToken: 'x', interval: 1 }),
    ]);
    try {
      const outcomes = [];
      for (const issuer of servers) {
        const err = await runAuthLogin(
          { gateway: gw.url, auth0Domain: issuer.url, clientId: 'cli-app', output: 'table' },
          { io: memIO().io, env: freshEnv(), info: () => {}, warn: () => {}, ...clocked() },
        ).catch((e: unknown) => e);
        outcomes.push([(err as NoetlError).code, (err as NoetlError).message]);
      }
      expect(outcomes).toEqual([
        ['expired', 'the device code expired before the login was approved'],
        ['expired', 'the device code expired before the login was approved'],
        ['forbidden', 'the login was denied in the browser'],
      ]);
      expect(servers[1].requests.filter((r) => r.path === '/oauth/token')).toHaveLength(3);
      expect(gw.sessions.size).toBe(0);
    } finally {
      await Promise.all([gw.close(), ...servers.map((s) => s.close())]);
    }
  });

  it('an unknown client id is refused with what to check', async () => {
    const issuer = await startDeviceServer({ polls: [], accessToken: 'x' });
    try {
      const r = await runCli(['auth', 'login', '--gateway', 'http://127.0.0.1:1', '--auth0-domain', issuer.url, '--client-id', 'nope'], { env: freshEnv() });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('refused to start a login (HTTP 401): Unknown client.: check --auth0-domain and --client-id');
    } finally {
      await issuer.close();
    }
  });
});
