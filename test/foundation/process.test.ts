// The process as a user meets it, through the built bundle: control characters arrive
// escaped, tables fit the terminal. Terminal cases run on a pseudo-terminal made by `script` (util-linux).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { canMakeTerminal, runCliOnTerminal, terminalCells } from '../helpers/terminal.js';

const ESC = '\x1b';
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `noetl-${prefix}-`));
}

/** A directory of NoETL registration files, one per credential. */
function registrationDir(credentials: object[]): string {
  const dir = tempDir('creds');
  credentials.forEach((c, i) => writeFileSync(join(dir, `c${i}.json`), JSON.stringify(c)));
  return dir;
}

describe('control characters are escaped in everything printed for people', () => {
  let env: NodeJS.ProcessEnv;
  const evil = `${ESC}[2J${ESC}]0;pwned\x07\tforged column\nforged\trow`;

  beforeAll(async () => {
    env = await testCliEnv();
    const added = await runCli(
      ['credential', 'add', '-f', registrationDir([
        { name: 'evil', type: 'bearer', description: evil, meta: { [`k${ESC}[2J`]: `v\n${ESC}]0;t\x07` }, data: { token: 't' } },
        { name: 'plain', type: 'bearer', description: `ünïcödé 日本語 ${'long '.repeat(30)}`, data: { token: 't' } },
      ])],
      { env },
    );
    expect(added.code, added.stderr).toBe(0);
  });

  it('a TAB or LF in a value forges no column or row; names in errors and unicode print as they are', async () => {
    const ls = await runCli(['credential', 'ls'], { env });
    expect(ls.code).toBe(0);
    const rows = ls.stdout.trimEnd().split('\n').map((line) => line.split('\t'));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toHaveLength(rows[0].length);
    expect(ls.stdout).toContain('\\u001b[2J\\u001b]0;pwned\\u0007\\tforged column\\nforged\\trow');
    expect(ls.stdout).toContain('ünïcödé 日本語');
    expect(ls.stdout).not.toMatch(RAW_CONTROL);

    const get = await runCli(['credential', 'get', 'evil'], { env });
    expect(get.code).toBe(0);
    expect(get.stdout).not.toMatch(RAW_CONTROL);
    expect(get.stdout).toContain('\\u001b[2J');

    const missing = await runCli(['credential', 'get', `nope${ESC}]0;pwned\x07\nerror: forged`], { env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).not.toMatch(RAW_CONTROL);
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('nope\\u001b]0;pwned\\u0007\\nerror: forged');

    const unicode = await runCli(['credential', 'add', 'ünïcödé', '--type', 'bearer', '--data', '-'], { env, input: '{"token":"t"}' });
    expect(unicode.code).toBe(2);
    expect(unicode.stderr).toContain("'ünïcödé'");
  });

  it.runIf(canMakeTerminal)('on a terminal: no raw control character, tables fit its width, lint source lines escaped', async () => {
    const ls = await runCliOnTerminal(['credential', 'ls'], env, { columns: 80 });
    expect(ls.code, ls.screen).toBe(0);
    const lines = ls.screen.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(terminalCells(line), line).toBeLessThanOrEqual(80);
    expect(ls.screen).toMatch(/\nplain +bearer .* ünïcödé 日本語 long.*…\n/);
    expect(ls.screen).toContain('\\u001b[2J');
    expect(ls.screen).not.toMatch(RAW_CONTROL);

    const playbook = join(tempDir('lint'), 'evil.yaml');
    writeFileSync(playbook, `apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: e\n  path: t/e\nworkflow:\n  - step: s\n    tool:\n      kind: http\n      url: "{{ keychain.nope }}" # ${ESC}[2J${ESC}]0;pwned\x07\n`);
    const lint = await runCliOnTerminal(['lint', playbook], env);
    expect(lint.code, lint.screen).toBe(1);
    expect(lint.screen).toContain('# \\u001b[2J\\u001b]0;pwned\\u0007');
    expect(lint.screen).not.toMatch(RAW_CONTROL);
  });
});
