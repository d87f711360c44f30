// The process as a user meets it, through the built bundle: every byte reaches a slow reader,
// control characters arrive escaped, tables fit the terminal, Ctrl-C exits 130 quietly, OS
// errors are one line. Terminal cases run on a pseudo-terminal made by `script` (util-linux).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { noetlBin, repoRoot, runCli, testCliEnv, type CliResult } from '../helpers/cli.js';
import { canMakeTerminal, runCliOnTerminal, terminalCells } from '../helpers/terminal.js';

const ESC = '\x1b';
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `noetl-${prefix}-`));
}

/** `noetl ARGS | { sleep 1; cat; }`: a reader that takes nothing for a second, then everything. */
function runCliIntoSlowReader(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'set -o pipefail; "$@" | { sleep 1; cat; }', 'slow-reader', process.execPath, noetlBin, ...args], {
      env,
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** A directory of NoETL registration files, one per credential. */
function registrationDir(credentials: object[]): string {
  const dir = tempDir('creds');
  credentials.forEach((c, i) => writeFileSync(join(dir, `c${i}.json`), JSON.stringify(c)));
  return dir;
}

describe('every byte reaches a reader that is slow to read (the pipe holds 64 KiB)', () => {
  const count = 60;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = await testCliEnv();
    const credentials = Array.from({ length: count }, (_, i) => ({ name: `c${i}`, type: 'bearer', description: `${i} ${'d'.repeat(3000)}`, data: { token: `t${i}` } }));
    const added = await runCli(['credential', 'add', '-f', registrationDir(credentials)], { env });
    expect(added.code, added.stderr).toBe(0);
  });

  it('credential ls as a table, JSON and YAML', async () => {
    const table = await runCliIntoSlowReader(['credential', 'ls'], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.length).toBeGreaterThan(128 * 1024);
    expect(table.stdout.endsWith('\n')).toBe(true);
    expect(table.stdout.trimEnd().split('\n')).toHaveLength(count + 1);
    const json = await runCliIntoSlowReader(['credential', 'ls', '-o', 'json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveLength(count);
    const yaml = await runCliIntoSlowReader(['credential', 'ls', '-o', 'yaml'], env);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(parseYaml(yaml.stdout)).toHaveLength(count);
  });

  it('lint in every --format', async () => {
    const steps = 400;
    const playbook = join(tempDir('lint'), 'big.yaml');
    const lines = ['apiVersion: noetl.io/v2', 'kind: Playbook', 'metadata:', '  name: big', '  path: t/big', 'workflow:'];
    for (let i = 0; i < steps; i++) {
      lines.push(`  - step: s${i}`, '    tool:', '      kind: http', `      url: "https://x/{{ keychain.missing_${i} }}"`, `      password: "literal-${i}"`);
    }
    writeFileSync(playbook, `${lines.join('\n')}\n`);
    const complete: Record<string, (out: string) => void> = {
      text: (out) => expect(out.match(/\[undefined-keychain\]/g)).toHaveLength(steps),
      compact: (out) => expect(out.trimEnd().split('\n')).toHaveLength(2 * steps),
      github: (out) => expect(out.trimEnd().split('\n')).toHaveLength(2 * steps),
      json: (out) => expect(JSON.stringify(JSON.parse(out)).match(/literal-secret/g)?.length).toBeGreaterThanOrEqual(steps),
      sarif: (out) => expect(JSON.parse(out).runs[0].results).toHaveLength(2 * steps),
    };
    for (const [format, check] of Object.entries(complete)) {
      const r = await runCliIntoSlowReader(['lint', '--format', format, playbook], env);
      expect(r.code, `${format}: ${r.stderr}`).toBe(1);
      expect(r.stdout.length, format).toBeGreaterThan(96 * 1024);
      check(r.stdout);
    }
  });
});

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

describe.runIf(canMakeTerminal)('Ctrl-C exits 130, quietly', () => {
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = await testCliEnv();
    const added = await runCli(['credential', 'add', 'c1', '--type', 'bearer', '--data', '-'], { env, input: '{"token":"t"}' });
    expect(added.code, added.stderr).toBe(0);
  });

  it('at a confirmation (the terminal sends SIGINT) and at a hidden prompt (it reads the key)', async () => {
    const confirm = await runCliOnTerminal(['credential', 'rm', 'c1'], env, { typeAfter: /\[y\/N\] $/, keys: '\x03' });
    expect(confirm, confirm.screen).toMatchObject({ code: 130, signal: null });
    expect(confirm.screen).not.toContain('error');

    const hidden = await runCliOnTerminal(['credential', 'add', 'c2', '--type', 'bearer'], env, { typeAfter: /access_token/, keys: '\x03' });
    expect(hidden, hidden.screen).toMatchObject({ code: 130, signal: null });
    expect(hidden.screen).not.toContain('error');

    const still = await runCli(['credential', 'ls', '-o', 'json'], { env });
    expect(JSON.parse(still.stdout).map((c: { name: string }) => c.name)).toEqual(['c1']);
  });

  it('end of input (Ctrl-D) at a confirmation answers no, and the command ends', async () => {
    const eof = await runCliOnTerminal(['credential', 'rm', 'c1'], env, { typeAfter: /\[y\/N\] $/, keys: '\x04' });
    expect(eof.code, eof.screen).not.toBe(13);
    expect(eof.screen).not.toContain('unsettled');
    const still = await runCli(['credential', 'ls', '-o', 'json'], { env });
    expect(JSON.parse(still.stdout)).toHaveLength(1);
  });
});

describe('the process around the command', () => {
  it('an OS error that reaches the top is one line, exit 2, never "a bug"', async () => {
    const env = await testCliEnv();
    const dir = tempDir('dir');
    const r = await runCli(['credential', 'add', 'x', '--type', 'bearer', '--data', `@${dir}`], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*\n$/);
    expect(r.stderr).not.toContain('bug');
  });

  it('./bin/noetl before a build says to run npm run build (one line, exit 1)', async () => {
    const checkout = tempDir('unbuilt');
    mkdirSync(join(checkout, 'bin'));
    copyFileSync(noetlBin, join(checkout, 'bin', 'noetl'));
    copyFileSync(join(repoRoot, 'package.json'), join(checkout, 'package.json'));
    const r = spawnSync(process.execPath, [join(checkout, 'bin', 'noetl'), 'credential', 'ls'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*run npm run build.*\n$/);
    expect(r.stdout).toBe('');
  });
});
