import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { CLIENT_SECRET, renewConfig, startOAuthServer, startTokenServer } from './fixtures.js';

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.cli-payload-secret.sig';
const PB = 'integrations/travel_booking';
const EXEC = '518508477736551392';

describe('noetl keychain', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let catalogId: string;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return `@${path}`;
  };

  beforeAll(async () => {
    env = await testCliEnv({ agent: true });
    dir = mkdtempSync(join(tmpdir(), 'noetl-keychain-'));
    file('pb.yaml', `apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: t\n  path: ${PB}\n`);
    const reg = await runCli(['catalog', 'register', join(dir, 'pb.yaml')], { env });
    catalogId = reg.stdout.trim();
  });

  it('sets, gets (masked, --reveal, --field), lists without values, and deletes', async () => {
    const data = file('token.json', { access_token: SECRET, token_type: 'Bearer' });
    const set = await runCli(['keychain', 'set', 'amadeus_token', '--playbook', PB, '--data', data, '--ttl', '30m', '-o', 'json'], { env });
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ status: 'success', cache_key: `amadeus_token:${catalogId}:global`, ttl_seconds: 1800 });

    const get = await runCli(['keychain', 'get', 'amadeus_token', '--playbook', PB, '-o', 'json'], { env });
    expect(get.code).toBe(0);
    expect(get.stdout).not.toContain('cli-payload-secret');
    expect(JSON.parse(get.stdout)).toMatchObject({ status: 'success', catalog_id: catalogId, access_count: 1, expired: false });

    const field = await runCli(['keychain', 'get', 'amadeus_token', '--catalog-id', catalogId, '--field', 'access_token', '--reveal'], { env });
    expect(field).toMatchObject({ code: 0, stdout: SECRET });

    const stdin = await runCli(['keychain', 'set', 'from_stdin', '--playbook', PB, '--data', '-'], { env, input: '{"api_key": "k-123456789"}' });
    expect(stdin.code).toBe(0);

    const ls = await runCli(['keychain', 'ls', '--playbook', PB], { env });
    expect(ls.code).toBe(0);
    expect(ls.stdout).not.toContain('cli-payload-secret');
    expect(ls.stdout.split('\n')[0]).toBe('NAME\tSCOPE\tCACHE KEY\tTYPE\tSTATUS\tEXPIRES\tAUTO-RENEW\tACCESSES');
    expect(ls.stdout).toMatch(new RegExp(`amadeus_token\tglobal\tamadeus_token:${catalogId}:global\tstatic\tvalid\tin (29|30)m\tno\t2`));
    // An inherited property is not a field.
    const inherited = await runCli(['keychain', 'get', 'amadeus_token', '--catalog-id', catalogId, '--field', 'toString', '--reveal'], { env });
    expect(inherited.code).toBe(3);
    expect(inherited.stderr).toContain("has no field 'toString'");

    const rm = await runCli(['keychain', 'rm', 'amadeus_token', 'from_stdin', '--playbook', PB, '--yes'], { env });
    expect(rm.code).toBe(0);
    const gone = await runCli(['keychain', 'get', 'amadeus_token', '--playbook', PB], { env });
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain("KEYCHAIN: Entry 'amadeus_token' not found");
  });

  it('exits 5 for an expired entry and never prints its data', async () => {
    await runCli(['keychain', 'set', 'short', '--playbook', PB, '--data', file('short.json', { access_token: SECRET }), '--ttl', '90s'], { env });
    const later = { ...env, NOETL_NOW: new Date(Date.now() + 2 * 3600_000).toISOString() };
    const get = await runCli(['keychain', 'get', 'short', '--playbook', PB, '-o', 'json'], { env: later });
    expect(get.code).toBe(5);
    expect(JSON.parse(get.stdout)).toMatchObject({ status: 'expired', expired: true, auto_renew: false });
    expect(get.stdout + get.stderr).not.toContain('cli-payload-secret');
    expect(get.stderr).toMatch(/KEYCHAIN: Entry 'short' expired (1h|2h) ago/);
    const ls = await runCli(['keychain', 'ls', '--expired'], { env: later });
    // Marked in a column of its own, in words.
    expect(ls.stdout).toMatch(/short\tglobal\t.*\tstatic\texpired\texpired (1h|2h) ago\tno\t0/);
  });

  it('checks scope flags up front, naming the conflict (exit 2)', async () => {
    const data = file('d.json', { a: 1 });
    const cases: [string[], RegExp][] = [
      [['keychain', 'set', 'x', '--playbook', PB, '--data', data, '--scope', 'local'], /--scope local needs --execution/],
      [['keychain', 'get', 'x', '--playbook', PB, '--scope', 'shared'], /--scope shared needs --execution/],
      [['keychain', 'get', 'x', '--playbook', PB, '--execution', EXEC], /--execution conflicts with --scope global/],
      [['keychain', 'get', 'x', '--playbook', PB, '--scope', 'catalog', '--execution', EXEC], /--execution conflicts with --scope catalog/],
      [['keychain', 'get', 'x', '--playbook', PB, '--scope', 'local', '--execution', 'abc'], /--execution 'abc' is not a 64-bit number/],
      [['keychain', 'set', 'x', '--playbook', PB, '--data', '{"a":1}'], /^error: refusing --data given inline: command-line arguments leak into shell history/],
      [['keychain', 'set', 'x', '--playbook', PB, '--data', data, '--ttl', '5x'], /--ttl '5x' is not a duration/],
      [['keychain', 'get', 'x'], /--playbook PATH\[@VERSION\] or --catalog-id ID/],
      [['keychain', 'rm', 'x', '--playbook', PB], /needs confirmation: add --yes/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { env });
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    const unknown = await runCli(['keychain', 'get', 'x', '--playbook', 'nope/nope'], { env });
    expect(unknown.code).toBe(3);
  });

  it('keeps local and shared entries to their execution (tree)', async () => {
    const data = file('s.json', { v: 1 });
    expect((await runCli(['keychain', 'set', 'sess', '--playbook', PB, '--scope', 'local', '--execution', EXEC, '--data', data], { env })).code).toBe(0);
    expect((await runCli(['keychain', 'set', 'ctx', '--playbook', PB, '--scope', 'shared', '--execution', EXEC, '--data', data], { env })).code).toBe(0);
    const own = await runCli(['keychain', 'get', 'sess', '--playbook', PB, '--scope', 'local', '--execution', EXEC], { env });
    expect(own.code).toBe(0);
    const other = await runCli(['keychain', 'get', 'sess', '--playbook', PB, '--scope', 'local', '--execution', '42'], { env });
    expect(other.code).toBe(3);
    expect(other.stderr).toContain(`--scope local --execution ${EXEC}`);
    const child = await runCli(['keychain', 'get', 'ctx', '--playbook', PB, '--scope', 'shared', '--execution', '43', '--root-execution', EXEC], { env });
    expect(child.code).toBe(0);
    const json = await runCli(['keychain', 'ls', '--scope', 'shared', '-o', 'json'], { env });
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ cache_key: `ctx:${catalogId}:shared:${EXEC}`, parent_execution_id: EXEC })]);
  });

  it('purges expired entries and reports the count', async () => {
    for (const name of ['old_a', 'old_b', 'old_c']) {
      await runCli(['keychain', 'set', name, '--playbook', PB, '--data', file(`${name}.json`, { a: 1 }), '--ttl', '60s'], { env });
    }
    const later = { ...env, NOETL_NOW: new Date(Date.now() + 8 * 86400_000).toISOString() };
    const notOldEnough = await runCli(['keychain', 'rm', '--expired', '--older-than', '30d', '--yes', '-o', 'json'], { env: later });
    expect(JSON.parse(notOldEnough.stdout)).toMatchObject({ deleted: 0 });
    const purge = await runCli(['keychain', 'rm', '--expired', '--older-than', '7d', '--yes'], { env: later });
    expect(purge.code).toBe(0);
    expect(purge.stderr).toMatch(/deleted [3-9] expired keychain entries/);
    const stats = await runCli(['keychain', 'stats', '-o', 'json'], { env: later });
    expect(JSON.parse(stats.stdout).expired).toBe(0);
  });
});

