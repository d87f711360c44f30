import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { completionValues } from '../../src/cli/completion/values.js';
import { completionScript } from '../../src/cli/gen/completion.js';
import { buildProgram } from '../../src/cli/program.js';
import { RunContext } from '../../src/cli/run-context.js';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { testClient } from '../helpers/client.js';
import { memIO } from '../helpers/memio.js';
import { bashComplete, fishComplete, hasShell, zshComplete } from './scripts.js';

const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: travel
  path: integrations/travel_booking
workflow:
  - step: start
`;

let env: NodeJS.ProcessEnv;
let program: Command;
beforeAll(async () => {
  program = await buildProgram(new RunContext(memIO().io, {}));
  env = await testCliEnv();
  const dir = mkdtempSync(join(tmpdir(), 'noetl-complete-'));
  writeFileSync(join(dir, 'pg.json'), JSON.stringify({ db_host: 'h', db_port: 5432, db_user: 'u', db_password: 'p', db_name: 'd' }));
  writeFileSync(join(dir, 'tok.json'), JSON.stringify({ access_token: 'x' }));
  writeFileSync(join(dir, 'playbook.yaml'), PLAYBOOK);
  for (const args of [
    ['credential', 'add', 'pg_prod', '--type', 'postgres', '--data', `@${join(dir, 'pg.json')}`],
    ['credential', 'add', 'pg_stage', '--type', 'postgres', '--data', `@${join(dir, 'pg.json')}`],
    ['catalog', 'register', join(dir, 'playbook.yaml')],
    ['keychain', 'set', 'amadeus_token', '--playbook', 'integrations/travel_booking', '--data', `@${join(dir, 'tok.json')}`],
  ]) {
    const r = await runCli(args, { env });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
});

describe('completion of names from the current database', () => {
  it('noetl completion __values: credential names, playbook paths, keychain names, one a line', async () => {
    expect(await runCli(['completion', '__values', 'credentials'], { env })).toEqual({ code: 0, stdout: 'pg_prod\npg_stage\n', stderr: '' });
    expect(await runCli(['completion', '__values', 'playbooks'], { env })).toEqual({ code: 0, stdout: 'integrations/travel_booking\n', stderr: '' });
    expect(await runCli(['completion', '__values', 'keychain'], { env })).toEqual({ code: 0, stdout: 'amadeus_token\n', stderr: '' });
  });

  it('the scripts complete them (bash, and zsh and fish where installed)', { timeout: 120_000 }, () => {
    // Each completion opens the database (about as long as any command): a few lines per shell.
    const cases: ['bash' | 'zsh' | 'fish', string, string[]][] = [
      ['bash', 'noetl credential get pg_p', ['pg_prod']],
      ['bash', 'noetl keychain get ', ['amadeus_token']],
      ['bash', 'noetl catalog show ', ['integrations/travel_booking']],
      ['zsh', 'noetl credential rm ', ['pg_prod', 'pg_stage']],
      ['fish', 'noetl keychain ls --playbook integ', ['integrations/travel_booking']],
    ];
    const complete = { bash: bashComplete, zsh: zshComplete, fish: fishComplete };
    for (const [shell, line, expected] of cases) {
      if (!hasShell(shell)) continue;
      // zsh leaves filtering by the typed prefix to its completion system: the script offers every name.
      const offered = complete[shell](completionScript(shell, program), line, env).filter((w) => w.startsWith(line.split(' ').at(-1)!));
      expect(offered, `${shell}: ${line}`).toEqual(expected);
    }
  });

  it('from the database the command line names (--data-dir / --database-url typed before the TAB)', async () => {
    const other = await testCliEnv();
    expect((await runCli(['credential', 'add', 'only_here', '--type', 'bearer', '--data', '-'], { env: other, input: '{"token":"t"}' })).code).toBe(0);
    const flag = other.NOETL_DATA_DIR ? `--data-dir ${other.NOETL_DATA_DIR}` : `--database-url ${other.NOETL_DATABASE_URL}`;
    // The schema of the other database is the environment's (NOETL_SCHEMA): only the location comes from the flag.
    const withSchema = { ...env, NOETL_SCHEMA: other.NOETL_SCHEMA };
    expect(bashComplete(completionScript('bash', program), `noetl ${flag} credential get `, withSchema)).toEqual(['only_here']);
  });

  it('fast and silent: nothing (exit 0, no stderr) with no database yet, an unreachable server, an unknown kind; and no database is created', async () => {
    const home = mkdtempSync(join(tmpdir(), 'noetl-complete-none-'));
    const dataDir = join(home, 'db');
    const fresh: NodeJS.ProcessEnv = { ...env, NOETL_DATA_DIR: dataDir };
    delete fresh.NOETL_DATABASE_URL;
    expect(await runCli(['completion', '__values', 'credentials'], { env: fresh })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(dataDir)).toBe(false);
    const unreachable = await runCli(['--database-url', 'postgres://postgres@127.0.0.1:1/none', 'completion', '__values', 'keychain'], { env });
    expect(unreachable).toEqual({ code: 0, stdout: '', stderr: '' });
    // A server that takes the connection and never answers: the completion gives up in about 2 s, not the pool's 10 s.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const { port } = silent.address() as AddressInfo;
      const hung = await runCli(['--database-url', `postgres://postgres@127.0.0.1:${port}/none`, 'completion', '__values', 'credentials'], { env });
      expect(hung).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(Date.now() - started).toBeLessThan(6000);
    } finally {
      silent.close();
    }
    expect(await runCli(['completion', '__values', 'secrets'], { env })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(bashComplete(completionScript('bash', program), 'noetl --database-url postgres://postgres@127.0.0.1:1/none credential get ', env)).toEqual([]);
  });
});

it('completionValues in process: names through the client, each once, sorted; none is []', async () => {
  const t = await testClient();
  try {
    expect(await completionValues(t.client, 'playbooks')).toEqual([]);
    await t.client.catalog.register({ content: PLAYBOOK });
    await t.client.catalog.register({ content: `${PLAYBOOK}# v2\n` });
    await t.client.catalog.register({ content: PLAYBOOK.replace('integrations/travel_booking', 'a/first') });
    expect(await completionValues(t.client, 'playbooks')).toEqual(['a/first', 'integrations/travel_booking']);
    expect(await completionValues(t.client, 'credentials')).toEqual([]);
    for (const name of ['pg_stage', 'pg_prod']) await t.client.credentials.add({ name, type: 'bearer', data: { access_token: 'x' } });
    expect(await completionValues(t.client, 'credentials')).toEqual(['pg_prod', 'pg_stage']);
    expect(await completionValues(t.client, 'keychain')).toEqual([]);
  } finally {
    await t.close();
  }
});
