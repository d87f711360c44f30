import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskUrl, resolveConnection } from '../../src/store/config.js';

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

  it('masks the password of a connection URL', () => {
    expect(maskUrl('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(maskUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
  });
});
