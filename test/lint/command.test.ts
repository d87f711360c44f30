import { NoetlError } from '../../src/core/errors.js';
import { CommandExit, EXIT_CODE_OF } from '../../src/cli/exit-codes.js';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseLintFormat } from '../../src/cli/lint/formats.js';
import { runLint, type LintCommandOptions } from '../../src/cli/lint/run.js';
import { memIO } from '../helpers/memio.js';

const BAD = `kind: Playbook
workload:
  pg_auth: pg_local
workflow:
  - step: a
    tool: { kind: postgres, auth: "{{ workload.pg_aut }}" }
`;
const WARN = `kind: Playbook
workflow:
  - step: get_token
    tool: python
    auth: { credential: x_auth, bearer: true, variable: myToken }
`;
/** BAD with its typo fixed. */
const GOOD = BAD.replace('workload.pg_aut ', 'workload.pg_auth ');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'noetl-lint-cmd-'));
  mkdirSync(join(dir, 'plays', 'nested'), { recursive: true });
  mkdirSync(join(dir, 'plays', 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'plays', 'bad.yaml'), BAD);
  writeFileSync(join(dir, 'plays', 'nested', 'warn.yml'), WARN);
  writeFileSync(join(dir, 'plays', 'nested', 'good.yaml'), GOOD);
  writeFileSync(join(dir, 'plays', 'nested', 'notes.txt'), BAD);
  writeFileSync(join(dir, 'plays', 'node_modules', 'skip.yaml'), BAD);
});

