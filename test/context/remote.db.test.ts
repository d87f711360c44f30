// Commands over a real `noetl serve` (buildServer listening on 127.0.0.1, a port the OS chose,
// over a local client on this run's database), through the built CLI in process: the server
// chosen by --server, NOETL_SERVER_URL or a context, its token from --token-file, NOETL_TOKEN
// or the context's stored token; failures as one line and an exit code; `noetl status`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoetlClient } from '../../src/api/index.js';
import { createLocalClient } from '../../src/backends/local/index.js';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { buildServer } from '../../src/server/app.js';
import { DATABASE_MODULE, repoRoot, runCli } from '../helpers/cli.js';
import { testKeys } from '../helpers/client.js';
import { testStore } from '../helpers/store.js';

let app: FastifyInstance;
let local: NoetlClient;
let serverUrl: string;
let home: string;
let readerTokenFile: string;
let readerToken: string;

/** An environment with a HOME of its own, no NOETL_* or PG* variable (no database to fall back on), the OS keyring off. */
function homeEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-remote-home-'));
  return { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, '.config'), XDG_DATA_HOME: join(dir, '.local', 'share'), NO_COLOR: '1', NOETL_KEYRING: 'off', ...extra };
}

beforeAll(async () => {
  const store = await testStore();
  const keys = testKeys();
  local = createLocalClient({ store, keys: async () => keys });
  await local.credentials.add({ name: 'pg_prod', type: 'postgres', data: { host: 'db', password: 'hunter2' }, description: 'over the wire' });
  readerToken = (await local.tokens.create({ name: 'cli-reader', role: 'reader', ttl_seconds: null })).token;
  app = buildServer({ client: local, tokens: localTokenAuthority({ store }), version: '9.9.9' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  serverUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  home = mkdtempSync(join(tmpdir(), 'noetl-remote-files-'));
  readerTokenFile = join(home, 'reader.token');
  writeFileSync(readerTokenFile, `${readerToken}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await app?.close();
  await local?.close();
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe('commands over a NoETL server', () => {
  it('--server with --token-file lists the credentials; NOETL_SERVER_URL with NOETL_TOKEN too', async () => {
    const flags = await runCli(['--server', serverUrl, '--token-file', readerTokenFile, 'credential', 'ls', '-o', 'json'], { env: homeEnv() });
    expect(flags.code, flags.stderr).toBe(0);
    expect((JSON.parse(flags.stdout) as { name: string }[]).map((c) => c.name)).toEqual(['pg_prod']);
    const env = await runCli(['credential', 'ls'], { env: homeEnv({ NOETL_SERVER_URL: serverUrl, NOETL_TOKEN: readerToken }) });
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).toMatch(/^NAME\tTYPE\t.*\npg_prod\tpostgres\t/);
  });

  it('fails with one line and exit 1 without a token or with a wrong one, printing no token', async () => {
    const none = await runCli(['--server', serverUrl, 'credential', 'ls'], { env: homeEnv() });
    const badFile = join(home, 'bad.token');
    writeFileSync(badFile, 'noetl_not_a_real_token\n', { mode: 0o600 });
    const wrong = await runCli(['--server', serverUrl, '--token-file', badFile, 'credential', 'ls'], { env: homeEnv() });
    for (const r of [none, wrong]) {
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
      expect(r.stderr).not.toContain('noetl_not_a_real_token');
    }
    expect(wrong.stderr).toMatch(/token/);
    expect(none.stderr).toBe(
      `error: the NoETL server at ${serverUrl} needs a service token and none was given: pass --token-file FILE, set NOETL_TOKEN, or store one with \`noetl context add NAME --server URL --token-file FILE\`\n`,
    );
  });

  it('says that admin commands need a direct database connection', async () => {
    const r = await runCli(['--server', serverUrl, '--token-file', readerTokenFile, 'db', 'info'], { env: homeEnv() });
    expect([r.code, r.stderr]).toEqual([2, 'error: db info needs a direct database connection (not available over a server)\n']);
  });

  it('refuses --token-file for a database, and --server with --database-url', async () => {
    const env = homeEnv();
    const tokenForDb = await runCli(['--data-dir', join(home, 'unused-db'), '--token-file', readerTokenFile, 'credential', 'ls'], { env });
    expect(tokenForDb.code).toBe(2);
    expect(tokenForDb.stderr).toMatch(/^error: --token-file is the token of a NoETL server, and this command uses a database/);
    const status = await runCli(['--data-dir', join(home, 'unused-db'), '--token-file', readerTokenFile, 'status'], { env });
    expect([status.code, status.stdout, status.stderr]).toEqual([2, '', tokenForDb.stderr]);
    const both = await runCli(['--server', serverUrl, '--database-url', 'postgres://u@h/d', 'credential', 'ls'], { env });
    expect([both.code, both.stderr]).toEqual([2, 'error: --server and --database-url name two different backends: give one of them\n']);
  });

  it('a context carries the server and its token; its token is never sent to another server', async () => {
    const env = homeEnv();
    const added = await runCli(['context', 'add', 'remote', '--server', serverUrl, '--token-file', '-', '--use'], { env, input: readerToken });
    expect(added.code, added.stderr).toBe(0);
    const ls = await runCli(['credential', 'ls', '-o', 'json'], { env });
    expect([ls.code, JSON.parse(ls.stdout).length], ls.stderr).toEqual([0, 1]);
    // The same server under another name is another server: no token goes there unasked.
    const other = await runCli(['--server', serverUrl.replace('127.0.0.1', 'localhost'), 'credential', 'ls'], { env });
    expect(other.code).toBe(1);
    // --context picks a context for one command; a flag wins over the current context.
    await runCli(['context', 'add', 'nowhere', '--server', `http://127.0.0.1:${await closedPort()}`], { env });
    expect((await runCli(['--context', 'remote', 'credential', 'ls'], { env })).code).toBe(0);
    const down = await runCli(['--context', 'nowhere', 'credential', 'ls'], { env });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: [^\n]+\n$/);
  });

  it('noetl status: the server, where it was chosen, its version, the token source; exit 1 when unreachable or refused', async () => {
    const env = homeEnv();
    await runCli(['context', 'add', 'remote', '--server', serverUrl, '--token-file', readerTokenFile, '--use'], { env });
    const ok = await runCli(['status', '-o', 'json'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      backend: 'http',
      from: 'context',
      source: 'context remote',
      location: serverUrl,
      context: 'remote',
      current_context: 'remote',
      reachable: true,
      error: null,
      schema_version: null,
      pending_migrations: null,
      key_source: null,
      key_error: null,
      server_version: '9.9.9',
      token_source: join(env.XDG_CONFIG_HOME!, 'noetl', 'secrets', 'token', 'remote'),
      authenticated: true,
      agent: null,
    });
    const table = await runCli(['status'], { env });
    expect(table.stdout).toContain(`location\t${serverUrl}\nreachable\tyes\nserver version\t9.9.9\n`);

    const refused = await runCli(['--server', serverUrl, 'status', '-o', 'json'], { env });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ from: 'flag', source: '--server', context: null, current_context: 'remote', reachable: true, authenticated: false, token_source: null });

    const port = await closedPort();
    const down = await runCli(['--server', `http://127.0.0.1:${port}`, 'status', '-o', 'json'], { env });
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout)).toMatchObject({ reachable: false, error: `cannot reach NoETL server http://127.0.0.1:${port}: connection refused` });
  });

  it('loads neither pg nor PGlite in remote mode (a process of its own)', async () => {
    // modulesLoadedBy waits synchronously, and the server answering it runs in this process: trace through NODE_OPTIONS instead.
    const trace = join(home, 'modules.txt');
    writeFileSync(trace, '');
    const env = homeEnv({ NODE_OPTIONS: `--import ${join(repoRoot, 'test/foundation/fixtures/trace-imports.mjs')}`, NOETL_TRACE_IMPORTS: trace });
    const r = await runCli(['--server', serverUrl, '--token-file', readerTokenFile, 'credential', 'ls'], { env, subprocess: true });
    expect(r.code, r.stderr).toBe(0);
    const modules = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
    expect(modules.some((m) => /\/chunks\/http-/.test(m))).toBe(true);
    expect(modules.filter((m) => DATABASE_MODULE.test(m))).toEqual([]);
    expect(modules.some((m) => /\/chunks\/local-/.test(m))).toBe(false);
  });
});
