import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';

/** Where the database is, set wrong: the built CLI says what is wrong in one line, exit 2, before opening anything. */
describe('the built CLI refuses a database setting it cannot use', () => {
  it('an empty --data-dir, a malformed or non-PostgreSQL --database-url', async () => {
    const env = await testCliEnv();
    const cases: [string[], string][] = [
      [['--data-dir', '', 'db', 'info'], 'error: --data-dir is empty: give a directory, or leave the flag out for the default\n'],
      [['--database-url', 'not a url', 'db', 'info'], 'error: --database-url is not a URL: give postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE\n'],
      [
        ['--database-url', 'mysql://app:hunter2@db:3306/app', 'db', 'info'],
        'error: --database-url is a mysql: URL, not PostgreSQL: give postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (noetl stores its data only in PostgreSQL or the embedded database)\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = await runCli(args, { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(stderr);
      expect(r.stdout).toBe('');
    }
  });

  it('connects where the PG* variables of its own environment say, not the process\'s', async () => {
    const { NOETL_DATA_DIR: _dir, NOETL_DATABASE_URL: _url, ...env } = await testCliEnv();
    // Nothing listens on port 1: pg reading process.env instead would go to localhost:5432.
    const r = await runCli(['credential', 'ls'], { env: { ...env, PGHOST: '127.0.0.1', PGPORT: '1', PGUSER: 'nobody', PGDATABASE: 'nowhere' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: cannot reach PostgreSQL at 127.0.0.1:1 (ECONNREFUSED): check that the server is running and that the database URL (option or NOETL_DATABASE_URL) or PGHOST/PGPORT point at it\n',
    );
  });

  it('warns about an unknown key in config.yaml, and refuses it with --strict', async () => {
    const env = await testCliEnv();
    const dir = join(env.XDG_CONFIG_HOME!, 'noetl');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.yaml'), 'databse_url: postgres://db.internal/noetl\n');
    const warned = await runCli(['db', 'info', '-o', 'json'], { env });
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toBe(`warning: config file ${join(dir, 'config.yaml')}: unknown key 'databse_url' (did you mean database_url?); it is ignored\n`);
    const strict = await runCli(['--strict', 'db', 'info'], { env });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/^error: config file .+: unknown key 'databse_url' \(did you mean database_url\?\): fix or remove it \(strict mode refuses unknown keys; known: .+\)\n$/);
  });
});

describe('the master key from key_file in config.yaml', () => {
  it('seals and opens with it (no key generated, none needed in the environment)', async () => {
    const env = await testCliEnv({ noKey: true });
    const dir = join(env.XDG_CONFIG_HOME!, 'noetl');
    mkdirSync(dir, { recursive: true });
    const keyFile = join(dir, 'from-config.key');
    writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    writeFileSync(join(dir, 'config.yaml'), `key_file: ${keyFile}\n`);
    const data = join(dir, 'tok.json');
    writeFileSync(data, JSON.stringify({ access_token: 'sekret' }));
    const added = await runCli(['credential', 'add', 'api', '--type', 'bearer', '--data', `@${data}`], { env });
    expect(added.code, added.stderr).toBe(0);
    const got = await runCli(['credential', 'get', 'api', '--reveal', '--field', 'access_token'], { env });
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe('sekret');
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
    // Another key cannot open it: the record was sealed with the configured one.
    const other = await runCli(['credential', 'get', 'api', '--reveal'], { env: { ...env, NOETL_ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
    expect(other.code).not.toBe(0);
  });
});

describe('inputs the built CLI reads only within a limit', () => {
  it('a config.yaml over 64 KiB is refused (exit 2); lint reads at most 4 MiB of stdin (exit 3, could not run)', async () => {
    const env = await testCliEnv();
    const dir = join(env.XDG_CONFIG_HOME!, 'noetl');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.yaml'), `# ${'x'.repeat(70 * 1024)}\n`);
    let r = await runCli(['db', 'info'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: config file .+config\.yaml is larger than 64 KiB, the limit for this input: nothing was read\n$/);
    r = await runCli(['lint', '-'], { env: { ...env, XDG_CONFIG_HOME: join(dir, 'none') }, input: `# ${'y'.repeat(5 * 1024 * 1024)}\n` });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('error: - (stdin) is larger than 4 MiB, the limit for this input: nothing was read\n');
  });
});