const base: LintCommandOptions = { paths: [], format: 'compact', failLevel: 'error', listRules: false, checkCredentials: false, quiet: false };
async function run(opts: Partial<LintCommandOptions>, stdin?: string) {
  const m = memIO({ stdin });
  let code: number;
  try {
    code = await runLint({ ...base, ...opts }, { io: m.io, cwd: dir, version: '1.0.0' });
  } catch (e) {
    code = e instanceof CommandExit ? e.exitCode : e instanceof NoetlError ? EXIT_CODE_OF[e.code] : -1;
    m.io.stderr.write(`error: ${(e as Error).message}\n`);
  }
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

describe('noetl lint (run function)', () => {
  it('lints folders recursively (*.yaml, *.yml; not node_modules), in a stable order, exit 1 on errors', async () => {
    const r = await run({ paths: ['plays'] });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split(': ')[0])).toEqual(['plays/bad.yaml:6:48', 'plays/nested/warn.yml:5:57']);
    expect(r.stderr).toBe('3 files linted: 1 error, 1 warning\n');
  });

  it('exit 0 when only warnings, unless --fail-level warning', async () => {
    expect((await run({ paths: ['plays/nested'] })).code).toBe(0);
    expect((await run({ paths: ['plays/nested'], failLevel: 'warning' })).code).toBe(1);
  });

  it('clean files: exit 0, nothing on stdout, a summary on stderr', async () => {
    const r = await run({ paths: ['plays/nested/good.yaml'] });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '1 file linted: no findings\n' });
  });

  it('reads - from stdin, reported under --stdin-filename', async () => {
    const r = await run({ paths: ['-'], stdinFilename: 'from-ci.yaml' }, BAD);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^from-ci\.yaml:6:48: error: /);
  });

  it('usage errors exit 2: no paths, an unknown rule to explain; a missing path is 3', async () => {
    expect((await run({ paths: [] })).code).toBe(2);
    const missing = await run({ paths: ['nope.yaml'] });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe('error: nope.yaml: no such file or folder\n');
    const unknown = await run({ explain: 'literal-secrets' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("did you mean 'literal-secret'?");
  });

  it('an invalid .noetl-lint.yaml is a usage error', async () => {
    const d = mkdtempSync(join(tmpdir(), 'noetl-lint-badcfg-'));
    writeFileSync(join(d, '.noetl-lint.yaml'), 'rules:\n  nope: off\n');
    writeFileSync(join(d, 'p.yaml'), GOOD);
    const m = memIO();
    await expect(runLint({ ...base, paths: [d] }, { io: m.io, cwd: d, version: '1' })).rejects.toMatchObject({ code: 'invalid' });
  });

  it('the config applies severities and ignored paths', async () => {
    const d = mkdtempSync(join(tmpdir(), 'noetl-lint-cfg-'));
    mkdirSync(join(d, 'broken'));
    writeFileSync(join(d, '.noetl-lint.yaml'), 'rules:\n  undefined-workload-key: warning\nignore:\n  - broken/**\n');
    writeFileSync(join(d, 'p.yaml'), BAD);
    writeFileSync(join(d, 'broken', 'x.yaml'), BAD);
    const m = memIO();
    const code = await runLint({ ...base, paths: ['.'] }, { io: m.io, cwd: d, version: '1' });
    expect(code).toBe(0);
    expect(m.stdout()).toMatch(/^p\.yaml:6:48: warning: /);
    expect(m.stderr()).toBe('1 file linted: 0 errors, 1 warning\n');
  });

  it('--list-rules and --explain', async () => {
    const list = await run({ listRules: true });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^undefined-keychain\s+error\s+\{\{ keychain\.X \}\} names an entry/m);
    const explain = await run({ explain: 'local-scope-to-child' });
    expect(explain.stdout).toMatch(/^local-scope-to-child \(default severity: warning\)\n/);
    expect(explain.stdout).toContain('scope: shared');
  });

  it('--format json prints only JSON on stdout', async () => {
    const r = await run({ paths: ['plays/bad.yaml'], format: 'json' });
    expect(JSON.parse(r.stdout)).toMatchObject([{ path: 'plays/bad.yaml', line: 6, column: 48, rule: 'undefined-workload-key' }]);
  });

  it('--format github and sarif', async () => {
    expect((await run({ paths: ['plays/bad.yaml'], format: 'github' })).stdout).toMatch(/^::error file=plays\/bad\.yaml,line=6,col=48,/);
    const sarif = JSON.parse((await run({ paths: ['plays/bad.yaml'], format: 'sarif' })).stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].tool.driver.semanticVersion).toBe('1.0.0');
  });

  it('--quiet drops the summary', async () => {
    expect((await run({ paths: ['plays/nested/good.yaml'], quiet: true })).stderr).toBe('');
  });

  it('counts only files that hold a playbook; a named file that holds none is a warning, a folder\'s is counted', async () => {
    const d = mkdtempSync(join(tmpdir(), 'noetl-lint-mixed-'));
    writeFileSync(join(d, 'good.yaml'), GOOD);
    writeFileSync(join(d, 'values.yaml'), 'replicas: 3\n');
    writeFileSync(join(d, 'notes.yml'), '');
    const folder = await run({ paths: [d] });
    expect(folder.code).toBe(0);
    expect(folder.stderr).toBe('1 file linted (2 skipped: no playbook): no findings\n');
    const named = await run({ paths: [join(d, 'good.yaml'), join(d, 'values.yaml')] });
    expect(named.code).toBe(0);
    expect(named.stderr).toBe(`warning: ${join(d, 'values.yaml')} holds no playbook; nothing in it was linted\n1 file linted (1 skipped: no playbook): no findings\n`);
    // A YAML file that does not parse is linted (its syntax error is the finding), not skipped.
    writeFileSync(join(d, 'broken.yaml'), 'a: [\n');
    expect((await run({ paths: [join(d, 'broken.yaml')] })).code).toBe(1);
  });

  it('nothing to lint when every file is ignored by .noetl-lint.yaml, and says so', async () => {
    const d = mkdtempSync(join(tmpdir(), 'noetl-lint-allignored-'));
    writeFileSync(join(d, '.noetl-lint.yaml'), 'ignore:\n  - "*.yaml"\n');
    writeFileSync(join(d, 'p.yaml'), BAD);
    const r = await run({ paths: [d] });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: nothing to lint: no \.yaml or \.yml file in .* \(1 ignored by \.noetl-lint\.yaml\)/);
    expect((await run({ paths: [d], allowEmpty: true })).code).toBe(0);
  });

  it('a broken symbolic link named like a playbook cannot be read: exit 3, not skipped', async () => {
    const d = mkdtempSync(join(tmpdir(), 'noetl-lint-dangling-'));
    writeFileSync(join(d, 'good.yaml'), GOOD);
    symlinkSync(join(d, 'gone.yaml'), join(d, 'link.yaml'));
    const r = await run({ paths: [d] });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: cannot read .*link\.yaml: no such file\n$/);
  });

  it('exit 3 when a file cannot be read', async () => {
    const d = mkdtempSync(join(tmpdir(), 'noetl-lint-unreadable-'));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(d, 'socket.yaml'), resolve));
    try {
      const r = await run({ paths: [join(d, 'socket.yaml')] });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^error: cannot read .*socket\.yaml: /);
    } finally {
      server.close();
    }
  });
});

describe('the lint format', () => {
  it('comes from --format or -o (table is text, json is json); -o yaml, -f and two that disagree are usage errors', () => {
    expect(chooseLintFormat({})).toBe('text');
    expect(chooseLintFormat({ output: 'table' })).toBe('text');
    expect(chooseLintFormat({ output: 'json' })).toBe('json');
    expect(chooseLintFormat({ format: 'sarif' })).toBe('sarif');
    expect(chooseLintFormat({ format: 'json', output: 'json' })).toBe('json');
    expect(() => chooseLintFormat({ output: 'yaml' })).toThrow(expect.objectContaining({ code: 'invalid', message: expect.stringMatching(/^lint has no yaml report/) }));
    expect(() => chooseLintFormat({ format: 'sarif', output: 'json' })).toThrow(/--format sarif and -o json ask for two different formats/);
    expect(() => chooseLintFormat({ legacyF: 'json' })).toThrow(expect.objectContaining({ code: 'invalid', message: expect.stringMatching(/^lint has no -f/) }));
  });
});
