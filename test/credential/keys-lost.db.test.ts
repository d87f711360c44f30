import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyFingerprint } from '../../src/backends/sql/keys.js';
import { testBackend } from '../helpers/backend.js';
import { runCli, testCliEnv } from '../helpers/cli.js';

function pgData(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'noetl-pg-')), 'pg.json');
  writeFileSync(file, JSON.stringify({ db_host: 'db', db_port: 5432, db_user: 'app', db_password: 'Tr0ub4dor&3', db_name: 'app' }));
  return `@${file}`;
}

const add = (name: string, data: string, ...flags: string[]) => [...flags, 'credential', 'add', name, '--type', 'postgres', '--data', data];

async function names(env: NodeJS.ProcessEnv): Promise<string[]> {
  const r = await runCli(['credential', 'ls', '-o', 'json'], { env });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { name: string }[]).map((c) => c.name).sort();
}

describe.runIf(testBackend() === 'embedded')('a lost generated master key is never silently replaced', () => {
  it('refuses to read or write while sealed records need the missing key, naming it and where it was expected', async () => {
    const env: NodeJS.ProcessEnv = { ...(await testCliEnv({ noKey: true })), NOETL_KEYRING: 'off' };
    const data = pgData();
    const first = await runCli(add('pg_prod', data), { env });
    expect(first.code, first.stderr).toBe(0);
    const keyPath = join(env.XDG_CONFIG_HOME!, 'noetl', 'master.key');
    const kv = keyFingerprint(Buffer.from(readFileSync(keyPath, 'utf8').trim(), 'base64'));
    renameSync(keyPath, `${keyPath}.moved`);

    const expected = `no master key found, but 1 sealed record(s) in this database need one: key generated:noetl version ${kv} (1 record(s), e.g. credential 'pg_prod') expected in ${keyPath}; no new key was generated and nothing was written; restore it there, or give it in NOETL_ENCRYPTION_KEY or a key file: use --key-file FILE or NOETL_ENCRYPTION_KEY_FILE`;
    const read = await runCli(['credential', 'get', 'pg_prod'], { env });
    expect(read.code).toBe(2);
    expect(read.stderr).toBe(`error: ${expected}\n`);
    const write = await runCli(add('pg_other', data), { env });
    expect(write.code).toBe(2);
    expect(write.stderr).toBe(`error: ${expected}\n`);
    expect(existsSync(keyPath)).toBe(false);
    expect(await names(env)).toEqual(['pg_prod']);

    renameSync(`${keyPath}.moved`, keyPath);
    const restored = await runCli(['credential', 'get', 'pg_prod', '--field', 'db_password', '--reveal'], { env });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toBe('Tr0ub4dor&3');
  });
});

describe(`a master key that opens none of the sealed records (${testBackend()})`, () => {
  // A dozen CLI runs on a new database: minutes on a loaded machine.
  it('is refused for writing unless --allow-new-key; a reader without a key is told to give the key, not to make one', { timeout: 180_000 }, async () => {
    const env = await testCliEnv();
    const data = pgData();
    const kv = keyFingerprint(Buffer.from(env.NOETL_ENCRYPTION_KEY!, 'base64'));
    expect((await runCli(add('pg_prod', data), { env })).code).toBe(0);

    const other = randomBytes(32).toString('base64');
    const otherEnv = { ...env, NOETL_ENCRYPTION_KEY: other };
    const refused = await runCli(add('pg_other', data), { env: otherEnv });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `error: the master key from NOETL_ENCRYPTION_KEY (version ${keyFingerprint(Buffer.from(other, 'base64'))}) opens none of the 1 sealed record(s) in this database, which need key env:NOETL_ENCRYPTION_KEY version ${kv} (1 record(s), e.g. credential 'pg_prod') expected in NOETL_ENCRYPTION_KEY; nothing was written; give that key instead, or write with this one anyway: use --allow-new-key\n`,
    );
    expect(await names(env)).toEqual(['pg_prod']);

    const allowed = await runCli(add('pg_other', data, '--allow-new-key'), { env: otherEnv });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/^warning: the master key from NOETL_ENCRYPTION_KEY .* opens none of the 1 sealed record\(s\) .*; writing with it anyway, as allowed: those records stay unreadable with this key\n/);
    // The right key still writes: it opens its own records.
    expect((await runCli(add('pg_third', data), { env })).code).toBe(0);
    expect(await names(env)).toEqual(['pg_other', 'pg_prod', 'pg_third']);

    const { NOETL_ENCRYPTION_KEY: _key, ...keyless } = env;
    const reader = await runCli(['credential', 'get', 'pg_prod'], { env: { ...keyless, NOETL_KEYRING: 'off' } });
    expect(reader.code).toBe(2);
    expect(reader.stderr).toMatch(/^error: no master key found, but 3 sealed record\(s\) in this database need one: key env:NOETL_ENCRYPTION_KEY version \w+ \(2 record\(s\), e\.g\. credential 'pg_prod'\) expected in NOETL_ENCRYPTION_KEY; key env:NOETL_ENCRYPTION_KEY version \w+ \(1 record\(s\), e\.g\. credential 'pg_other'\) expected in NOETL_ENCRYPTION_KEY; no new key was generated and nothing was written; restore it there, or give it in NOETL_ENCRYPTION_KEY or a key file: use --key-file FILE or NOETL_ENCRYPTION_KEY_FILE\n$/);
    expect(reader.stderr).not.toMatch(/openssl rand|random/);
    for (const r of [refused, allowed, reader]) {
      expect(r.stderr).not.toContain(env.NOETL_ENCRYPTION_KEY!);
      expect(r.stderr).not.toContain(other);
    }
  });
});
