/**
 * The conventions table of CONTRIBUTING.md, across the nouns, through the built CLI: an empty
 * listing is exit 0, declining a confirmation is exit 1 and deletes nothing, every delete needs
 * --yes off a terminal, a delete prints its result in JSON, and --execution is the one name of
 * the execution flag (--execution-id a hidden alias).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { canMakeTerminal, runCliOnTerminal } from '../helpers/terminal.js';

const EXEC = '507431238966182398';
const PB = 'conventions/demo';
describe('conventions (CONTRIBUTING.md) across the nouns, built CLI', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  beforeAll(async () => {
    env = { ...(await testCliEnv({ agent: true })), NOETL_KEYRING: 'off' };
    dir = mkdtempSync(join(tmpdir(), 'noetl-conventions-'));
  });
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('a listing or filter that matches nothing is an empty list, exit 0, in every noun', { timeout: 120_000 }, async () => {
    for (const args of [
      ['credential', 'ls', '--type', 'nope'],
      ['vars', 'show', EXEC],
      ['vars', 'show', EXEC, '--type', 'computed'],
      ['keychain', 'ls', '--expired'],
      ['cache', 'ls', '--execution', EXEC],
      ['catalog', 'ls', '--path', 'no/such'],
    ]) {
      const r = await runCli([...args, '-o', 'json'], { env });
      expect([r.code, r.stdout, r.stderr], args.join(' ')).toEqual([0, '[]\n', '']);
    }
  });

  it.skipIf(!canMakeTerminal)('declining a confirmation is exit 1 and deletes nothing, in every noun (skipped without util-linux script)', { timeout: 240_000 }, async () => {
    const steps = [
      ['credential', 'add', 'pw', '--type', 'basic', '--data', `@${file('pw.json', '{"password": "p-123"}')}`],
      ['catalog', 'register', file('pb.yaml', `apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: demo\n  path: ${PB}\n`)],
      ['keychain', 'set', 'tok', '--playbook', PB, '--data', `@${file('tok.json', '{"access_token": "t-1"}')}`],
      ['vars', 'set', EXEC, 'v', '--value', '1'],
    ];
    for (const args of steps) expect((await runCli(args, { env })).code, args.join(' ')).toBe(0);
    for (const [args, declined] of [
      [['credential', 'rm', 'pw'], "credential 'pw' not deleted"],
      [['keychain', 'rm', 'tok', '--playbook', PB], 'no keychain entry deleted'],
      [['vars', 'rm', EXEC, 'v'], 'no variable deleted'],
      [['cache', 'purge', '--expired'], 'no cache entry deleted'],
      [['cache', 'cleanup', '--execution', EXEC], 'no cache entry deleted'],
    ] as const) {
      const r = await runCliOnTerminal([...args], env, { typeAfter: /\? \[y\/N\] /, keys: 'n\n' });
      expect(r.code, `${args.join(' ')}: ${r.screen}`).toBe(1);
      expect(r.screen).toContain(`error: ${declined}: not confirmed\n`);
    }
    expect(JSON.parse((await runCli(['credential', 'ls', '-o', 'json'], { env })).stdout)).toHaveLength(1);
    expect(JSON.parse((await runCli(['keychain', 'ls', '-o', 'json'], { env })).stdout)).toHaveLength(1);
    expect(JSON.parse((await runCli(['vars', 'show', EXEC, '-o', 'json'], { env })).stdout)).toHaveLength(1);
  });

  it('a delete prints what it deleted with -o json', { timeout: 120_000 }, async () => {
    await runCli(['credential', 'add', 'gone', '--type', 'basic', '--data', `@${file('gone.json', '{"password": "p-456"}')}`], { env });
    const r = await runCli(['credential', 'rm', 'gone', '--yes', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: expect.stringMatching(/^[0-9]{16,19}$/), name: 'gone', deleted: true });
  });

  it('--execution is the one name of the execution flag; --execution-id is a hidden alias', { timeout: 120_000 }, async () => {
    for (const args of [['keychain', 'resolve'], ['render'], ['keychain', 'ls'], ['keychain', 'get'], ['cache', 'ls'], ['cache', 'cleanup']]) {
      const help = await runCli([...args, '--help'], { env });
      expect(help.stdout, args.join(' ')).toMatch(/^\s+--execution <id>\s/m);
      expect(help.stdout, args.join(' ')).not.toContain('--execution-id');
    }
    const viaAlias = await runCli(['keychain', 'ls', '--execution-id', EXEC, '-o', 'json'], { env });
    expect([viaAlias.code, viaAlias.stdout]).toEqual([0, '[]\n']);
    const bad = await runCli(['keychain', 'resolve', file('r.yaml', 'x: 1\n'), '--execution-id', 'abc'], { env });
    expect([bad.code, bad.stderr]).toEqual([2, "error: --execution 'abc' is not a 64-bit number (e.g. 507431238966182398)\n"]);
  });

  it.skipIf(!canMakeTerminal)('credential add on a terminal echoes the fields that are not secret, hides the password, and asks a typo again', { timeout: 120_000 }, async () => {
    const password = 'Tr0ub4dor-prompt-9';
    const r = await runCliOnTerminal(['credential', 'add', 'pg_prompted', '--type', 'postgres'], env, {
      steps: [
        { after: /db_host: $/, keys: 'db.example\n' },
        { after: /db_port \(optional\): $/, keys: '54x2\n' },
        { after: /db_port \(optional\): $/, keys: '5432\n' },
        { after: /db_user: $/, keys: 'app\n' },
        { after: /db_password:/, keys: `${password}\r` },
        { after: /db_name: $/, keys: 'appdb\n' },
      ],
    });
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain('db_host: db.example\n');
    expect(r.screen).toContain('db_port must be an integer: try again (Ctrl-C to stop)\n');
    expect(r.screen).not.toContain(password);
    const got = await runCli(['credential', 'get', 'pg_prompted', '--reveal', '-o', 'json'], { env });
    expect(JSON.parse(got.stdout).data).toEqual({ db_host: 'db.example', db_port: 5432, db_user: 'app', db_password: password, db_name: 'appdb' });
  });
});
