// Which backend a command uses: flag > environment > context > config file > default, as
// kubectl and gh users expect; conflicting choices at one level are refused with one line.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveBackend, type BackendChoice } from '../../src/cli/config.js';
import { NoetlError } from '../../src/core/errors.js';

const CONFIG = `
current_context: remote
contexts:
  remote:
    server: http://ctx.example:8082/
  local:
    data_dir: /ctx/db
  pg:
    database_url: postgres://ctx/db
database_url: postgres://file/db
`;

function home(config?: string): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-precedence-'));
  const env = { HOME: dir, XDG_CONFIG_HOME: join(dir, '.config'), XDG_DATA_HOME: join(dir, '.local', 'share') };
  if (config !== undefined) {
    mkdirSync(join(env.XDG_CONFIG_HOME, 'noetl'), { recursive: true });
    writeFileSync(join(env.XDG_CONFIG_HOME, 'noetl', 'config.yaml'), config);
  }
  return env;
}

/** kind, where from, and where: the parts of a choice a user sees. */
function summary(choice: BackendChoice): string {
  return choice.kind === 'http'
    ? `http ${choice.serverUrl} ${choice.origin} ${choice.source}`
    : `${choice.connection.backend} ${choice.connection.backend === 'embedded' ? choice.connection.dataDir : choice.connection.connectionString} ${choice.origin} ${choice.connection.source}`;
}

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof NoetlError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('did not throw');
}

describe('backend precedence', () => {
  it('flag > environment > current context > PG* > config file > default', () => {
    const env = { ...home(CONFIG), NOETL_SERVER_URL: 'https://env.example', PGHOST: 'pghost' };
    expect(summary(resolveBackend({ server: 'http://flag.example:1' }, env))).toBe('http http://flag.example:1 flag --server');
    expect(summary(resolveBackend({ dataDir: '/flag/db' }, env))).toBe('embedded /flag/db flag --data-dir');
    expect(summary(resolveBackend({ context: 'pg' }, env))).toBe('postgres postgres://ctx/db context context pg');
    expect(summary(resolveBackend({}, env))).toBe('http https://env.example env NOETL_SERVER_URL');
    const { NOETL_SERVER_URL: _, ...withoutServerEnv } = env;
    expect(summary(resolveBackend({}, { ...withoutServerEnv, NOETL_DATA_DIR: '/env/db' }))).toBe('embedded /env/db env NOETL_DATA_DIR');
    // The current context wins over PG* (not noetl's own variables) and over database_url of the file.
    expect(summary(resolveBackend({}, withoutServerEnv))).toBe('http http://ctx.example:8082 context context remote');
    const noCurrent = home(CONFIG.replace('current_context: remote\n', ''));
    expect(summary(resolveBackend({}, { ...noCurrent, PGHOST: 'pghost' }))).toBe('postgres undefined env PGHOST');
    expect(summary(resolveBackend({}, noCurrent))).toBe('postgres postgres://file/db config config file');
    const empty = home();
    expect(summary(resolveBackend({}, empty))).toBe(`embedded ${join(empty.XDG_DATA_HOME!, 'noetl', 'db')} default default`);
  });

  it('names the context that chose, and sends a context its own token only (see the server test)', () => {
    const env = home(CONFIG);
    expect(resolveBackend({}, env)).toMatchObject({ kind: 'http', origin: 'context', context: 'remote', source: 'context remote' });
    expect(resolveBackend({ context: 'local' }, env)).toMatchObject({ kind: 'database', origin: 'context', context: 'local' });
    expect(resolveBackend({ server: 'http://other:1' }, env)).not.toHaveProperty('context');
  });

  it('refuses two choices at one level, and empty or malformed values', () => {
    const env = home(CONFIG);
    expect(thrown(() => resolveBackend({ server: 'http://a', databaseUrl: 'postgres://b/c' }, env))).toEqual({ code: 'invalid', message: '--server and --database-url name two different backends: give one of them' });
    expect(thrown(() => resolveBackend({ server: 'http://a', context: 'pg' }, env)).message).toBe('--server and --context name two different backends: give one of them');
    expect(thrown(() => resolveBackend({ databaseUrl: 'postgres://a/b', dataDir: '/d' }, env)).message).toBe('--database-url and --data-dir name two different databases: give one of them');
    expect(thrown(() => resolveBackend({}, { ...env, NOETL_SERVER_URL: 'http://a', NOETL_DATABASE_URL: 'postgres://b/c' })).message).toBe(
      'NOETL_SERVER_URL and NOETL_DATABASE_URL name two different backends: unset one of them (or choose with --server, --database-url or --data-dir)',
    );
    // A flag settles what the environment leaves open.
    expect(resolveBackend({ dataDir: '/d' }, { ...env, NOETL_SERVER_URL: 'http://a', NOETL_DATABASE_URL: 'postgres://b/c' })).toMatchObject({ kind: 'database', origin: 'flag' });
    expect(thrown(() => resolveBackend({ server: ' ' }, env)).message).toBe('--server is empty: give http(s)://HOST[:PORT], or leave the flag out');
    expect(thrown(() => resolveBackend({}, { ...env, NOETL_SERVER_URL: 'localhost:8082' })).message).toBe('NOETL_SERVER_URL is a localhost: URL: give http(s)://HOST[:PORT]');
    expect(thrown(() => resolveBackend({ context: 'locl' }, env))).toEqual({ code: 'not_found', message: "context 'locl' does not exist (did you mean local?)" });
  });

  it('says where a current context that no longer exists was named', () => {
    const env = home('current_context: gone\ncontexts:\n  here:\n    data_dir: /d\n');
    expect(thrown(() => resolveBackend({}, env))).toEqual({ code: 'not_found', message: `the current context 'gone' (current_context in ${join(env.XDG_CONFIG_HOME!, 'noetl', 'config.yaml')}) does not exist` });
  });

  it('checks the contexts of config.yaml when it is read', () => {
    expect(thrown(() => resolveBackend({}, home('contexts:\n  a:\n    server: http://x\n    data_dir: /d\n'))).message).toMatch(/context 'a' must have exactly one of server, database_url, data_dir \(it has server and data_dir\); fix or remove it$/);
    expect(thrown(() => resolveBackend({}, home('contexts:\n  a: http://x\n'))).message).toMatch(/context 'a' must be a mapping with one of server, database_url, data_dir; fix or remove it$/);
    expect(thrown(() => resolveBackend({}, home('contexts:\n  a:\n    server: http://x\n    tokn: t\nstrict: true\n'))).message).toMatch(/unknown key 'tokn' in context 'a'/);
    expect(thrown(() => resolveBackend({}, home('contexts: [a]\n'))).message).toMatch(/: contexts must be a mapping; fix or remove it$/);
  });
});
