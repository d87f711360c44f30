// `noetl context add|use|ls|show|rm|current` through the built CLI, in process, in a HOME of
// their own (no database is opened): config.yaml and the token files, their modes, and how
// a context chooses the backend of other commands.
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'noetl_test_token_value_0123456789';

/** An environment with a HOME and XDG folders of its own, no NOETL_* or PG* variable, and the OS keyring off. */
function homeEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'noetl-context-home-'));
  return { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share'), NO_COLOR: '1', NOETL_KEYRING: 'off', ...extra };
}

function configText(env: NodeJS.ProcessEnv): string {
  return readFileSync(join(env.XDG_CONFIG_HOME!, 'noetl', 'config.yaml'), 'utf8');
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

async function json(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<unknown> {
  const r = await runCli([...args, '-o', 'json'], { env, input });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('noetl context', () => {
  it('adds, uses, lists, shows, removes: config.yaml holds no token; files 0600, directories 0700', async () => {
    const env = homeEnv();
    const tokenFile = join(env.HOME!, 'prod.token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });

    const added = await runCli(['context', 'add', 'prod', '--server', 'https://noetl.example.com/', '--token-file', tokenFile], { env });
    expect(added.code, added.stderr).toBe(0);
    const secretFile = join(env.XDG_CONFIG_HOME!, 'noetl', 'secrets', 'token', 'prod');
    // The fallback to a file is said once; the token never is.
    expect(added.stderr).toBe(
      `warning: the OS keyring is off (NOETL_KEYRING): the token of context 'prod' is stored in ${secretFile} (mode 0600)\n` +
        `added context 'prod' (http https://noetl.example.com); token stored in ${secretFile}\n`,
    );
    expect(await json(['context', 'add', 'dev', '--data-dir', join(env.HOME!, 'dev-db')], env)).toEqual({
      name: 'dev', current: false, backend: 'embedded', location: join(env.HOME!, 'dev-db'), token: null,
    });
    await json(['context', 'add', 'stage', '--database-url', 'postgres://app:hunter2@db.stage:5432/noetl'], env);

    const config = configText(env);
    expect(config).not.toContain(TOKEN);
    expect(config).toContain('server: https://noetl.example.com\n');
    expect(readFileSync(secretFile, 'utf8')).toBe(`${TOKEN}\n`);
    expect(mode(join(env.XDG_CONFIG_HOME!, 'noetl'))).toBe(0o700);
    expect(mode(join(env.XDG_CONFIG_HOME!, 'noetl', 'config.yaml'))).toBe(0o600);
    expect(mode(join(env.XDG_CONFIG_HOME!, 'noetl', 'secrets'))).toBe(0o700);
    expect(mode(join(env.XDG_CONFIG_HOME!, 'noetl', 'secrets', 'token'))).toBe(0o700);
    expect(mode(secretFile)).toBe(0o600);

    // No current context yet.
    const none = await runCli(['context', 'current'], { env });
    expect([none.code, none.stderr]).toEqual([3, 'error: no current context is set: run `noetl context use NAME` to set one (noetl context ls lists them)\n']);

    const used = await runCli(['context', 'use', 'prod'], { env });
    expect([used.code, used.stderr]).toEqual([0, "switched to context 'prod' (http https://noetl.example.com)\n"]);
    expect((await runCli(['context', 'current'], { env })).stdout).toBe('prod\n');
    expect(await json(['context', 'current'], env)).toEqual({ name: 'prod' });

    const ls = await runCli(['context', 'ls'], { env });
    expect(ls.stdout).toBe(
      'CURRENT\tNAME\tBACKEND\tLOCATION\n' +
        `\tdev\tembedded\t${join(env.HOME!, 'dev-db')}\n` +
        '*\tprod\thttp\thttps://noetl.example.com\n' +
        '\tstage\tpostgres\tpostgres://app:***@db.stage:5432/noetl\n',
    );
    expect(await json(['context', 'ls'], env)).toEqual([
      { name: 'dev', current: false, backend: 'embedded', location: join(env.HOME!, 'dev-db') },
      { name: 'prod', current: true, backend: 'http', location: 'https://noetl.example.com' },
      { name: 'stage', current: false, backend: 'postgres', location: 'postgres://app:***@db.stage:5432/noetl' },
    ]);
    expect(await json(['context', 'show'], env)).toEqual({ name: 'prod', current: true, backend: 'http', location: 'https://noetl.example.com', token: secretFile });
    const show = await runCli(['context', 'show', 'stage'], { env });
    expect(show.stdout).not.toContain('hunter2');

    // Removing the current context leaves none current, and its token and gateway login go with it.
    const sessionFile = join(env.XDG_CONFIG_HOME!, 'noetl', 'secrets', 'session', 'prod');
    const loginFile = join(env.XDG_CONFIG_HOME!, 'noetl', 'sessions', 'prod.json');
    mkdirSync(join(sessionFile, '..'), { recursive: true });
    mkdirSync(join(loginFile, '..'), { recursive: true });
    writeFileSync(sessionFile, 'noetl-session-old\n', { mode: 0o600 });
    writeFileSync(loginFile, '{"gateway": "http://127.0.0.1:8090"}\n', { mode: 0o600 });
    const rm = await json(['context', 'rm', 'prod', '--yes'], env);
    expect(rm).toEqual({ name: 'prod', deleted: true, was_current: true });
    expect(() => statSync(secretFile)).toThrow();
    expect(() => statSync(sessionFile)).toThrow();
    expect(() => statSync(loginFile)).toThrow();
    expect((await runCli(['context', 'current'], { env })).code).toBe(3);
    expect(configText(env)).not.toContain('current_context');
    expect((await json(['context', 'ls'], env)) as unknown[]).toHaveLength(2);
  });

  it('reads the token from stdin with --token-file -, and keeps comments and other keys of config.yaml', async () => {
    const env = homeEnv();
    const dir = join(env.XDG_CONFIG_HOME!, 'noetl');
    // A config.yaml written by hand: its comment and settings survive the edits.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'config.yaml'), '# my settings\nschema: noetl\n', { mode: 0o600 });
    const added = await runCli(['context', 'add', 'ci', '--server', 'http://127.0.0.1:8082', '--token-file', '-', '--use', '-q'], { env, input: `${TOKEN}\n` });
    expect([added.code, added.stdout]).toEqual([0, '']);
    expect(configText(env)).toBe('# my settings\nschema: noetl\ncontexts:\n  ci:\n    server: http://127.0.0.1:8082\ncurrent_context: ci\n');
    expect(readFileSync(join(dir, 'secrets', 'token', 'ci'), 'utf8')).toBe(`${TOKEN}\n`);
  });

  it('refuses what is wrong with one line and the documented exit code, writing nothing', async () => {
    const env = homeEnv();
    await json(['context', 'add', 'prod', '--server', 'http://127.0.0.1:8082'], env);
    const before = configText(env);
    const cases: [string[], number, string][] = [
      [['context', 'add', 'prod', '--server', 'http://127.0.0.1:9'], 4, "error: context 'prod' already exists: use --replace to replace it\n"],
      [['context', 'add', 'x'], 2, "error: context 'x' needs a backend: give --server URL (with --token-file FILE), --database-url URL or --data-dir DIR\n"],
      [['context', 'add', 'x', '--server', 'http://h', '--data-dir', '/d'], 2, 'error: --server and --data-dir name two different backends: give one of them\n'],
      [['context', 'add', 'x', '--data-dir', '/d', '--token-file', '/t'], 2, 'error: --token-file is the token of a NoETL server: give it with --server URL\n'],
      [['context', 'add', 'x', '--server', 'ftp://h'], 2, 'error: --server is a ftp: URL: give http(s)://HOST[:PORT]\n'],
      [['context', 'add', 'x', '--server', 'http://u:pw@h'], 2, 'error: --server has a user or password in it: give the token with --token-file FILE or NOETL_TOKEN instead\n'],
      [['context', 'add', 'bad/name', '--data-dir', '/d'], 2, "error: context name 'bad/name' is not valid: use up to 63 letters, digits, '.', '_' or '-', starting with a letter or digit\n"],
      [['context', 'add', 'x', '--server', 'http://h', '--token-file', '/nonexistent/t'], 3, 'error: cannot read token file /nonexistent/t (--token-file): no such file\n'],
      [['context', 'use', 'prdo'], 3, "error: context 'prdo' does not exist (did you mean prod?): run `noetl context ls` to see the contexts\n"],
      [['context', 'show', 'nope'], 3, "error: context 'nope' does not exist: run `noetl context ls` to see the contexts\n"],
      [['context', 'rm', 'prod'], 2, "error: removing context 'prod' needs confirmation: add --yes (stdin is not a terminal)\n"],
      [['context', 'rm', 'prdo', '--yes'], 3, "error: context 'prdo' does not exist (did you mean prod?): run `noetl context ls` to see the contexts\n"],
      [['--context', 'prdo', 'credential', 'ls'], 3, "error: context 'prdo' does not exist (did you mean prod?): run `noetl context ls` to see the contexts\n"],
    ];
    for (const [args, code, stderr] of cases) {
      const r = await runCli(args, { env, input: '' });
      expect([r.code, r.stderr], args.join(' ')).toEqual([code, stderr]);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(configText(env)).toBe(before);
  });

  it('completes context names from config.yaml (for --context, context use/show/rm)', async () => {
    const env = homeEnv();
    expect(await runCli(['completion', '__values', 'contexts'], { env })).toEqual({ code: 0, stdout: '', stderr: '' });
    await json(['context', 'add', 'b', '--data-dir', '/b'], env);
    await json(['context', 'add', 'a', '--server', 'http://127.0.0.1:8082'], env);
    expect((await runCli(['completion', '__values', 'contexts'], { env })).stdout).toBe('a\nb\n');
    const bash = (await runCli(['completion', 'bash'], { env })).stdout;
    expect(bash).toContain("'noetl context use'|'noetl context show'|'noetl context rm') _noetl_names contexts; return ;;");
    expect(bash).toContain("*' --context') _noetl_names contexts; return ;;");
  });

  it('--replace keeps the token while the server stays, and drops it when the context changes backend', async () => {
    const env = homeEnv();
    const tokenFile = join(env.HOME!, 't');
    writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
    await json(['context', 'add', 'p', '--server', 'http://127.0.0.1:8082', '--token-file', tokenFile], env);
    const secretFile = join(env.XDG_CONFIG_HOME!, 'noetl', 'secrets', 'token', 'p');
    await json(['context', 'add', 'p', '--server', 'http://127.0.0.1:8082', '--replace'], env);
    expect(readFileSync(secretFile, 'utf8')).toBe(`${TOKEN}\n`);
    await json(['context', 'add', 'p', '--data-dir', '/srv/noetl', '--replace'], env);
    expect(() => statSync(secretFile)).toThrow();
  });
});
