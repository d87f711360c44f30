import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskUrl } from '../../src/backends/sql/connect.js';
import { loadConfigFile, resolveConnection } from '../../src/cli/config.js';

function thrown(fn: () => unknown): { message: string; code: string } {
  try {
    fn();
  } catch (err) {
    return { message: (err as Error).message, code: (err as { code: string }).code };
  }
  throw new Error('expected a failure');
}

function home(config?: string): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-cfg-'));
  if (config !== undefined) {
    mkdirSync(join(dir, 'noetl'), { recursive: true });
    writeFileSync(join(dir, 'noetl', 'config.yaml'), config);
  }
  return { HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: join(dir, 'data') };
}

describe('connection precedence: flag > environment > config file > embedded', () => {
  it('defaults to the embedded database under $XDG_DATA_HOME/noetl/db', () => {
    const env = home();
    expect(resolveConnection({}, env)).toEqual({ backend: 'embedded', dataDir: join(env.XDG_DATA_HOME!, 'noetl', 'db'), schema: 'noetl', source: 'default' });
  });

  it('takes the config file over the default, the environment over the file, and the flag over all', () => {
    const env = home('database_url: postgres://file/db\n');
    expect(resolveConnection({}, env)).toMatchObject({ backend: 'postgres', connectionString: 'postgres://file/db', source: 'config file' });
    env.PGHOST = 'pghost';
    const fromPg = resolveConnection({}, env);
    expect(fromPg).toMatchObject({ backend: 'postgres', source: 'PGHOST' });
    expect(fromPg).not.toHaveProperty('connectionString');
    env.NOETL_DATA_DIR = '/env/db';
    expect(resolveConnection({}, env)).toMatchObject({ backend: 'embedded', dataDir: '/env/db', source: 'NOETL_DATA_DIR' });
    env.NOETL_DATABASE_URL = 'postgres://env/db';
    expect(resolveConnection({}, env)).toMatchObject({ backend: 'postgres', connectionString: 'postgres://env/db' });
    expect(resolveConnection({ dataDir: '/flag/db' }, env)).toMatchObject({ backend: 'embedded', dataDir: '/flag/db', source: '--data-dir' });
    expect(resolveConnection({ databaseUrl: 'postgres://flag/db' }, env)).toMatchObject({ connectionString: 'postgres://flag/db', source: '--database-url' });
  });

  it('honours NOETL_SCHEMA and refuses a schema name that is not an identifier', () => {
    expect(resolveConnection({}, { ...home(), NOETL_SCHEMA: 'auth_plane' }).schema).toBe('auth_plane');
    expect(() => resolveConnection({}, { ...home(), NOETL_SCHEMA: 'x"; drop' })).toThrow(/is not a plain SQL identifier/);
  });

  it('refuses both --database-url and --data-dir, and a config file that is not a mapping', () => {
    expect(() => resolveConnection({ databaseUrl: 'postgres://a/b', dataDir: '/d' }, home())).toThrow(/give one of them/);
    expect(() => resolveConnection({}, home('- a\n- b\n'))).toThrow(/must be a mapping/);
    expect(() => resolveConnection({}, home('key: [unclosed\n'))).toThrow(/is not valid YAML/);
  });

  it('refuses an empty --data-dir or --database-url instead of falling back to the next setting', () => {
    const env = { ...home(), NOETL_DATABASE_URL: 'postgres://env/db' };
    expect(thrown(() => resolveConnection({ dataDir: '' }, env))).toEqual({ code: 'invalid', message: '--data-dir is empty: give a directory, or leave the flag out for the default' });
    expect(thrown(() => resolveConnection({ databaseUrl: ' ' }, env))).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^--database-url is empty/) });
  });

  it('refuses a connection URL that is not a postgres:// URL, saying what is wrong without echoing it', () => {
    const env = home();
    expect(thrown(() => resolveConnection({ databaseUrl: 'not a url' }, env))).toEqual({
      code: 'invalid',
      message: '--database-url is not a URL: give postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE',
    });
    const mysql = thrown(() => resolveConnection({ databaseUrl: 'mysql://app:hunter2@db/app' }, env));
    expect(mysql.code).toBe('invalid');
    expect(mysql.message).toMatch(/^--database-url is a mysql: URL, not PostgreSQL: give postgres:\/\//);
    expect(mysql.message).not.toContain('hunter2');
    expect(thrown(() => resolveConnection({}, { ...env, NOETL_DATABASE_URL: 'http://x/y' })).message).toMatch(/^NOETL_DATABASE_URL is a http: URL/);
    expect(thrown(() => resolveConnection({}, home('database_url: localhost:5432\n'))).message).toMatch(/^database_url in the config file is a localhost: URL/);
    expect(resolveConnection({ databaseUrl: 'postgresql://u:p@h:5433/db?sslmode=require' }, env)).toMatchObject({ backend: 'postgres' });
  });

  it('warns about an unknown config key (a typo is not silently ignored), and refuses it when strict', () => {
    const env = home('databse_url: postgres://file/db\n');
    const path = join(env.XDG_CONFIG_HOME!, 'noetl', 'config.yaml');
    const warnings: string[] = [];
    expect(loadConfigFile(env, { warn: (m) => warnings.push(m) })).toEqual({ databse_url: 'postgres://file/db' });
    expect(warnings).toEqual([`config file ${path}: unknown key 'databse_url' (did you mean database_url?); it is ignored`]);
    const strict = thrown(() => loadConfigFile(env, { strict: true }));
    expect(strict.code).toBe('invalid');
    expect(strict.message).toBe(`config file ${path}: unknown key 'databse_url' (did you mean database_url?): fix or remove it (strict mode refuses unknown keys; known: database_url, data_dir, schema, key_file, strict, require_sealed, current_context, contexts)`);
    // strict: true in the file itself is strict too.
    expect(thrown(() => loadConfigFile(home('strict: true\nkeyfile: /k\n'))).message).toMatch(/unknown key 'keyfile' \(did you mean key_file\?\): fix or remove it/);
    expect(thrown(() => loadConfigFile(home('data_dir: 5\n'))).message).toMatch(/: data_dir must be a non-empty string; fix or remove it$/);
    expect(thrown(() => loadConfigFile(home('strict: yes please\n'))).message).toMatch(/: strict must be true or false; fix or remove it$/);
  });

  it('masks the password of a connection URL', () => {
    expect(maskUrl('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(maskUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
  });
});