describe('noetl keychain renewal', () => {
  let oauth: Awaited<ReturnType<typeof startOAuthServer>>;
  beforeAll(async () => {
    oauth = await startOAuthServer(300);
  });
  afterAll(async () => {
    await oauth.stop();
  });

  async function setup(secret: string) {
    const env = await testCliEnv();
    const dir = mkdtempSync(join(tmpdir(), 'noetl-renew-'));
    writeFileSync(join(dir, 'pb.yaml'), `kind: Playbook\nmetadata:\n  path: ${PB}\n`);
    writeFileSync(join(dir, 'token.json'), JSON.stringify({ access_token: 'old-token' }));
    writeFileSync(join(dir, 'renew.json'), JSON.stringify(renewConfig(oauth.tokenUrl, secret)));
    await runCli(['catalog', 'register', join(dir, 'pb.yaml')], { env });
    const set = await runCli(
      ['keychain', 'set', 'svc', '--playbook', PB, '--data', `@${join(dir, 'token.json')}`, '--ttl', '60s', '--auto-renew', '--renew-config', `@${join(dir, 'renew.json')}`],
      { env },
    );
    expect(set.code).toBe(0);
    return { env, later: { ...env, NOETL_NOW: new Date(Date.now() + 3600_000).toISOString() } };
  }

  it('renews an expired entry on get, and reports a 401 without the secret (exit 1)', async () => {
    const good = await setup(CLIENT_SECRET);
    const get = await runCli(['keychain', 'get', 'svc', '--playbook', PB, '--field', 'access_token', '--reveal'], { env: good.later });
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^eyJ/);

    const bad = await setup('wrong-secret-123');
    const failed = await runCli(['keychain', 'get', 'svc', '--playbook', PB], { env: bad.later });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe("error: KEYCHAIN: Failed to renew 'svc': HTTP 401 invalid_client\n");
    const renew = await runCli(['keychain', 'renew', 'svc', '--playbook', PB], { env: bad.env });
    expect(renew.code).toBe(1);
    expect(renew.stderr).toContain("KEYCHAIN: Failed to renew 'svc': HTTP 401 invalid_client");
    expect(renew.stderr).not.toContain('wrong-secret-123');
    // The old row is kept: still readable as expired, with --no-renew.
    const kept = await runCli(['keychain', 'get', 'svc', '--playbook', PB, '--no-renew', '-o', 'json'], { env: bad.later });
    expect(kept.code).toBe(5);
    expect(kept.stdout).not.toContain('wrong-secret-123');
  });

  it('renews once for concurrent processes', async () => {
    const server = await startTokenServer({ delayMs: 200 });
    try {
      const env = await testCliEnv();
      const dir = mkdtempSync(join(tmpdir(), 'noetl-storm-'));
      writeFileSync(join(dir, 'pb.yaml'), `kind: Playbook\nmetadata:\n  path: ${PB}\n`);
      writeFileSync(join(dir, 'token.json'), JSON.stringify({ access_token: 'old-token' }));
      writeFileSync(join(dir, 'renew.json'), JSON.stringify({ endpoint: server.url, data: { grant_type: 'client_credentials' } }));
      await runCli(['catalog', 'register', join(dir, 'pb.yaml')], { env });
      await runCli(
        ['keychain', 'set', 'storm', '--playbook', PB, '--data', `@${join(dir, 'token.json')}`, '--ttl', '60s', '--auto-renew', '--renew-config', `@${join(dir, 'renew.json')}`],
        { env },
      );
      const later = { ...env, NOETL_NOW: new Date(Date.now() + 3600_000).toISOString() };
      const results = await Promise.all(
        Array.from({ length: 6 }, () => runCli(['keychain', 'get', 'storm', '--playbook', PB, '--field', 'access_token', '--reveal', '--lock-timeout', '120s'], { env: later, timeoutMs: 120_000 })),
      );
      expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(new Set(results.map((r) => r.stdout)).size).toBe(1);
      expect(results[0].stdout).toMatch(/^token-1-/);
      expect(server.requests()).toBe(1);
    } finally {
      await server.stop();
    }
  });
});
