/**
 * The conventions table of CONTRIBUTING.md, across the nouns, through the built CLI: an empty
 * listing is exit 0, declining a confirmation is exit 1 and deletes nothing, every delete needs
 * --yes off a terminal, a delete prints its result in JSON, and --execution is the one name of
 * the execution flag (--execution-id a hidden alias).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { noetlBin, repoRoot, runCli, testCliEnv, type CliResult } from '../helpers/cli.js';

const EXEC = '507431238966182398';
const PB = 'conventions/demo';
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs the built CLI on a pseudo-terminal (util-linux `script`), answering `answer` to its question. */
function runOnTerminal(args: string[], env: NodeJS.ProcessEnv, answer: string): Promise<CliResult> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', [process.execPath, noetlBin, ...args].map(quote).join(' '), '/dev/null'], { env, cwd: repoRoot });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: output.replace(/\r\n/g, '\n'), stderr: '' }));
    child.stdin.end(answer);
  });
}

describe('conventions (CONTRIBUTING.md) across the nouns, built CLI', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  beforeAll(async () => {
    env = { ...(await testCliEnv()), NOETL_KEYRING: 'off' };
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

  it.skipIf(!hasScript)('declining a confirmation is exit 1 and deletes nothing, in every noun (skipped without util-linux script)', { timeout: 240_000 }, async () => {
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
      const r = await runOnTerminal([...args], env, 'n\n');
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(1);
      expect(r.stdout).toMatch(/\? \[y\/N\] /);
      expect(r.stdout).toContain(`error: ${declined}: not confirmed\n`);
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
});
