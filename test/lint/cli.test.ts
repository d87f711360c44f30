import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_MODULE, modulesLoadedBy, noetlBin, runCli } from '../helpers/cli.js';

const BAD = `kind: Playbook\nworkload:\n  pg_auth: pg_local\nworkflow:\n  - step: a\n    tool: { kind: postgres, auth: "{{ workload.pg_aut }}" }\n`;
const GOOD = BAD.replace('pg_aut ', 'pg_auth ');

let dir: string;
const env = { ...process.env, NO_COLOR: '1' };
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'noetl-lint-cli-'));
  writeFileSync(join(dir, 'bad.yaml'), BAD);
  writeFileSync(join(dir, 'good.yaml'), GOOD);
});

describe('noetl lint (built CLI)', () => {
  it('prints the finding with its severity in words (no color in CI logs), its source line and underline; exit 1; summary on stderr', async () => {
    const r = await runCli(['lint', 'bad.yaml'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      "bad.yaml:6:48: error: workload key 'pg_aut' is not declared; did you mean 'pg_auth'? (workload declares: pg_auth) [undefined-workload-key]\n" +
        ' 6 |     tool: { kind: postgres, auth: "{{ workload.pg_aut }}" }\n' +
        '   |                                                ^~~~~~\n',
    );
    expect(r.stderr).toBe('1 file linted: 1 error, 0 warnings\n');
  });

  it("issue 17's rules in the bundle: --list-rules shows them; a secret default, a secret path in auth and decoded command_b64 are reported", async () => {
    const list = await runCli(['lint', '--list-rules'], { cwd: dir, env });
    for (const id of ['unused-keychain-entry', 'auth-secret-path', 'literal-secret-default', 'password-via-workload']) expect(list.stdout).toMatch(new RegExp(`^${id} `, 'm'));
    const sql = Buffer.from("SELECT '{{ workload.tabel }}'").toString('base64');
    const playbook = `apiVersion: noetl.io/v2\nkind: Playbook\nworkload:\n  table: t\n  db_password: "{{ env.DB_PASSWORD | default('demo') }}"\nworkflow:\n  - step: a\n    tool: { kind: postgres, auth: projects/1/secrets/pg/versions/latest, command_b64: ${sql} }\n`;
    const r = await runCli(['lint', '-', '--stdin-filename', 'p.yaml', '--format', 'compact'], { cwd: dir, env, input: playbook });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.replace(/:.*\[/, ' [')))
      .toEqual(['p.yaml [literal-secret-default]', 'p.yaml [auth-secret-path]', 'p.yaml [undefined-workload-key]']);
    expect(r.stdout).toContain('(in the base64-decoded command_b64)');
  });

  it('exit 0 on a clean file', async () => {
    expect((await runCli(['lint', 'good.yaml'], { cwd: dir, env })).code).toBe(0);
  });

  it('reads stdin with -', async () => {
    const r = await runCli(['lint', '-', '--stdin-filename', 'ci/play.yaml', '--format', 'github'], { cwd: dir, env, input: BAD });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=ci\/play\.yaml,line=6,col=48,endLine=6,endColumn=54,/);
  });

  it('usage errors exit 2; a path that does not exist, 3', async () => {
    expect((await runCli(['lint'], { cwd: dir, env })).code).toBe(2);
    expect((await runCli(['lint', '--format', 'xml', 'bad.yaml'], { cwd: dir, env })).code).toBe(2);
    expect(await runCli(['lint', 'missing.yaml'], { cwd: dir, env })).toEqual({ code: 3, stdout: '', stderr: 'error: missing.yaml: no such file or folder\n' });
  });

  it('exits 3 when --check-credentials cannot open the database', async () => {
    const r = await runCli(['--database-url', 'postgres://postgres@127.0.0.1:1/none', 'lint', '--check-credentials', 'bad.yaml'], { cwd: dir, env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: --check-credentials: cannot open the database: .*127\.0\.0\.1.*\n$/);
  });

  it('-o json is --format json; -o yaml, two formats that disagree, and -f (a file everywhere in noetl) are exit 2, never ignored', async () => {
    const json = await runCli(['-o', 'json', 'lint', 'bad.yaml'], { cwd: dir, env });
    expect(JSON.parse(json.stdout)[0]).toMatchObject({ path: 'bad.yaml', line: 6, column: 48 });
    for (const [args, message] of <[string[], string][]>[
      [['-o', 'yaml', 'lint', 'bad.yaml'], 'lint has no yaml report: use --format text|json|sarif|github|compact (-o json is --format json)'],
      [['-o', 'json', 'lint', '--format', 'sarif', 'bad.yaml'], '--format sarif and -o json ask for two different formats: give one'],
      [['lint', '-f', 'compact', 'bad.yaml'], 'lint has no -f (-f means a file in noetl): give the report format with --format compact'],
    ]) {
      expect(await runCli(args, { cwd: dir, env }), args.join(' ')).toEqual({ code: 2, stdout: '', stderr: `error: ${message}\n` });
    }
    const help = await runCli(['lint', '--help'], { cwd: dir, env });
    expect(help.stdout).toContain('--format <format>');
    expect(help.stdout).not.toMatch(/-f[ ,]/);
  });

  it('never passes vacuously: follows symbolic links (a ConfigMap mount), survives a link cycle, exit 2 when nothing is lintable unless --allow-empty', async () => {
    const root = mkdtempSync(join(tmpdir(), 'noetl-lint-vacuous-'));
    // A Kubernetes ConfigMap volume: the files are links into a hidden, timestamped folder.
    mkdirSync(join(root, 'cm', '..2026_01_01_00_00_00.1'), { recursive: true });
    writeFileSync(join(root, 'cm', '..2026_01_01_00_00_00.1', 'bad.yaml'), BAD);
    symlinkSync('..2026_01_01_00_00_00.1', join(root, 'cm', '..data'));
    symlinkSync('..data/bad.yaml', join(root, 'cm', 'bad.yaml'));
    const mounted = await runCli(['lint', 'cm'], { cwd: root, env });
    expect(mounted.code).toBe(1);
    expect(mounted.stdout).toMatch(/^cm\/bad\.yaml:6:48: error: /);
    expect(mounted.stderr).toBe('1 file linted: 1 error, 0 warnings\n');
    // A linked folder is followed; a link back to a folder that holds it is a cycle, said once and not followed.
    mkdirSync(join(root, 'tree', 'plays'), { recursive: true });
    writeFileSync(join(root, 'tree', 'plays', 'good.yaml'), GOOD);
    symlinkSync('..', join(root, 'tree', 'plays', 'loop'));
    symlinkSync(join(root, 'cm', '..data'), join(root, 'tree', 'linked'));
    const tree = await runCli(['lint', 'tree'], { cwd: root, env });
    expect(tree.code).toBe(1);
    expect(tree.stdout).toMatch(/^tree\/linked\/bad\.yaml:6:48: error: /);
    expect(tree.stderr).toBe('warning: tree/plays/loop: a symbolic link back to a folder that contains it; not followed\n2 files linted: 1 error, 0 warnings\n');
    // Nothing lintable: an empty folder, an empty stdin, a file that is not a playbook.
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n');
    for (const [args, input, what] of [
      [['lint', 'empty'], '', 'no .yaml or .yml file in empty'],
      [['lint', '-'], '', 'stdin holds no playbook'],
      [['lint', 'passwd', '--format', 'sarif'], '', 'passwd holds no playbook'],
    ] as const) {
      const r = await runCli([...args], { cwd: root, env, input });
      expect(r, args.join(' ')).toMatchObject({ code: 2, stdout: '' });
      expect(r.stderr).toBe(`error: nothing to lint: ${what} (a playbook is YAML with kind: Playbook, a workflow or a keychain); give playbooks, or --allow-empty to accept an empty run\n`);
    }
    const allowed = await runCli(['lint', '--allow-empty', 'empty'], { cwd: root, env });
    expect(allowed).toEqual({ code: 0, stdout: '', stderr: '0 files linted: no findings\n' });
  });

  // Root lists anything: as root, the CLI runs as an unprivileged user (when that user can read the checkout).
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--', process.execPath] : [process.execPath];
  const canRun = spawnSync(asUser[0], [...asUser.slice(1), noetlBin, '--version']).status === 0;
  it.skipIf(!canRun)('a folder that cannot be listed is exit 3 with one line (its playbooks would go unlinted), not a crash', async () => {
    const root = mkdtempSync(join(tmpdir(), 'noetl-lint-unlistable-'));
    chmodSync(root, 0o755);
    writeFileSync(join(root, 'good.yaml'), GOOD, { mode: 0o644 });
    mkdirSync(join(root, 'locked'), { mode: 0o000 });
    const r = spawnSync(asUser[0], [...asUser.slice(1), noetlBin, 'lint', root], { cwd: tmpdir(), env, encoding: 'utf8' });
    chmodSync(join(root, 'locked'), 0o700);
    expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 3, stdout: '', stderr: `error: cannot read ${join(root, 'locked')}: EACCES\n` });
  });

  it('loads no database code, even with findings', () => {
    const { code, modules } = modulesLoadedBy(['lint', 'bad.yaml'], { cwd: dir, env });
    expect(code).toBe(1);
    expect(modules.length).toBeGreaterThan(0);
    expect(modules.filter((url) => DATABASE_MODULE.test(url))).toEqual([]);
  });
});

describe('noetl lint on many files (worker threads)', () => {
  it('lints across threads with the same findings as in one thread', async () => {
    const many = mkdtempSync(join(tmpdir(), 'noetl-lint-many-'));
    for (let i = 0; i < 120; i++) writeFileSync(join(many, `p${String(i).padStart(3, '0')}.yaml`), i % 7 === 0 ? BAD : GOOD);
    const one = await runCli(['lint', '.'], { cwd: many, env: { ...env, NOETL_LINT_JOBS: '1' } });
    const three = await runCli(['lint', '.'], { cwd: many, env: { ...env, NOETL_LINT_JOBS: '3' } });
    expect(one.code).toBe(1);
    expect(three).toEqual(one);
    expect(one.stderr).toBe('120 files linted: 18 errors, 0 warnings\n');
    expect(one.stdout).toContain(' 6 |     tool: { kind: postgres, auth: "{{ workload.pg_aut }}" }\n');
  });
});
