/**
 * The built CLI against planted rows and absurd input: a plaintext renew_config is used with
 * a warning, strict mode (flag, environment, config file) refuses unsealed rows, bounds are
 * one clear line with the documented exit code and no write, and decrypted content is never
 * quoted in an error.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMasterKey } from '../../src/core/envelope.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { withCliStore } from '../credential/cli-store.js';
import { sealText, startTokenServer } from './fixtures.js';

const PB = 'integrations/travel_booking';

describe('noetl and rows it did not seal, and input past its bounds', () => {
  let server: Awaited<ReturnType<typeof startTokenServer>>;
  let dir: string;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  /** A fresh CLI database with the playbook registered. */
  async function cliEnv(): Promise<NodeJS.ProcessEnv> {
    const env = await testCliEnv();
    expect((await runCli(['catalog', 'register', file('pb.yaml', `kind: Playbook\nmetadata:\n  path: ${PB}\n`)], { env })).code).toBe(0);
    return env;
  }
  const later = (env: NodeJS.ProcessEnv, hours: number) => ({ ...env, NOETL_NOW: new Date(Date.now() + hours * 3600_000).toISOString() });
  const setArgs = (name: string, renewConfig: unknown, ttl = '60s') => [
    'keychain', 'set', name, '--playbook', PB, '--data', `@${file('token.json', { access_token: 'old-token' })}`,
    '--ttl', ttl, '--auto-renew', '--renew-config', `@${file(`${name}-renew.json`, renewConfig)}`,
  ];

  beforeAll(async () => {
    server = await startTokenServer();
    dir = mkdtempSync(join(tmpdir(), 'noetl-trust-'));
  });
  afterAll(async () => {
    await server.stop();
  });

  it('uses a plaintext renew_config with a warning; --require-sealed, NOETL_REQUIRE_SEALED and require_sealed refuse unsealed rows', async () => {
    const env = await cliEnv();
    const renewConfig = { endpoint: server.url, data: { grant_type: 'client_credentials', client_secret: 'planted-secret' } };
    expect((await runCli(setArgs('svc', renewConfig), { env })).code).toBe(0);
    await withCliStore(env, async (store) => {
      await store.query(`UPDATE keychain SET renew_config = $1::jsonb`, [JSON.stringify(renewConfig)]);
      await store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ('42', 'planted', 'basic', '{"username":"u","password":"p"}')`);
    });

    const before = server.requests();
    const used = await runCli(['keychain', 'get', 'svc', '--playbook', PB, '--field', 'access_token', '--reveal'], { env: later(env, 1) });
    expect(used.code).toBe(0);
    expect(used.stdout).toMatch(/^token-\d+-/);
    expect(used.stderr).toMatch(/^warning: keychain entry 'svc' has a plaintext renew_config \(not sealed\): whoever can write the keychain table can send its renewal, and client secret, anywhere; a master key rotation \(credential rotate-key\) seals legacy rows, or refuse such rows in strict mode \(require_sealed\)\n$/);
    expect(server.requests()).toBe(before + 1);

    const byEnv = await runCli(['keychain', 'get', 'svc', '--playbook', PB], { env: { ...later(env, 3), NOETL_REQUIRE_SEALED: '1' } });
    expect(byEnv.code).toBe(1);
    expect(byEnv.stderr).toBe(
      "error: renew_config of keychain entry 'svc' is stored as plaintext, not sealed, and unsealed rows are refused (strict mode, require_sealed): run `noetl credential rotate-key` to seal legacy rows\n",
    );
    expect(byEnv.stdout).toBe('');
    expect(server.requests()).toBe(before + 1);

    const byFlag = await runCli(['--require-sealed', 'credential', 'get', 'planted'], { env });
    expect(byFlag.code).toBe(1);
    expect(byFlag.stderr).toMatch(/^error: credential 'planted' is stored as plaintext, not sealed, and unsealed rows are refused \(strict mode, require_sealed\)/);
    expect(byFlag.stdout + byFlag.stderr).not.toContain('"p"');

    mkdirSync(join(env.XDG_CONFIG_HOME!, 'noetl'), { recursive: true });
    writeFileSync(join(env.XDG_CONFIG_HOME!, 'noetl', 'config.yaml'), 'require_sealed: true\n');
    const byConfig = await runCli(['credential', 'get', 'planted'], { env });
    expect(byConfig.code).toBe(1);
    expect(byConfig.stderr).toMatch(/^error: credential 'planted' is stored as plaintext, not sealed/);
  });

  it('bounds timeout_seconds, plain http endpoints, expires_in and --timeout: one line, exit 2 (input) or 1 (renewal), nothing written', async () => {
    const env = await cliEnv();
    const hugeTimeout = await runCli(setArgs('svc', { endpoint: server.url, timeout_seconds: 4_294_968 }), { env });
    expect(hugeTimeout).toMatchObject({ code: 2, stderr: "error: renew_config of 'svc': timeout_seconds is 4294968, more than the 600 allowed\n" });
    const plainHttp = await runCli(setArgs('svc', { endpoint: 'http://auth.example.com/oauth/token' }), { env });
    expect(plainHttp.code).toBe(2);
    expect(plainHttp.stderr).toBe(
      "error: renew_config of 'svc': endpoint http://auth.example.com/oauth/token is plain http:// (credentials would cross the network in the clear): use https://, or set allow_insecure_http: true\n",
    );
    expect(JSON.parse((await runCli(['keychain', 'ls', '-o', 'json'], { env })).stdout)).toEqual([]);

    const absurd = await startTokenServer({ expiresIn: 1e20 });
    try {
      expect((await runCli(setArgs('svc', { endpoint: absurd.url }, '1h'), { env })).code).toBe(0);
      const renew = await runCli(['keychain', 'renew', 'svc', '--playbook', PB], { env });
      expect(renew.code).toBe(1);
      expect(renew.stderr).toBe(`error: KEYCHAIN: Failed to renew 'svc': response from ${absurd.url}: 'expires_in' is more than 315360000 s (10 years); nothing stored\n`);
      expect(absurd.requests()).toBe(1);
    } finally {
      await absurd.stop();
    }
    const tooLong = await runCli(['keychain', 'get', 'svc', '--playbook', PB, '--field', 'access_token', '--reveal', '--timeout', '50d'], { env });
    expect(tooLong).toMatchObject({ code: 2, stdout: '', stderr: 'error: --timeout is more than the 600s a token request may wait\n' });
  });

  it('never quotes decrypted content that is not JSON in an error', async () => {
    const env = await testCliEnv();
    expect((await runCli(['credential', 'add', 'stripe', '--type', 'api_key', '--data', `@${file('stripe.json', { api_key: 'x' })}`], { env })).code).toBe(0);
    const kek = masterKey(decodeMasterKey(env.NOETL_ENCRYPTION_KEY!, 'NOETL_ENCRYPTION_KEY'), 'env:NOETL_ENCRYPTION_KEY');
    await withCliStore(env, (store) => store.query(`UPDATE credential SET data_encrypted = $1 WHERE name = 'stripe'`, [sealText('sk_live_LEAKED_1234567890', kek)]));
    const get = await runCli(['credential', 'get', 'stripe', '--reveal'], { env });
    expect(get).toMatchObject({ code: 1, stdout: '', stderr: "error: credential 'stripe' could not be decrypted: the decrypted data is not JSON\n" });
  });
});
