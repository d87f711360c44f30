import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../src/cli/auth/gateway.js';
import { CommandExit } from '../../src/cli/exit-codes.js';
import { runRun } from '../../src/cli/run/run.js';
import { runCli } from '../helpers/cli.js';
import { memIO } from '../helpers/memio.js';
import { startStandInGateway, type StandInGateway } from './stand-in-gateway.js';

const SESSION = 'noetl-session-test';

/** An environment with nothing of the caller's NOETL_* settings, and the session token. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'noetl-run-'));
  return { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), NO_COLOR: '1', NOETL_KEYRING: 'off', ...extra };
}

describe('noetl run / execution status against a GraphQL gateway', () => {
  let gw: StandInGateway;
  beforeAll(async () => {
    gw = await startStandInGateway({ script: ['completed'], forbidden: ['secret/payroll'] });
    gw.sessions.add(SESSION);
  });
  afterAll(() => gw.close());

  it('starts a playbook with --vars and --var (the flag wins) and prints the execution id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'noetl-vars-'));
    writeFileSync(join(dir, 'w.yaml'), 'query: from file\nlimit: 5\n');
    const r = await runCli(['run', 'api_integration/amadeus_ai_api', '--vars', `@${join(dir, 'w.yaml')}`, '--var', 'query=Flight from SFO to JFK', '--gateway', gw.url], { env: env({ NOETL_SESSION_TOKEN: SESSION }) });
    expect(r.stderr).toContain('started api_integration/amadeus_ai_api');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\n$/);
    const call = gw.executed.at(-1)!;
    expect(call).toEqual({ name: 'api_integration/amadeus_ai_api', variables: { query: 'Flight from SFO to JFK', limit: 5 }, token: SESSION });
  });

  it('--wait follows the execution to its end: exit 0 and, with -o json, the result with 64-bit integers exact', async () => {
    const r = await runCli(['-o', 'json', 'run', 'regression_test/hello_world', '--wait'], { env: env({ NOETL_SESSION_TOKEN: SESSION, NOETL_GATEWAY_URL: gw.url }) });
    expect(r.stderr).toContain('completed');
    expect(r.code).toBe(0);
    const final = JSON.parse(r.stdout);
    expect(final).toMatchObject({ status: 'completed', result: { rows: 3, big: '9007199254740993' } });
  });

  it('refuses without a session (exit 1) and with a session the gateway does not know (exit 1, says to log in)', async () => {
    const none = await runCli(['run', 'regression_test/hello_world', '--gateway', gw.url], { env: env() });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/not logged in.*noetl auth login/);
    const stale = await runCli(['run', 'regression_test/hello_world', '--gateway', gw.url], { env: env({ NOETL_SESSION_TOKEN: 'noetl-session-gone' }) });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/HTTP 401.*noetl auth login/);
    expect(stale.stderr).not.toContain('noetl-session-gone');
  });

  it('a GraphQL error (no execute access) is one line and exit 1; no gateway given is exit 2', async () => {
    const denied = await runCli(['run', 'secret/payroll', '--gateway', gw.url], { env: env({ NOETL_SESSION_TOKEN: SESSION }) });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe('error: the gateway refused it: access denied: no execute permission on secret/payroll\n');
    const nowhere = await runCli(['run', 'x/y'], { env: env({ NOETL_SESSION_TOKEN: SESSION }) });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('--gateway');
  });

  it('an unreachable gateway is exit 1 naming it', async () => {
    const r = await runCli(['run', 'x/y', '--gateway', 'http://127.0.0.1:1'], { env: env({ NOETL_SESSION_TOKEN: SESSION }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach the gateway at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
  });

  it('execution status prints id, status and result; an unknown execution is exit 3', async () => {
    const r = await runCli(['execution', 'status', '42', '--gateway', gw.url], { env: env({ NOETL_SESSION_TOKEN: SESSION }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/status\s+completed/);
    const missing = await runCli(['execution', 'status', 'missing', '--gateway', gw.url], { env: env({ NOETL_SESSION_TOKEN: SESSION }) });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("execution 'missing' not found");
  });
});

describe('runRun --wait: backoff and timeout on an injected clock', () => {
  function clocked() {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const slept: number[] = [];
    return { slept, now: () => new Date(now), sleep: async (ms: number) => void (slept.push(ms), (now += ms)) };
  }

  it('polls with a growing interval and exits 1 when the execution fails', async () => {
    const gw = await startStandInGateway({ script: ['running', 'running', 'running', 'failed'] });
    gw.sessions.add(SESSION);
    try {
      const clock = clocked();
      const mem = memIO();
      const err = await runRun(
        { playbook: 'etl/daily', vars: [], wait: true, timeoutSeconds: 600, output: 'table' },
        { io: mem.io, gateway: async () => new Gateway(new URL(gw.url), SESSION), info: () => {}, ...clock },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandExit);
      expect((err as CommandExit).exitCode).toBe(1);
      expect((err as CommandExit).message).toMatch(/^execution \d+ failed$/);
      expect(clock.slept).toEqual([500, 750, 1125]);
      expect(gw.polls).toBe(4);
    } finally {
      await gw.close();
    }
  });

  it('gives up after --timeout with exit 1 and says how to follow it', async () => {
    const gw = await startStandInGateway({ script: ['running'] });
    gw.sessions.add(SESSION);
    try {
      const clock = clocked();
      const err = await runRun(
        { playbook: 'etl/daily', vars: [], wait: true, timeoutSeconds: 5, output: 'table' },
        { io: memIO().io, gateway: async () => new Gateway(new URL(gw.url), SESSION), info: () => {}, ...clock },
      ).catch((e: unknown) => e);
      expect((err as CommandExit).exitCode).toBe(1);
      expect((err as CommandExit).message).toMatch(/still running after 5s: follow it with `noetl execution status \d+`/);
      expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(5000);
    } finally {
      await gw.close();
    }
  });
});
